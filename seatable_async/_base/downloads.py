"""Fetching a download link the server handed out: streamed under the download rule, into
memory (capped by ``Client(max_response_bytes=...)``) or into a file (no cap).

The link's host is checked by the pipeline before the request goes (`UntrustedOriginError`).
"""

from __future__ import annotations

import os
from os import PathLike

import anyio

from seatable_async._client_session import Session
from seatable_async._http.call import Call
from seatable_async.errors import ConfigurationError, ResponseTooLargeError

__all__ = ["fetch_link"]

_TEMPLATE = "{download_link}"


async def fetch_link(session: Session, link: str, to: str | PathLike[str] | None) -> bytes | int:
    """The file behind ``link``: its bytes, or (with ``to``) the number of bytes written to
    that path. A file is written next to its destination as ``<name>.part`` and renamed once
    complete, so a failed download never leaves a truncated file under the real name."""
    if to is None:
        return await _into_memory(session, link)
    if not isinstance(to, (str, PathLike)) or not os.fspath(to):
        raise ConfigurationError("to must be a file path")
    target = anyio.Path(os.fspath(to))
    partial = target.with_name(target.name + ".part")
    try:
        async with await anyio.open_file(partial, "wb") as handle:
            written = await session.send(
                Call("GET", link, _TEMPLATE, credential=None, response="stream", sink=handle.write)
            )
    except OSError as exc:
        raise ConfigurationError(f"cannot write {str(target)!r}: {exc.strerror}") from None
    except BaseException:
        with anyio.CancelScope(shield=True):
            await partial.unlink(missing_ok=True)
        raise
    await partial.replace(target)
    assert isinstance(written, int)
    return written


async def _into_memory(session: Session, link: str) -> bytes:
    cap = session.max_response_bytes
    body = bytearray()

    async def keep(piece: bytes) -> None:
        if len(body) + len(piece) > cap:
            raise ResponseTooLargeError(
                f"the file is larger than the {cap:,} bytes Client(max_response_bytes=...) "
                "accepts in memory; pass to=<path> to stream it to a file",
                limit=cap,
                kind="data",
                method="GET",
                path=_TEMPLATE,
            )
        body.extend(piece)

    await session.send(Call("GET", link, _TEMPLATE, credential=None, response="stream", sink=keep))
    return bytes(body)
