"""The ``seatable-async`` command line: demo, import, export, ping, info, token, emulator.

Every command prints one line saying what to do when something goes wrong (never a traceback)
and exits non-zero:

* 1: the server refused or could not be reached, or rows were not imported;
* 2: bad usage or bad input (unknown column or table, malformed file line), or the ``cli``
  extra is not installed;
* 130: interrupted (Ctrl-C).

Importing this package needs nothing beyond the core: the command-line libraries (typer, rich)
are imported when `main` runs or `app` is first used, so a wheel installed without the ``cli``
extra answers ``seatable-async`` with the ``pip install`` line to run, not a traceback.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]

#: The exact line a user without the ``cli`` extra is told to run.
CLI_INSTALL_LINE = 'pip install "seatable-async[cli]"'


def _missing_extra_message(error: ImportError) -> str:
    package = error.name or "typer"
    return (
        f"error: the seatable-async command needs the cli extra ({package} is not installed)"
        f" — install it with: {CLI_INSTALL_LINE}"
    )


def main() -> None:
    """Console-script entry point: run the command line, or name the extra it needs."""
    try:
        from seatable_async.cli._commands import app as command_app
    except ImportError as error:
        if error.name not in {"typer", "rich", "click", "shellingham"}:
            raise
        print(_missing_extra_message(error), file=sys.stderr)
        raise SystemExit(2) from None
    command_app()


def __getattr__(name: str) -> Any:
    # `app` (the typer application) is built on first use, so that importing the package does
    # not need the cli extra.
    if name == "app":
        from seatable_async.cli._commands import app as command_app

        return command_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    app: typer.Typer
