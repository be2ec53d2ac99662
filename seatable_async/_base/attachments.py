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
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.downloads import fetch_link
from seatable_async._http.call import Call
from seatable_async.errors import ConfigurationError, ResponseFormatError
from seatable_async.models import Asset

__all__ = ["Attachments", "asset_path", "read_content"]

_UPLOAD_LINK = "/api/v2.1/dtable/app-upload-link/"
_DOWNLOAD_LINK = "/api/v2.1/dtable/app-download-link/"
_ASSET = "/api/v2.1/dtable/app-asset/"
_KINDS = ("file", "image")
_ASSET_IN_URL = re.compile(r"/asset/[0-9a-fA-F-]{32,36}(/.*)$")


async def read_content(data_or_path: object) -> bytes:
    """The bytes of ``data_or_path`` (bytes, or a file path read without blocking)."""
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


class Attachments:
    """Attachment files of one base (upload, download, delete); `Base` delegates here."""

    def __init__(self, context: BaseContext) -> None:
        self._ctx = context

    async def upload_file(
        self,
        name: str,
        data_or_path: bytes | bytearray | memoryview | str | PathLike[str],
        *,
        kind: str = "file",
        replace: bool = False,
    ) -> Asset:
        """Upload a file into the base's assets, ready to be put in a file or image cell.

        Args:
            name: the file name to store (e.g. ``"report.pdf"``).
            data_or_path: the content as bytes, or a path (``str``/``PathLike``) to read.
            kind: ``"file"`` (file column) or ``"image"`` (image column).
            replace: overwrite a file of the same name (else SeaTable stores ``name(1).ext``).

        Returns:
            `Asset`; ``[asset.cell()]`` is the cell value.

        Raises:
            ConfigurationError: invalid arguments, or this base has no API-Token (opened from
                an Account-Token or external link) — before any request.
            PermissionDeniedError: the API-Token may not upload.
            APIError: status 443 when the team is over its asset quota.
        """
        return await _upload(self._ctx, name, data_or_path, kind=kind, replace=replace)

    async def download_file(
        self, path_or_url: str, *, to: str | PathLike[str] | None = None
    ) -> bytes | int:
        """`Base.download_file` (documented there, where its overloads are declared)."""
        ctx = self._ctx
        path = asset_path(path_or_url)
        session = ctx.session
        data = await session.request(
            "GET",
            _DOWNLOAD_LINK,
            credential=ctx.api_credential(),
            params={"path": path},
            scheme_probe=True,
        )
        link = data.get("download_link") if isinstance(data, dict) else None
        if not isinstance(link, str) or not link:
            raise ResponseFormatError(
                "the answer has no download_link", method="GET", path=_DOWNLOAD_LINK
            )
        return await fetch_link(session, link, to)

    async def delete_file(self, path_or_url: str) -> None:
        """Delete an asset of this base (SeaTable 6.x; older servers answer 404).

        Args:
            path_or_url: the asset path or the URL stored in a file/image cell.

        Raises:
            ConfigurationError: empty path, or this base has no API-Token (before any request).
            NotFoundError: no such file (or the server has no delete endpoint).
        """
        ctx = self._ctx
        path = asset_path(path_or_url)
        await ctx.session.request(
            "DELETE",
            _ASSET,
            credential=ctx.api_credential(),
            params={"path": path},
            scheme_probe=True,
        )


async def _upload(
    ctx: BaseContext,
    name: str,
    data_or_path: bytes | bytearray | memoryview | str | PathLike[str],
    *,
    kind: str,
    replace: bool,
) -> Asset:
    name = check.text(name, "name")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ConfigurationError("name must be a file name without '/' or '\\'")
    check.choice(kind, "kind", _KINDS)
    check.boolean(replace, "replace")
    credential = ctx.api_credential()
    content = await read_content(data_or_path)
    session = ctx.session
    link = await session.request("GET", _UPLOAD_LINK, credential=credential, scheme_probe=True)
    if not isinstance(link, dict):
        raise ResponseFormatError(
            "the upload-link answer is not an object", method="GET", path=_UPLOAD_LINK
        )
    link = link.get("dirent", link) if isinstance(link.get("dirent"), dict) else link
    upload_link = link.get("upload_link")
    parent_path = link.get("parent_path")
    relative = link.get("img_relative_path" if kind == "image" else "file_relative_path")
    if relative is None:
        relative = link.get("relative_path")
    for key, value in (
        ("upload_link", upload_link),
        ("parent_path", parent_path),
        ("relative path", relative),
    ):
        if not isinstance(value, str) or (key != "relative path" and not value):
            raise ResponseFormatError(
                f"the upload-link answer has no {key}", method="GET", path=_UPLOAD_LINK
            )
    assert isinstance(upload_link, str)
    assert isinstance(parent_path, str)
    assert isinstance(relative, str)
    workspace_id: Any = link.get("workspace_id")
    if workspace_id in (None, ""):
        workspace_id = (await ctx.token()).grant.workspace_id
    if workspace_id in (None, ""):
        raise ResponseFormatError(
            "cannot build the asset URL: neither the upload link nor the Base-Token names the "
            "workspace",
            method="GET",
            path=_UPLOAD_LINK,
        )

    template = "{upload_link}"
    answer = await session.send(
        Call(
            "POST",
            upload_link,
            template,
            credential=None,
            params={"ret-json": "1"},
            form={
                "parent_dir": parent_path,
                "relative_path": relative,
                "replace": "1" if replace else "0",
            },
            files={"file": (name, content)},
            idempotent=replace,
        )
    )
    item = answer[0] if isinstance(answer, list) and answer else answer
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ResponseFormatError("the upload answer names no file", method="POST", path=template)
    stored = item["name"]
    size = item.get("size")
    if isinstance(size, bool) or not isinstance(size, int):
        size = len(content)
    rel = relative.strip("/")
    return Asset(
        name=stored,
        size=size,
        url=Asset.build_url(session.server_url, workspace_id, parent_path, rel, stored),
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
