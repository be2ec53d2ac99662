"""A loopback HTTP/1.1 server that misbehaves on purpose, written on raw anyio byte streams.

A real server library would refuse to do what these tests need: trickle the header or the
body one byte at a time, promise a ``Content-Length`` it never delivers, send chunk sizes
that are not hexadecimal, never end a body, lie about its encoding. Here every answer is a
function that writes bytes to the connection (`Answer`); the handler picks one per request
from what it saw (`Seen`). The server runs in the test's own event loop, so its sleeps follow
the loop's (virtual) clock and a trickle of one byte every half second costs no real time.

Each connection serves one request and is closed after the answer (``Connection: close``), so
a misbehaving answer never poisons the next request.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.abc
import attrs

__all__ = [
    "Answer",
    "LoopbackServer",
    "Seen",
    "bad_chunking",
    "close_at_once",
    "endless_body",
    "gzip_bomb",
    "lying_length",
    "raw",
    "reply",
    "serve",
    "silence",
    "trickle",
    "trickle_head",
]

Answer = Callable[[anyio.abc.ByteStream], Awaitable[None]]
"""Writes one answer (status line, headers, body) to the connection."""

_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 500: "Error"}
_MAX_HEAD = 256 * 1024


@attrs.frozen
class Seen:
    """One request as it arrived: what the client sent, credentials included."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    host: str

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query))

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")


class LoopbackServer:
    """Answers each request with ``handler(seen)``; records every request in `seen`."""

    def __init__(self, handler: Callable[[Seen], Answer], host: str = "127.0.0.1"):
        self.handler = handler
        self.host = host
        self.seen: list[Seen] = []
        self.url = ""
        self.connections = 0

    async def _serve_one(self, stream: anyio.abc.SocketStream) -> None:
        self.connections += 1
        async with stream:
            try:
                seen = await _read_request(stream, self.host)
            except (anyio.EndOfStream, anyio.BrokenResourceError, ValueError):
                return
            if seen is None:
                return
            self.seen.append(seen)
            # The client hanging up is what a hostile answer is for.
            with contextlib.suppress(
                anyio.BrokenResourceError, anyio.ClosedResourceError, ConnectionError
            ):
                await self.handler(seen)(stream)


@asynccontextmanager
async def serve(
    handler: Callable[[Seen], Answer], host: str = "127.0.0.1"
) -> AsyncIterator[LoopbackServer]:
    """Run a `LoopbackServer` on ``host`` (any 127.x.y.z works on Linux) at a free port."""
    server = LoopbackServer(handler, host)
    listener = await anyio.create_tcp_listener(local_host=host, local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    server.url = f"http://{host}:{port}"
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, server._serve_one)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()


async def _read_request(stream: anyio.abc.ByteStream, host: str) -> Seen | None:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        try:
            buffer += await stream.receive()
        except anyio.EndOfStream:
            return None
        if len(buffer) > _MAX_HEAD:
            raise ValueError("request head too large")
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        rest += await stream.receive()
    return Seen(method, target, headers, rest[:length], host)


def _head(status: int, headers: Iterable[tuple[str, str]], reason: str | None = None) -> bytes:
    text = f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Status')}\r\n"
    text += "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (text + "\r\n").encode("latin-1")


def _body_bytes(body: bytes | Any) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/json"
    return json.dumps(body).encode(), "application/json"


def reply(
    status: int,
    body: bytes | Any = b"",
    *,
    headers: Iterable[tuple[str, str]] = (),
    content_type: str | None = None,
) -> Answer:
    """A well-formed answer with ``Content-Length`` (``body`` bytes, or any JSON value)."""
    data, default_type = _body_bytes(body)
    fields = [
        ("Content-Type", content_type if content_type is not None else default_type),
        ("Content-Length", str(len(data))),
        ("Connection", "close"),
        *headers,
    ]

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await stream.send(_head(status, fields) + data)

    return answer


def raw(data: bytes) -> Answer:
    """Exactly these bytes, then close (a broken status line, a header without a colon…)."""

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await stream.send(data)

    return answer


def trickle(
    status: int, body: bytes | Any, *, every: float, step: int = 1, declare_length: bool = True
) -> Answer:
    """The header at once, then the body ``step`` bytes every ``every`` seconds."""
    data, content_type = _body_bytes(body)
    fields = [("Content-Type", content_type), ("Connection", "close")]
    if declare_length:
        fields.append(("Content-Length", str(len(data))))

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await stream.send(_head(status, fields))
        for start in range(0, len(data), step):
            await anyio.sleep(every)
            await stream.send(data[start : start + step])

    return answer


def trickle_head(status: int, body: bytes | Any, *, every: float) -> Answer:
    """The status line and headers one byte every ``every`` seconds (then the body at once)."""
    data, content_type = _body_bytes(body)
    head = _head(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(data))), ("X-Pad", "p" * 64)],
    )

    async def answer(stream: anyio.abc.ByteStream) -> None:
        for byte in head:
            await anyio.sleep(every)
            await stream.send(bytes([byte]))
        await stream.send(data)

    return answer


def endless_body(
    status: int = 200,
    *,
    chunked: bool = True,
    declared: int | None = None,
    chunk: bytes = b'{"rows": [' + b'{"a": 1},' * 7000,
    every: float = 0.0,
    content_type: str = "application/json",
) -> Answer:
    """A body that never ends: chunked, or under a (huge) declared ``Content-Length``."""
    fields = [("Content-Type", content_type)]
    if chunked:
        fields.append(("Transfer-Encoding", "chunked"))
    else:
        fields.append(("Content-Length", str(declared or 10**15)))
    piece = (b"%x\r\n" % len(chunk)) + chunk + b"\r\n" if chunked else chunk

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await stream.send(_head(status, fields))
        while True:
            await stream.send(piece)
            await anyio.sleep(every)

    return answer


def bad_chunking(kind: str) -> Answer:
    """Chunked encoding gone wrong: ``"hex"`` (a size that is not hexadecimal), ``"short"``
    (a chunk shorter than its size, then close), ``"no-end"`` (no last chunk, then close),
    ``"huge"`` (a chunk size of 2**64)."""
    bodies = {
        "hex": b"zz\r\nhello\r\n0\r\n\r\n",
        "short": b"400\r\n" + b"x" * 10,
        "no-end": b'5\r\n{"a":\r\n',
        "huge": b"10000000000000000\r\n" + b"x" * 100,
    }
    head = _head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await stream.send(head + bodies[kind])

    return answer


def lying_length(body: bytes | Any, declared: int) -> Answer:
    """Declares ``Content-Length: declared`` and sends ``body`` (shorter or longer), then
    closes the connection."""
    data, content_type = _body_bytes(body)
    head = _head(200, [("Content-Type", content_type), ("Content-Length", str(declared))])

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await stream.send(head + data)

    return answer


def gzip_bomb(decoded_size: int, *, encoding: str = "gzip") -> Answer:
    """A small compressed body that decodes to ``decoded_size`` bytes of JSON-ish zeros."""
    payload = b'{"rows": "' + b"0" * decoded_size + b'"}'
    data = gzip.compress(payload, 9) if encoding == "gzip" else zlib.compress(payload, 9)
    head = _head(
        200,
        [
            ("Content-Type", "application/json"),
            ("Content-Encoding", encoding),
            ("Content-Length", str(len(data))),
        ],
    )

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await stream.send(head + data)

    return answer


def silence() -> Answer:
    """Read the request, then never answer (and never close)."""

    async def answer(stream: anyio.abc.ByteStream) -> None:
        await anyio.sleep_forever()

    return answer


def close_at_once() -> Answer:
    """Read the request, then close without a byte of answer."""

    async def answer(stream: anyio.abc.ByteStream) -> None:
        return None

    return answer
