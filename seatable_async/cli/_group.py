"""The command group of ``seatable-async``: whatever goes wrong ends in one line and an exit code.

Click's own answers to bad usage (a missing option, a value out of range, an unknown command)
come as a framed box with the usage above it; here they are one ``error:`` line naming the
problem and the ``--help`` to read, exit code 2. Ctrl-C anywhere is one line and 130. An error
nothing expected is a bug: one line asking for a report, exit code 1, and the traceback only
when ``SEATABLE_ASYNC_DEBUG=1`` is set.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from seatable_async.cli._errors import (
    DEBUG_ENV,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    debug_enabled,
    say,
)

__all__ = ["PROG_NAME", "OneLineGroup"]

PROG_NAME = "seatable-async"


def _click_class(name: str) -> type[Exception]:
    # Found through the public `typer.BadParameter`: typer >= 0.20 vendors click, so its
    # exceptions are not the `click` package's (whose classes older typer releases use).
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name and issubclass(cls, Exception):
            return cls
    raise LookupError(name)  # pragma: no cover - every click has both


_CLICK_EXCEPTION = _click_class("ClickException")
_USAGE_ERROR = _click_class("UsageError")
_EXITS = (typer.Exit, typer.Abort, _CLICK_EXCEPTION)


def _usage_line(exc: Exception) -> str:
    text = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split()).rstrip(".")
    text = text[:1].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or PROG_NAME
    return f"{text} — see '{command} --help'"


class OneLineGroup(TyperGroup):
    """`TyperGroup` whose every failure is one line on stderr and a documented exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args,
                prog_name or PROG_NAME,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except _CLICK_EXCEPTION as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                # No arguments at all: the help is the answer (click's exit code for it, 2).
                typer.echo(str(getattr(exc, "format_message", exc.__str__)()))
                code = EXIT_BAD_INPUT
            else:
                say(_usage_line(exc))
                usage = isinstance(exc, _USAGE_ERROR)
                code = EXIT_BAD_INPUT if usage else int(getattr(exc, "exit_code", EXIT_FAILED))
        except typer.Abort:
            say("interrupted — nothing more was done")
            code = EXIT_INTERRUPTED
        except typer.Exit as exc:
            code = exc.exit_code
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _EXITS:
            raise
        except KeyboardInterrupt:
            say("interrupted (Ctrl-C) — run the command again to start over")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if debug_enabled():
                raise
            say(
                f"unexpected {type(exc).__name__}: {exc} — this is a bug in seatable-async: "
                f"run again with {DEBUG_ENV}=1 and report the traceback"
            )
            raise typer.Exit(EXIT_FAILED) from None
