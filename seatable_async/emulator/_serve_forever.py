"""``python -m seatable_async.emulator``: a seeded emulator served until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

from ._emulator import Emulator
from ._server.missing import require_server_extra
from ._server.serving import bind_socket, make_server
from .demo import seed_demo

__all__ = ["serve_forever"]


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
    server = make_server(emu.app)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(sockets=[sock]))
    sock.close()
