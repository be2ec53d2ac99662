"""Attachment files of a base (SeaTable's file endpoints take the base's API-Token).

Upload: ``GET /api/v2.1/dtable/app-upload-link/`` → ``POST {upload_link}?ret-json=1`` (multipart,
no Authorization header: the link is the capability). Download:
``GET /api/v2.1/dtable/app-download-link/?path=`` → ``GET {download_link}``. Links expire within
minutes to hours, so they are fetched for every operation and never cached.
"""

from __future__ import annotations

import os
import re
from os import PathLike
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import anyio

from seatable_async.auth.secret import Secret
from seatable_async.errors import ConfigurationError, ResponseFormatError
from seatable_async.http.call import Call, StaticCredential
from seatable_async.models import Asset

if TYPE_CHECKING:
    from seatable_async.base import Base

__all__ = ["delete_file", "download_file", "upload_file"]

_UPLOAD_LINK = "/api/v2.1/dtable/app-upload-link/"
_DOWNLOAD_LINK = "/api/v2.1/dtable/app-download-link/"
_ASSET = "/api/v2.1/dtable/app-asset/"
_KINDS = ("file", "image")
_ASSET_IN_URL = re.compile(r"/asset/[0-9a-fA-F-]{32,36}(/.*)$")

_NO_API_TOKEN = (
    "SeaTable's file endpoints need the base's API-Token, and this base was opened with an "
    "Account-Token or an external link. Create one with account.create_api_token(...) and open "
    "the base with client.base(api_token)"
)


def _api_credential(base: Base) -> StaticCredential:
    token: Secret | None = base._api_token
    if token is None:
        raise ConfigurationError(_NO_API_TOKEN)
    return StaticCredential("api", token)


async def _read(data_or_path: object) -> bytes:
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        return bytes(data_or_path)
    if isinstance(data_or_path, (str, PathLike)):
        path = anyio.Path(os.fspath(data_or_path))
        try:
            return await path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    raise ConfigurationError(
        f"data_or_path must be bytes or a file path, not {type(data_or_path).__name__}"
    )


async def upload_file(
    base: Base,
    name: str,
    data_or_path: bytes | bytearray | memoryview | str | PathLike[str],
    *,
    kind: str = "file",
    replace: bool = False,
) -> Asset:
    """Upload into the base's asset folder; see `Base.upload_file`."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError("the file name must be a non-empty string")
    name = name.strip()
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ConfigurationError("the file name cannot contain '/' or '\\'")
    if kind not in _KINDS:
        raise ConfigurationError(f"kind must be 'file' or 'image', not {kind!r}")
    if not isinstance(replace, bool):
        raise ConfigurationError("replace must be True or False")
    credential = _api_credential(base)
    content = await _read(data_or_path)
    client = base._client

    link = await client._send(
        Call("GET", client._url(_UPLOAD_LINK), _UPLOAD_LINK, credential=credential,
             scheme_probe=True)
    )
    if not isinstance(link, dict):
        raise ResponseFormatError("the upload-link answer is not an object", method="GET",
                                  path=_UPLOAD_LINK)
    link = link.get("dirent", link) if isinstance(link.get("dirent"), dict) else link
    upload_link = link.get("upload_link")
    parent_path = link.get("parent_path")
    relative = link.get("img_relative_path" if kind == "image" else "file_relative_path")
    if relative is None:
        relative = link.get("relative_path")
    for key, value in (("upload_link", upload_link), ("parent_path", parent_path),
                       ("relative path", relative)):
        if not isinstance(value, str) or (key != "relative path" and not value):
            raise ResponseFormatError(f"the upload-link answer has no {key}", method="GET",
                                      path=_UPLOAD_LINK)
    assert isinstance(upload_link, str)
    assert isinstance(parent_path, str)
    assert isinstance(relative, str)
    workspace_id: Any = link.get("workspace_id")
    if workspace_id in (None, ""):
        workspace_id = (await base._token()).grant.workspace_id
    if workspace_id in (None, ""):
        raise ResponseFormatError(
            "cannot build the asset URL: neither the upload link nor the Base-Token names the "
            "workspace", method="GET", path=_UPLOAD_LINK,
        )

    template = "{upload_link}"
    answer = await client._send(
        Call(
            "POST",
            upload_link,
            template,
            credential=None,
            params={"ret-json": "1"},
            form={"parent_dir": parent_path, "relative_path": relative,
                  "replace": "1" if replace else "0"},
            files={"file": (name, content)},
            idempotent=replace,
        )
    )
    item = answer[0] if isinstance(answer, list) and answer else answer
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ResponseFormatError("the upload answer names no file", method="POST",
                                  path=template)
    stored = item["name"]
    size = item.get("size")
    if isinstance(size, bool) or not isinstance(size, int):
        size = len(content)
    rel = relative.strip("/")
    return Asset(
        name=stored,
        size=size,
        url=Asset.build_url(client.server_url, workspace_id, parent_path, rel, stored),
        path="/" + (f"{rel}/" if rel else "") + stored,
        type=kind,
    )


def asset_path(path_or_url: str) -> str:
    """The asset path (relative to ``/asset/<uuid>``) of a cell URL or a path."""
    if not isinstance(path_or_url, str) or not path_or_url.strip():
        raise ConfigurationError("the file path or URL must be a non-empty string")
    text = path_or_url.strip()
    if "://" in text or text.startswith("/workspace/"):
        match = _ASSET_IN_URL.search(urlsplit(text).path if "://" in text else text)
        if match is None:
            raise ConfigurationError(
                "not an asset URL of a base: expected …/workspace/<id>/asset/<uuid>/<path>"
            )
        text = match.group(1)
    else:
        match = _ASSET_IN_URL.search(text)
        if match is not None:
            text = match.group(1)
    path = "/" + unquote(text).strip("/")
    if path == "/":
        raise ConfigurationError("the asset path is empty")
    return path


async def download_file(base: Base, path_or_url: str) -> bytes:
    """Download an asset; see `Base.download_file`."""
    path = asset_path(path_or_url)
    credential = _api_credential(base)
    client = base._client
    data = await client._send(
        Call("GET", client._url(_DOWNLOAD_LINK), _DOWNLOAD_LINK, credential=credential,
             params={"path": path}, scheme_probe=True)
    )
    link = data.get("download_link") if isinstance(data, dict) else None
    if not isinstance(link, str) or not link:
        raise ResponseFormatError("the answer has no download_link", method="GET",
                                  path=_DOWNLOAD_LINK)
    content = await client._send(
        Call("GET", link, "{download_link}", credential=None, response="bytes")
    )
    assert isinstance(content, bytes)
    return content


async def delete_file(base: Base, path_or_url: str) -> None:
    """Delete an asset (SeaTable 6.x); see `Base.delete_file`."""
    path = asset_path(path_or_url)
    credential = _api_credential(base)
    client = base._client
    await client._send(
        Call("DELETE", client._url(_ASSET), _ASSET, credential=credential,
             params={"path": path}, scheme_probe=True)
    )
