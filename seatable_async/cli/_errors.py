"""Errors of the command line: exit codes, and every expected error as one line with a hint.

A command never shows a traceback: `run_with_hints` turns each expected error into one line on
stderr that says what to do, and an exit code that means the same for every command:

* 0 (`EXIT_OK`): done;
* 1 (`EXIT_FAILED`): the server refused the credential or the operation, failed, or could not
  be reached; or rows were not imported;
* 2 (`EXIT_BAD_INPUT`): the command cannot run as given: bad usage or option value, a missing,
  unreadable or malformed file, an unknown table, view or column, bad SQL, an output path that
  cannot be written, no API-Token, plain http://, or a missing extra;
* 130 (`EXIT_INTERRUPTED`): interrupted (Ctrl-C).

``SEATABLE_ASYNC_DEBUG=1`` (`DEBUG_ENV`) also prints the traceback, for bug reports.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import anyio
import typer
from rich.console import Console

from seatable_async.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InsecureConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SeaTableError,
    TokenExpiredError,
    TransportError,
)

__all__ = [
    "DEBUG_ENV",
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "TOKEN_ENV",
    "CommandError",
    "InputError",
    "debug_enabled",
    "fail",
    "fail_now",
    "hint",
    "run_with_hints",
    "say",
    "see_help",
]

T = TypeVar("T")

TOKEN_ENV = "SEATABLE_API_TOKEN"
DEBUG_ENV = "SEATABLE_ASYNC_DEBUG"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

# The path template of the API-Token → Base-Token endpoint: a refusal there is about the
# API-Token itself (reference §4.1: unknown or revoked → 403 "Permission denied.").
_API_TOKEN_ENDPOINT = "/api/v2.1/dtable/app-access-token/"


class InputError(Exception):
    """A problem with the input file, naming the line."""


class CommandError(Exception):
    """A command cannot go on: the line to print and the exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.message = message
        self.code = code


def hint(exc: BaseException) -> tuple[str, int]:
    """One line saying what went wrong and what to do, and the exit code."""
    if isinstance(exc, CommandError):
        return exc.message, exc.code
    if isinstance(exc, InputError):
        return f"{exc} — fix the file and run again", EXIT_BAD_INPUT
    if isinstance(exc, InsecureConnectionError):
        # The SDK's message ends with advice for Python code (allow_insecure_http=True).
        problem = exc.message.split(";")[0]
        return (
            f"{problem} — use https://, or pass --allow-insecure-http for a trusted network",
            EXIT_BAD_INPUT,
        )
    if isinstance(exc, ConfigurationError):
        where = "--server" if "server URL" in exc.message else "the command's options (--help)"
        return f"{exc.message} — check {where}", EXIT_BAD_INPUT
    if isinstance(exc, SeaTableError):
        return _server_hint(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or 'file'}) — check the path", EXIT_BAD_INPUT
    raise exc


def _server_hint(exc: SeaTableError) -> tuple[str, int]:
    if isinstance(exc, TokenExpiredError):
        return (
            f"the server rejected the Base-Token even after renewing it ({exc.message}) — check "
            "that the API-Token is still valid and this machine's clock is right",
            EXIT_FAILED,
        )
    if isinstance(exc, AuthenticationError):
        if exc.path == _API_TOKEN_ENDPOINT:
            return (
                f"the server refused the API-Token ({exc.error_msg or exc.status}) — check "
                f"--api-token or {TOKEN_ENV}: it must be the API-Token of this base (Base → "
                "Advanced → API Token), not an Account-Token, and not revoked",
                EXIT_FAILED,
            )
        return (
            f"the server refused the credential ({exc.message}) — check the API-Token "
            f"(--api-token or {TOKEN_ENV})",
            EXIT_FAILED,
        )
    if isinstance(exc, PermissionDeniedError):
        return (
            f"the API-Token may not do this ({exc.message}) — a write needs an API-Token with "
            "'rw' permission",
            EXIT_FAILED,
        )
    if isinstance(exc, NotFoundError):
        return f"{exc.message} — check the names (they are case-sensitive)", EXIT_BAD_INPUT
    if isinstance(exc, BadRequestError):
        return (
            f"the server refused the request ({exc.message}) — check the names and values given",
            EXIT_BAD_INPUT,
        )
    if isinstance(exc, RateLimitedError):
        return (
            f"rate limited by the server ({exc.message}) — try again later or lower --concurrency",
            EXIT_FAILED,
        )
    if isinstance(exc, TransportError):
        return (
            f"could not talk to the server ({exc.message}) — check --server and that the "
            "server is running",
            EXIT_FAILED,
        )
    return f"{exc} — the server's reason is above; try again later", EXIT_FAILED


def debug_enabled() -> bool:
    """True when ``SEATABLE_ASYNC_DEBUG`` asks for tracebacks (any value but empty or 0)."""
    return os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def say(message: str) -> None:
    """Print ``error: message`` as one line on stderr (never wrapped, whatever the width)."""
    err = Console(stderr=True, soft_wrap=True)
    err.print(f"[bold red]error:[/] {message}", highlight=False)


def run_with_hints(
    make: Callable[[], Coroutine[Any, Any, T]],
    interrupted: str = "run the command again to start over",
) -> T:
    """Run a coroutine; turn every expected error into one line on stderr and an exit code.

    ``interrupted`` says what to do after Ctrl-C (what may already have happened).
    """
    try:
        return anyio.run(make)
    except (SeaTableError, InputError, CommandError, OSError) as exc:
        if debug_enabled():
            traceback.print_exc()
        message, code = hint(exc)
        say(message)
        raise typer.Exit(code) from None
    except KeyboardInterrupt:
        if debug_enabled():
            traceback.print_exc()
        say(f"interrupted (Ctrl-C) — {interrupted}")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Raise `CommandError`: `run_with_hints` prints ``message`` and exits with ``code``."""
    raise CommandError(message, code)


def see_help(command: str) -> str:
    """The advice to read a command's help, ending a usage line."""
    return f"see 'seatable-async {command} --help'"


def fail_now(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Stop a command before anything runs: print ``message`` and exit with ``code``."""
    say(message)
    raise typer.Exit(code)
