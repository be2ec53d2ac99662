"""What serving the emulator over a real socket needs, and the error that names it."""

from __future__ import annotations

import importlib.util

__all__ = ["EMULATOR_INSTALL_LINE", "MissingExtraError", "require_server_extra"]

#: The exact line a user without the ``emulator`` extra is told to run.
EMULATOR_INSTALL_LINE = 'pip install "seatable-async[emulator]"'

# What `serve()`, `serve_in_thread()` and `serve_forever()` import: the ASGI server.
_SERVER_PACKAGES = ("uvicorn",)


class MissingExtraError(ImportError):
    """Serving the emulator needs the ``emulator`` extra, which is not installed.

    An `ImportError`, so ``except ImportError`` still catches it; the message ends with the
    exact ``pip install`` line. The in-process `Emulator.transport()` needs no extra.
    """


def require_server_extra() -> None:
    """Raise `MissingExtraError` unless the packages a served emulator imports are installed."""
    missing = [name for name in _SERVER_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingExtraError(
            f"serving the emulator needs the emulator extra ({', '.join(missing)} not installed)"
            f" — install it with: {EMULATOR_INSTALL_LINE}",
            name=missing[0],
        )
