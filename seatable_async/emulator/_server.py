"""In-process transport and real HTTP serving (uvicorn in a background thread)."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from ._app import ConnectionDropped
from ._missing import require_server_extra

if TYPE_CHECKING:
    from ._emulator import Emulator


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

    def __init__(self, emu: Emulator) -> None:
        self._inner = httpx.ASGITransport(app=emu.app)

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


class _DropFilter(logging.Filter):
    """Hide uvicorn's traceback for deliberately dropped connections."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


_filter_installed = False


def _install_filter() -> None:
    global _filter_installed
    if not _filter_installed:
        logging.getLogger("uvicorn.error").addFilter(_DropFilter())
        _filter_installed = True


def _http_impl() -> str:
    import importlib.util

    return "httptools" if importlib.util.find_spec("httptools") is not None else "h11"


def _ws_impl() -> str:
    """Websockets for the Socket.IO endpoint, when a websocket library is installed."""
    import importlib.util

    for name in ("wsproto", "websockets"):
        if importlib.util.find_spec(name) is not None:
            return name
    return "none"


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 = a free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def make_server(emu: Emulator, log_level: str = "warning") -> Any:
    """A uvicorn server for ``emu.app``; `MissingExtraError` without the emulator extra."""
    require_server_extra()
    import uvicorn

    _install_filter()
    config = uvicorn.Config(
        emu.app,
        http=_http_impl(),
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ws=_ws_impl(),
        date_header=False,  # the app dates every answer by the emulator's clock
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serve_in_thread(emu: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run uvicorn with its own asyncio loop in a daemon thread; yields the base URL."""
    import asyncio

    require_server_extra()
    sock = bind_socket(host, port)
    real_port = sock.getsockname()[1]
    server = make_server(emu)
    server.install_signal_handlers = lambda: None  # uvicorn < 0.29
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # pragma: no cover - reported to the caller
            errors.append(exc)

    thread = threading.Thread(target=run, name="seatable-emulator", daemon=True)
    thread.start()
    while not server.started:
        if errors or not thread.is_alive():
            sock.close()
            raise RuntimeError(f"emulator server failed to start: {errors!r}")
        thread.join(0.01)
    try:
        yield f"http://{host}:{real_port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8000,
    version: str = "6.0",
    **emulator_kwargs: Any,
) -> None:
    """Seed the demo account, print URL and credentials, and serve until interrupted.

    Control endpoints (``/_emulator/...``) are enabled. The first output line is
    ``URL http://HOST:PORT`` so a parent process can read the port when ``port=0``.
    """
    import asyncio

    from ._emulator import Emulator
    from .demo import seed_demo

    require_server_extra()
    emulator_kwargs.setdefault("control", True)
    emu = Emulator(version=version, **emulator_kwargs)
    demo = seed_demo(emu)
    sock = bind_socket(host, port)
    real_port = sock.getsockname()[1]
    url = f"http://{host}:{real_port}"
    print(f"URL {url}", flush=True)
    print(f"SeaTable emulator {emu.full_version} at {url}", flush=True)
    print(f"  login:     {demo.login}", flush=True)
    print(f"  password:  {demo.password}", flush=True)
    print(f"  base:      {demo.base.name} (workspace {demo.base.workspace_id})", flush=True)
    print(f"  API-Token: {demo.api_token}", flush=True)
    sys.stdout.flush()
    server = make_server(emu)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(sockets=[sock]))
    sock.close()
