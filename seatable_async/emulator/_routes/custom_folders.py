"""Custom-folder files of a base (API-Token, dtable-web ``/api/v2.1/dtable/custom/…``) and
copying a base (Account-Token, ``POST /api/v2.1/dtable-copy/``).

Custom files live under ``/asset/<uuid>/custom`` (the same store as attachments, keys
``/custom/<folder>/<name>``). Answers follow dtable-web's views (the derived code base,
reference [SEATICKET] ``dtable_api_token.py``): ``app-asset-dir/?path=`` →
``{"dir": [{"name"}], "file": [{"name"}]}`` (400 ``parent_dir invalid.`` without a path, 404
``parent_dir not found.`` for a missing folder, an empty root is fine); ``app-asset-file/?path=
&name=`` → ``{"dirent": {"is_file", "obj_name", "file_size", "last_update", "uuid"}}`` (404
``File <name> not found.``); ``app-upload-link/?path=`` → flat ``{"upload_link",
"parent_path": "/asset/<uuid>/custom", "relative_path"}`` (the v5.0 spec wraps it in
``dirent``; the code and the official client read it flat); ``app-download-link/?path=`` →
``{"download_link"}`` (400 ``path <p> not found.``). Uploads go through the seafhttp link,
whose ``relative_path`` creates missing folders (Seafile's ``upload-api``).

dtable-copy (v5.0 ``copyBaseFromWorkspace``): form ``src_workspace_id``, ``name``,
``dst_workspace_id`` → ``{"dtable": {...}}``. Inferred: the copy keeps its name, or gets
``(copy)`` appended when the destination has a base of that name; error texts.
"""

from __future__ import annotations

import copy
import secrets
import uuid as uuidlib
from datetime import datetime, timezone

from .._auth.access import account_user, api_access
from .._server.request import Request
from .._server.responses import Response, error_msg, json_response
from .._server.router import Router
from .._state.records import Base
from .._state.state import State, extras_of
from .account import base_dict, workspace_of
from .files import LINK_TTL

_ROOT = "/custom"


def _folder(path: str) -> str:
    inner = path.strip("/")
    return _ROOT + ("/" + inner if inner else "")


def _exists(base: Base, folder: str) -> bool:
    return folder == _ROOT or any(k.startswith(folder + "/") for k in base.assets)


async def asset_dir(req: Request) -> Response:
    base = api_access(req).base
    path = req.query.get("path")
    if not path:
        raise error_msg(400, "parent_dir invalid.")
    folder = _folder(path)
    if not _exists(base, folder):
        raise error_msg(404, "parent_dir not found.")
    dirs: list[str] = []
    files: list[str] = []
    with req.services.state.lock:
        for key in sorted(base.assets):
            if not key.startswith(folder + "/"):
                continue
            head, _, rest = key[len(folder) + 1 :].partition("/")
            target = dirs if rest else files
            if head not in target:
                target.append(head)
    return json_response({"dir": [{"name": d} for d in dirs], "file": [{"name": f} for f in files]})


async def asset_file(req: Request) -> Response:
    base = api_access(req).base
    path, name = req.query.get("path"), req.query.get("name")
    if not path:
        raise error_msg(400, "parent_dir invalid.")
    if not name:
        raise error_msg(400, "name invalid.")
    key = f"{_folder(path)}/{name}"
    content = base.assets.get(key)
    if content is None:
        raise error_msg(404, f"File {name} not found.")
    uuids = extras_of(req.services.state, base).custom_uuids
    with req.services.state.lock:
        asset_uuid = uuids.setdefault(key, str(uuidlib.uuid4()))
    when = datetime.fromtimestamp(req.services.clock.now(), tz=timezone.utc)
    return json_response(
        {
            "dirent": {
                "is_file": True,
                "obj_name": name,
                "file_size": len(content),
                "last_update": req.services.state.iso_seconds(when.timestamp()),
                "uuid": asset_uuid,
            }
        }
    )


async def upload_link(req: Request) -> Response:
    base = api_access(req).base
    path = req.query.get("path", "/")
    if not _exists(base, _folder(path)):
        raise error_msg(404, "parent_dir not found.")
    services = req.services
    token = secrets.token_hex(18)
    with services.state.lock:
        services.files.upload[token] = (base.uuid, services.clock.now() + LINK_TTL)
    return json_response(
        {
            "upload_link": f"{req.base_url}/seafhttp/upload-api/{token}",
            "parent_path": f"/asset/{base.uuid}{_ROOT}",
            "relative_path": path.lstrip("/"),
        }
    )


async def download_link(req: Request) -> Response:
    base = api_access(req).base
    path = req.query.get("path")
    if not path:
        raise error_msg(400, "path invalid.")
    key = _folder(path)
    if key not in base.assets:
        raise error_msg(400, f"path {path} not found.")
    services = req.services
    token = secrets.token_hex(18)
    with services.state.lock:
        services.files.download[token] = (base.uuid, key, services.clock.now() + LINK_TTL)
    name = key.rsplit("/", 1)[-1]
    return json_response({"download_link": f"{req.base_url}/seafhttp/files/{token}/{name}"})


def copy_base(state: State, source: Base, workspace_id: int, name: str) -> Base:
    """A copy of ``source`` (tables, rows, files, links) in workspace ``workspace_id``."""
    with state.lock:
        new_uuid = str(uuidlib.uuid4())
        now = state.clock()
        base = Base(
            id=state.next_id("base"),
            uuid=new_uuid,
            workspace_id=workspace_id,
            name=name,
            owner=source.owner,
            tables=[copy.deepcopy(t) for t in source.tables],
            conn=state.store.connect(new_uuid),
            created_at=now,
            updated_at=now,
            assets=dict(source.assets),
            big_data=source.big_data,
        )
        source.conn.backup(base.conn)
        state.extras[new_uuid] = extras_of(state, source).copy()
        state.bases[new_uuid] = base
        return base


async def dtable_copy(req: Request) -> Response:
    user = account_user(req)
    data = await req.data()
    for field in ("src_workspace_id", "name", "dst_workspace_id"):
        if not data.get(field):
            raise error_msg(400, f"{field} invalid.")
    src_ws = workspace_of(req, str(data["src_workspace_id"]), user)
    dst_ws = workspace_of(req, str(data["dst_workspace_id"]), user)
    name = str(data["name"])
    state = req.services.state
    source = state.find_base(src_ws, name)
    if source is None:
        raise error_msg(404, f"dtable {name} not found.")
    new_name = name
    while state.find_base(dst_ws, new_name) is not None:
        new_name += "(copy)"
    base = copy_base(state, source, dst_ws, new_name)
    return json_response({"dtable": base_dict(state, base, False)})


def register(router: Router, version: tuple[int, int]) -> None:
    add = router.add
    custom = "/api/v2.1/dtable/custom/"
    add("files.custom.dir", "GET", custom + "app-asset-dir/", "api", asset_dir)
    add("files.custom.file", "GET", custom + "app-asset-file/", "api", asset_file)
    add("files.custom.upload_link", "GET", custom + "app-upload-link/", "api", upload_link)
    add("files.custom.download_link", "GET", custom + "app-download-link/", "api", download_link)
    add("account.copy_base", "POST", "/api/v2.1/dtable-copy/", "account", dtable_copy)
