"""Serving *your* ASGI app on loopback next to the emulator, so the emulator's webhooks
(real HTTP ``POST``s) reach it in a test: `serve_app`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

from .missing import require_server_extra
from .serving import bind_socket

__all__ = ["serve_app", "serve_app_in_thread"]


@contextlib.contextmanager
def serve_app_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run ``app`` under uvicorn (with its lifespan) in a daemon thread with its own asyncio
    loop; yields ``http://host:port``. The app's lifespan has completed when the block
    starts and runs its shutdown when the block ends.

    Raises:
        RuntimeError: the app did not start (its lifespan failed).
        MissingExtraError: the emulator extra (uvicorn) is not installed.
    """
    import asyncio
    import threading

    require_server_extra()
    import uvicorn

    sock = bind_socket(host, port)
    real_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # pragma: no cover - reported to the caller
            errors.append(exc)

    thread = threading.Thread(target=run, name="served-app", daemon=True)
    thread.start()
    while not server.started:
        if errors or not thread.is_alive():
            sock.close()
            raise RuntimeError(f"the app failed to start: {errors!r}")
        thread.join(0.01)
    try:
        yield f"http://{host}:{real_port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@contextlib.asynccontextmanager
async def serve_app(app: Any, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Async form of `serve_app_in_thread` (callable from asyncio or trio); yields the URL."""
    import anyio.to_thread

    cm = serve_app_in_thread(app, host, port)
    url = await anyio.to_thread.run_sync(cm.__enter__)
    try:
        yield url
    finally:
        await anyio.to_thread.run_sync(cm.__exit__, None, None, None)
