"""The typer app of the ``seatable-async`` command and what its commands share."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from seatable_async import Base
from seatable_async.cli._errors import TOKEN_ENV, CommandError, fail, fail_now, see_help
from seatable_async.cli._group import PROG_NAME, OneLineGroup

__all__ = [
    "AllowInsecureHttp",
    "ApiToken",
    "Server",
    "app",
    "parse_rate",
    "parse_rate_now",
    "resolve_api_token",
    "table_columns",
]

app = typer.Typer(
    name=PROG_NAME,
    cls=OneLineGroup,
    help=(
        "Async SeaTable client: bulk-import CSV / JSON Lines files, check a server and its "
        "tokens, or run the built-in SeaTable emulator and a demo import."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# The options every command that talks to a server takes, declared once.
Server = Annotated[str, typer.Option(help="SeaTable server URL, e.g. https://cloud.seatable.io.")]
ApiToken = Annotated[
    str | None,
    typer.Option(
        help=f"API-Token of the base. Default: the {TOKEN_ENV} environment variable.",
        show_default=False,
    ),
]
AllowInsecureHttp = Annotated[
    bool, typer.Option(help="Allow plain http:// to a host that is not this machine.")
]


def resolve_api_token(api_token: str | None) -> str:
    token = api_token or os.environ.get(TOKEN_ENV, "")
    if not token.strip():
        fail_now(f"no API-Token: set {TOKEN_ENV} or pass --api-token")
    return token.strip()


def parse_rate(text: str | None, command: str) -> tuple[int, float] | None:
    if not text:
        return None
    count, _, seconds = text.partition("/")
    try:
        limit, window = int(count), float(seconds or 60)
    except ValueError:
        fail(f"--rate-limit {text!r} is not N/SECONDS, e.g. 500/60 — {see_help(command)}")
    if limit < 1 or window <= 0:
        fail(f"--rate-limit needs N >= 1 and SECONDS > 0 — {see_help(command)}")
    return limit, window


def parse_rate_now(text: str | None, command: str) -> tuple[int, float] | None:
    try:
        return parse_rate(text, command)
    except CommandError as exc:
        fail_now(exc.message)


async def table_columns(base: Base, table: str) -> dict[str, str] | None:
    """Column name → type of ``table``, or None if the table is missing (raises on errors)."""
    metadata = await base.metadata()
    tables = [(t.name, {c.name: c.type for c in t.columns}) for t in metadata.tables]
    for name, columns in tables:
        if name == table:
            return columns
    return None
