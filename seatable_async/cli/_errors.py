"""Errors of the command line: exit codes, and every expected error as one line with a hint.

A command never shows a traceback: `run_with_hints` turns each expected error into one line on
stderr that says what to do, and an exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import anyio
import typer
from rich.console import Console

from seatable_async.errors import (
    AuthenticationError,
    ConfigurationError,
    InsecureConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SeaTableError,
    TransportError,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "TOKEN_ENV",
    "CommandError",
    "InputError",
    "fail",
    "fail_now",
    "hint",
    "run_with_hints",
]

T = TypeVar("T")

TOKEN_ENV = "SEATABLE_API_TOKEN"
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


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
        return (
            f"{exc.message} — use https://, or pass --allow-insecure-http if you really mean it",
            EXIT_BAD_INPUT,
        )
    if isinstance(exc, ConfigurationError):
        return f"{exc.message} — check the command's options (--help)", EXIT_BAD_INPUT
    if isinstance(exc, AuthenticationError):
        return (
            f"the server refused the credential ({exc.message}) — check the API-Token "
            f"(--api-token or {TOKEN_ENV})",
            EXIT_FAILED,
        )
    if isinstance(exc, PermissionDeniedError):
        return (
            f"permission denied ({exc.message}) — use an API-Token with 'rw' permission",
            EXIT_FAILED,
        )
    if isinstance(exc, NotFoundError):
        return f"not found ({exc.message}) — check the server URL and names", EXIT_FAILED
    if isinstance(exc, RateLimitedError):
        return (
            f"rate limited by the server ({exc.message}) — try again later or lower --concurrency",
            EXIT_FAILED,
        )
    if isinstance(exc, TransportError):
        return (
            f"could not talk to the server ({exc.message}) — check --server and your network",
            EXIT_FAILED,
        )
    if isinstance(exc, SeaTableError):
        return f"{exc} — see the message above for the server's reason", EXIT_FAILED
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or 'file'}) — check the path", EXIT_BAD_INPUT
    raise exc


def run_with_hints(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; turn every expected error into one line on stderr and an exit code."""
    try:
        return anyio.run(make)
    except (SeaTableError, InputError, CommandError, OSError) as exc:
        message, code = hint(exc)
        err = Console(stderr=True, soft_wrap=True)
        err.print(f"[bold red]error:[/] {message}", highlight=False)
        raise typer.Exit(code) from None
    except KeyboardInterrupt:
        Console(stderr=True, soft_wrap=True).print("interrupted")
        raise typer.Exit(130) from None


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Raise `CommandError`: `run_with_hints` prints ``message`` and exits with ``code``."""
    raise CommandError(message, code)


def fail_now(message: str) -> NoReturn:
    """Stop a command before anything runs: print ``message`` and exit with code 2."""
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)
