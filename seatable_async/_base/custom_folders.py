"""``base.files``: files in a base's custom folders (the API-Token's
``/api/v2.1/dtable/custom/…`` endpoints; v5.0 ``file_operations.yaml``, tag "Files & Images
(Custom Folder)").

* ``list_custom``: ``GET app-asset-dir/?path=`` → ``{"dir": [{"name"}], "file": [{"name"}]}``.
* ``upload_custom``: ``GET app-upload-link/?path=/`` → ``{"upload_link", "parent_path",
  "relative_path"}`` (flat as dtable-web and the official client have it; the v5.0 spec wraps
  it in ``dirent``, so both are read), then ``POST {upload_link}?ret-json=1`` with
  ``relative_path`` = the folder, which creates missing folders, then ``GET
  app-asset-file/?path=&name=`` → ``{"dirent": {"obj_name", "file_size", "uuid"}}`` for the
  file's id.
* ``download_custom``: ``GET app-download-link/?path=`` → ``{"download_link"}``, then the link.

Links are fetched for every operation (they expire within minutes to hours).
"""

from __future__ import annotations

from os import PathLike
from typing import Any, overload

from seatable_async import _validate as check
from seatable_async._base.attachments import read_content
from seatable_async._base.context import BaseContext
from seatable_async._base.downloads import fetch_link
from seatable_async._http.call import Call
from seatable_async.errors import ConfigurationError, ResponseFormatError
from seatable_async.models import CustomAsset, CustomFolder

__all__ = ["Files"]

_PREFIX = "/api/v2.1/dtable/custom/"
_DIR = _PREFIX + "app-asset-dir/"
_FILE = _PREFIX + "app-asset-file/"
_UPLOAD = _PREFIX + "app-upload-link/"
_DOWNLOAD = _PREFIX + "app-download-link/"


def _folder(folder: str) -> str:
    if not isinstance(folder, str):
        raise ConfigurationError("folder must be a string such as '/' or '/Invoices'")
    parts = [p for p in folder.replace("\\", "/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ConfigurationError("folder must not contain '.' or '..'")
    return "/" + "/".join(parts)


class Files:
    """Files in the base's custom folders (``base.files``). Needs the base's API-Token."""

    def __init__(self, context: BaseContext):
        self._ctx = context

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        return await self._ctx.session.request(
            "GET", path, credential=self._ctx.api_credential(), params=params, scheme_probe=True
        )

    async def list_custom(self, folder: str = "/") -> CustomFolder:
        """The sub-folders and files of a custom folder.

        Args:
            folder: the folder, ``"/"`` for the top (e.g. ``"/Invoices/2026"``).

        Raises:
            ConfigurationError: a bad folder, or no API-Token (before any request).
            NotFoundError: no such folder.
        """
        path = _folder(folder)
        data = await self._get(_DIR, {"path": path})
        return CustomFolder.from_json(data, method="GET", path=_DIR)

    async def custom_info(self, path: str) -> CustomAsset:
        """Describe a file in the custom folders.

        Args:
            path: the file's path, e.g. ``"/Invoices/b347.pdf"``.

        Raises:
            NotFoundError: no such file.
        """
        folder, name = _split(path)
        data = await self._get(_FILE, {"path": folder, "name": name})
        dirent = data.get("dirent") if isinstance(data, dict) else None
        if not isinstance(dirent, dict):
            raise ResponseFormatError("the answer has no dirent", method="GET", path=_FILE)
        stored = dirent.get("obj_name")
        size = dirent.get("file_size")
        uuid = dirent.get("uuid")
        if not isinstance(stored, str) or not isinstance(uuid, str) or not uuid:
            raise ResponseFormatError(
                "the dirent has no obj_name or uuid", method="GET", path=_FILE
            )
        if isinstance(size, bool) or not isinstance(size, int):
            raise ResponseFormatError("the dirent has no file_size", method="GET", path=_FILE)
        ext = stored.rsplit(".", 1)[-1] if "." in stored else ""
        return CustomAsset(
            name=stored,
            size=size,
            path=(folder.rstrip("/") + "/" + stored),
            uuid=uuid,
            url=f"custom-asset://{uuid}" + (f".{ext}" if ext else ""),
        )

    async def upload_custom(
        self,
        name: str,
        data_or_path: bytes | bytearray | memoryview | str | PathLike[str],
        folder: str = "/",
    ) -> CustomAsset:
        """Upload a file into a custom folder (created when missing). A file of the same name
        is kept; the new one is stored as ``name(1).ext``.

        Args:
            name: the file name to store.
            data_or_path: the content as bytes, or a path to read.
            folder: the custom folder, ``"/"`` for the top.

        Returns:
            `CustomAsset`; ``asset.cell()`` goes into a file cell.

        Raises:
            ConfigurationError: invalid arguments, or no API-Token (before any request).
            APIError: status 443 when the team is over its asset quota.
        """
        name = check.text(name, "name")
        if "/" in name or "\\" in name or name in (".", ".."):
            raise ConfigurationError("name must be a file name without '/' or '\\'")
        target = _folder(folder)
        content = await read_content(data_or_path)
        link = await self._get(_UPLOAD, {"path": "/"})
        if isinstance(link, dict) and isinstance(link.get("dirent"), dict):
            link = link["dirent"]
        upload_link = link.get("upload_link") if isinstance(link, dict) else None
        parent = link.get("parent_path") if isinstance(link, dict) else None
        if not isinstance(upload_link, str) or not isinstance(parent, str) or not parent:
            raise ResponseFormatError(
                "the upload-link answer has no upload_link or parent_path",
                method="GET",
                path=_UPLOAD,
            )
        answer = await self._ctx.session.send(
            Call(
                "POST",
                upload_link,
                "{upload_link}",
                credential=None,
                params={"ret-json": "1"},
                form={"parent_dir": parent, "relative_path": target.strip("/"), "replace": "0"},
                files={"file": (name, content)},
                idempotent=False,
            )
        )
        item = answer[0] if isinstance(answer, list) and answer else answer
        stored = item.get("name") if isinstance(item, dict) else None
        if not isinstance(stored, str) or not stored:
            raise ResponseFormatError(
                "the upload answer names no file", method="POST", path="{upload_link}"
            )
        return await self.custom_info(target.rstrip("/") + "/" + stored)

    @overload
    async def download_custom(self, path: str) -> bytes: ...

    @overload
    async def download_custom(self, path: str, *, to: str | PathLike[str]) -> int: ...

    async def download_custom(
        self, path: str, *, to: str | PathLike[str] | None = None
    ) -> bytes | int:
        """Download a file from the custom folders, into memory or streamed to a file (as
        `Base.download_file`).

        Args:
            path: the file's path, e.g. ``"/Invoices/b347.pdf"``.
            to: a file path to stream the content to.

        Raises:
            ConfigurationError: a bad path, or no API-Token (before any request).
            BadRequestError: SeaTable says the file does not exist.
        """
        folder, name = _split(path)
        data = await self._get(_DOWNLOAD, {"path": folder.rstrip("/") + "/" + name})
        if isinstance(data, dict) and isinstance(data.get("dirent"), dict):
            data = data["dirent"]
        link = data.get("download_link") if isinstance(data, dict) else None
        if not isinstance(link, str) or not link:
            raise ResponseFormatError(
                "the answer has no download_link", method="GET", path=_DOWNLOAD
            )
        return await fetch_link(self._ctx.session, link, to)


def _split(path: str) -> tuple[str, str]:
    full = _folder(check.text(path, "path"))
    folder, _, name = full.rpartition("/")
    if not name:
        raise ConfigurationError("path must name a file, e.g. '/Invoices/b347.pdf'")
    return folder or "/", name
