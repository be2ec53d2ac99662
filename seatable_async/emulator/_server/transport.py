"""The in-process transport: httpx requests straight into the emulator's ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from .app import ConnectionDropped

__all__ = ["EmulatorTransport"]


class _CutStream(httpx.AsyncByteStream):
    """A body that stops early: what a client reads when the server closes mid-body."""

    def __init__(self, part: bytes, expected: int, request: httpx.Request) -> None:
        self._part = part
        self._expected = expected
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._part:
            yield self._part
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body "
            f"(received {len(self._part)} bytes, expected {self._expected})",
            request=self._request,
        )


class EmulatorTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` into the emulator; injected connection faults become
    ``httpx.ReadError`` (reset) / ``httpx.RemoteProtocolError`` (lost, and truncated bodies
    while the body is read)."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            if exc.kind == "truncated":
                length = dict(exc.headers).get(b"content-length", b"0")
                return httpx.Response(
                    exc.status,
                    headers=exc.headers,
                    stream=_CutStream(exc.body, int(length), request),
                    request=request,
                )
            if exc.kind == "reset":
                raise httpx.ReadError("Connection reset by peer", request=request) from None
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None

    async def aclose(self) -> None:
        await self._inner.aclose()
