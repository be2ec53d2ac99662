"""Attachment files (API-Token): upload link, upload, download link, download, delete."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from urllib.parse import quote

from .._auth.access import api_access
from .._server.request import Request
from .._server.responses import HTTPError, Response, error_msg, json_response
from .._server.router import Router

LINK_TTL = 3600.0


async def upload_link(req: Request) -> Response:
    access = api_access(req)
    services = req.services
    token = secrets.token_hex(18)
    with services.state.lock:
        services.files.upload[token] = (access.base.uuid, services.clock.now() + LINK_TTL)
    month = datetime.fromtimestamp(services.clock.now(), tz=timezone.utc).strftime("%Y-%m")
    return json_response(
        {
            "upload_link": f"{req.base_url}/seafhttp/upload-api/{token}",
            "parent_path": f"/asset/{access.base.uuid}",
            "img_relative_path": f"images/{month}",
            "file_relative_path": f"files/{month}",
            "workspace_id": access.base.workspace_id,
        }
    )


def _unique(existing: dict[str, bytes], folder: str, name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    candidate = name
    while f"{folder}/{candidate}" in existing:
        candidate = f"{stem}({n}){dot}{ext}"
        n += 1
    return candidate


async def upload(req: Request) -> Response:
    services = req.services
    link = services.files.upload.get(req.params["token"])
    if link is None or link[1] <= services.clock.now():
        raise error_msg(403, "Access token not found.")
    base = services.state.bases.get(link[0])
    if base is None:
        raise error_msg(404, "dtable not found.")
    form = await req.form()
    file = form.get("file")
    if not isinstance(file, tuple):
        raise error_msg(400, "file invalid.")
    filename, content = file
    parent = form.get("parent_dir")
    prefix = f"/asset/{base.uuid}"
    if not isinstance(parent, str) or not parent:
        # seafile's upload needs parent_dir (the link's parent_path); inferred error text
        raise HTTPError.json(400, {"error": "Invalid URL.\n"})
    if not parent.startswith(prefix):
        raise HTTPError.json(400, {"error": "Parent dir doesn't exist.\n"})
    rel = str(form.get("relative_path") or "").strip("/")
    folder = (parent[len(prefix) :].rstrip("/") + ("/" + rel if rel else "")) or ""
    replace = str(form.get("replace", "0")) in ("1", "true", "True")
    with services.state.lock:
        name = filename if replace else _unique(base.assets, folder, filename)
        base.assets[f"{folder}/{name}"] = content
    file_id = secrets.token_hex(20)
    if req.query.get("ret-json") not in ("1", "true"):
        # without ret-json seafile answers the new file ids as tab-separated text
        return Response(200, file_id.encode(), b"text/plain; charset=utf-8")
    return json_response([{"name": name, "id": file_id, "size": len(content)}])


def _asset_path(req: Request) -> str:
    path = req.query.get("path", "")
    if not path:
        raise error_msg(400, "path invalid.")
    return "/" + path.strip("/")


async def download_link(req: Request) -> Response:
    access = api_access(req)
    services = req.services
    path = _asset_path(req)
    if path not in access.base.assets:
        raise error_msg(400, f"path {path} not found.")
    token = secrets.token_hex(18)
    with services.state.lock:
        services.files.download[token] = (access.base.uuid, path, services.clock.now() + LINK_TTL)
    name = quote(path.rsplit("/", 1)[-1])
    return json_response({"download_link": f"{req.base_url}/seafhttp/files/{token}/{name}"})


async def download(req: Request) -> Response:
    services = req.services
    link = services.files.download.get(req.params["token"])
    if link is None or link[2] <= services.clock.now():
        raise error_msg(404, "File not found.")
    base = services.state.bases.get(link[0])
    content = base.assets.get(link[1]) if base is not None else None
    if content is None:
        raise error_msg(404, "File not found.")
    return Response(200, content, b"application/octet-stream")


async def delete_asset(req: Request) -> Response:
    access = api_access(req)
    path = _asset_path(req)
    with req.services.state.lock:
        if access.base.assets.pop(path, None) is None:
            raise error_msg(404, "File not found.")
    return json_response({"success": True})


def register(router: Router, version: tuple[int, int]) -> None:
    add = router.add
    add("files.upload_link", "GET", "/api/v2.1/dtable/app-upload-link/", "api", upload_link)
    add("files.upload", "POST", "/seafhttp/upload-api/{token}", "files", upload)
    add("files.download_link", "GET", "/api/v2.1/dtable/app-download-link/", "api", download_link)
    add("files.download", "GET", "/seafhttp/files/{token}/{name}", "files", download)
    if version >= (6, 0):
        add("files.delete", "DELETE", "/api/v2.1/dtable/app-asset/", "api", delete_asset)
