"""Reading an answer's body with bounded memory: capped, decoded piece by piece, or streamed.

httpx decodes ``gzip``/``deflate`` one network chunk at a time, and one 64 KiB chunk of a
compression bomb can decode to 64 MB at once. Bodies are therefore read raw and decoded here
with zlib's ``max_length``, so no step holds more than `PIECE` decoded bytes beyond what the
caller keeps. The client asks for ``gzip, deflate`` only; an answer in another encoding is
refused (`ResponseFormatError`).

Failures are raised as `BodyProblem` (a plain exception without the response) and turned into
typed errors by the pipeline, which knows the method and path.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Protocol

import anyio
import attrs
import httpx

from seatable_async._http.limits import Limits

__all__ = ["ACCEPT_ENCODING", "PIECE", "BodyProblem", "Reply", "read_capped", "stream_to"]

ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024

Write = Callable[[bytes], Awaitable[object]]


@attrs.frozen
class Reply:
    """An answer whose body was read within its bounds (the stream is closed).

    Attributes:
        status_code: the HTTP status.
        headers: the answer's headers.
        content: the decoded body (empty for a streamed body).
        streamed: bytes passed to the call's sink (``response="stream"``).
    """

    status_code: int
    headers: httpx.Headers
    content: bytes = attrs.field(repr=False)
    streamed: int = 0

    @property
    def text(self) -> str:
        """The body as text, in the charset the answer names (UTF-8 if none or unknown)."""
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip("\"' ")
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


class BodyProblem(Exception):
    """Internal: the body could not be read within its bounds.

    Attributes:
        kind: ``"too_large"``, ``"encoding"`` (unsupported or corrupt), ``"stalled"`` (the
            download rule) or ``"download_total"`` (``download_timeout``).
        limit: the bound that was passed (bytes or seconds).
    """

    def __init__(self, kind: str, detail: str, limit: float | None = None):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.limit = limit


class _Decompressor(Protocol):
    @property
    def unconsumed_tail(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...

    def flush(self) -> bytes: ...


class _Decoder:
    """Content decoding with a bound on each output piece."""

    def __init__(self, encoding: str):
        name = encoding.strip().lower()
        self._raw_deflate_tried = False
        self._zlib: _Decompressor | None
        if name in ("", "identity"):
            self._zlib = None
        elif name in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif name == "deflate":
            self._zlib = zlib.decompressobj()
        else:
            raise BodyProblem("encoding", f"the answer uses an unsupported encoding ({name[:20]})")
        self._deflate = name == "deflate"
        self._started = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        decoder = self._zlib
        if decoder is None:
            yield data
            return
        pending = data
        while pending:
            try:
                piece = decoder.decompress(pending, PIECE)
            except zlib.error:
                if self._deflate and not self._started and not self._raw_deflate_tried:
                    # Some servers send raw deflate without the zlib header (as httpx allows).
                    self._raw_deflate_tried = True
                    decoder = self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise BodyProblem("encoding", "the answer's compressed body is corrupt") from None
            self._started = True
            pending = decoder.unconsumed_tail
            if piece:
                yield piece
            elif not pending:
                break

    def flush(self) -> bytes:
        if self._zlib is None:
            return b""
        try:
            return self._zlib.flush()
        except zlib.error:
            raise BodyProblem("encoding", "the answer's compressed body is corrupt") from None


@contextlib.asynccontextmanager
async def _raw_chunks(response: httpx.Response) -> AsyncIterator[AsyncIterator[bytes]]:
    """The raw body's chunks, closed at once when reading stops early."""
    chunks = response.aiter_raw()
    try:
        yield chunks
    finally:
        close = getattr(chunks, "aclose", None)  # an async generator, typed as an iterator
        if close is not None:
            await close()


def _declared_length(response: httpx.Response) -> int | None:
    raw = response.headers.get("content-length")
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())


async def read_capped(
    response: httpx.Response, limit: int, *, truncate: bool = False
) -> tuple[bytes, bool]:
    """Read the body, decoded, up to ``limit`` bytes.

    Returns ``(body, truncated)``. Over the cap, reading stops: with ``truncate`` the first
    ``limit`` bytes are returned (error answers), else `BodyProblem` ``"too_large"`` is raised.
    A declared ``Content-Length`` above the cap is refused before reading.
    """
    declared = _declared_length(response)
    if declared is not None and declared > limit and not truncate:
        raise BodyProblem("too_large", f"the answer declares {declared} bytes", limit)
    if response.is_stream_consumed:
        # An in-process transport built the answer in memory (and httpx decoded it).
        content = response.content
        if len(content) > limit:
            if truncate:
                return content[:limit], True
            raise BodyProblem("too_large", "the answer exceeds the cap", limit)
        return content, False
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    body = bytearray()
    # Closed at once when reading stops early (trio warns of an async generator left open).
    async with _raw_chunks(response) as chunks:
        async for chunk in chunks:
            for piece in decoder.decode(chunk):
                body += piece
                if len(body) > limit:
                    if truncate:
                        return bytes(body[:limit]), True
                    raise BodyProblem("too_large", "the answer exceeds the cap", limit)
    body += decoder.flush()
    if len(body) > limit:
        if truncate:
            return bytes(body[:limit]), True
        raise BodyProblem("too_large", "the answer exceeds the cap", limit)
    return bytes(body), False


async def stream_to(response: httpx.Response, write: Write, limits: Limits) -> int:
    """Pass the decoded body to ``write`` piece by piece under the download rule; return the
    number of bytes written.

    The rule: every window of ``limits.timeout`` seconds, counted from the answer's header,
    must bring ``limits.window_quota`` bytes (a window's surplus does not carry over), and the
    whole body must arrive within ``limits.download_timeout`` when one is set.
    """
    if response.is_stream_consumed:
        content = response.content
        if content:
            await write(content)
        return len(content)
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    window = limits.timeout
    quota = limits.window_quota
    start = anyio.current_time()
    total_deadline = (
        start + limits.download_timeout if limits.download_timeout is not None else float("inf")
    )
    current = 0  # index of the window being counted
    got = 0.0
    met = False
    written = 0
    with anyio.CancelScope(deadline=min(start + window, total_deadline)) as scope:
        async with _raw_chunks(response) as chunks:
            async for chunk in chunks:
                now = anyio.current_time()
                index = int((now - start) // window)
                if index > current:
                    if not met or index > current + 1:
                        break  # a window passed without its quota (its deadline is due)
                    current, got, met = index, 0.0, False
                got += len(chunk)
                if not met and got >= quota:
                    met = True
                    scope.deadline = min(start + (current + 2) * window, total_deadline)
                for piece in decoder.decode(chunk):
                    await write(piece)
                    written += len(piece)
            else:
                tail = decoder.flush()
                if tail:
                    await write(tail)
                    written += len(tail)
                return written
    if anyio.current_time() >= total_deadline:
        raise BodyProblem(
            "download_total",
            "the download took longer than download_timeout",
            limits.download_timeout,
        )
    raise BodyProblem(
        "stalled",
        f"the download brought fewer than {quota:,.0f} bytes in {window:g} s "
        f"(min_transfer_rate={limits.min_transfer_rate:g} B/s)",
        window,
    )
