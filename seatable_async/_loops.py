"""Which event loop is running: a `Client` belongs to the loop that opened it."""

from __future__ import annotations

import asyncio
import sys

__all__ = ["current_loop"]


def current_loop() -> object | None:
    """The running event loop (asyncio's loop, trio's run token), or None outside one."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    trio = sys.modules.get("trio")  # a trio run has imported trio
    if trio is not None:
        try:
            token: object = trio.lowlevel.current_trio_token()
        except RuntimeError:
            return None
        return token
    return None
