"""Real HTTP serving: uvicorn for the emulator's ASGI app, in a background thread."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

from .app import ConnectionDropped
from .missing import require_server_extra


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


def make_server(app: Any, log_level: str = "warning") -> Any:
    """A uvicorn server for the ASGI ``app``; `MissingExtraError` without the emulator extra."""
    require_server_extra()
    import uvicorn

    _install_filter()
    config = uvicorn.Config(
        app,
        http=_http_impl(),
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ws=_ws_impl(),
        date_header=False,  # the app dates every answer by the emulator's clock
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run uvicorn with its own asyncio loop in a daemon thread; yields the base URL."""
    import asyncio

    require_server_extra()
    sock = bind_socket(host, port)
    real_port = sock.getsockname()[1]
    server = make_server(app)
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
