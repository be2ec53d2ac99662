"""The small commands: ping, info, token, emulator; and the entry point."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console

from seatable_async import Client
from seatable_async.cli._errors import (
    fail,
    fail_now,
    run_with_hints,
    see_help,
)
from seatable_async.cli._render import (
    token_table,
)

__all__ = ["app"]


from seatable_async.cli import _demo, _export, _import  # noqa: F401  (they register commands)
from seatable_async.cli._app import (
    AllowInsecureHttp,
    ApiToken,
    Server,
    app,
    parse_rate_now,
    resolve_api_token,
)


@app.command()
def ping(
    server: Server,
    allow_insecure_http: AllowInsecureHttp = False,
) -> None:
    """Check that the server answers (no token needed)."""
    console = Console()

    async def go() -> float:
        async with Client(server, allow_insecure_http=allow_insecure_http) as client:
            started = time.perf_counter()
            if not await client.ping():
                fail(f"{server} answered the ping, but not with 'pong' — is it SeaTable?", 1)
            return time.perf_counter() - started

    seconds = run_with_hints(go)
    console.print(f"pong from {server} in {seconds * 1000:.0f} ms", highlight=False)


@app.command()
def info(
    server: Server,
    allow_insecure_http: AllowInsecureHttp = False,
) -> None:
    """Show the server's SeaTable version and edition (no token needed)."""

    async def go() -> tuple[str, str]:
        async with Client(server, allow_insecure_http=allow_insecure_http) as client:
            server_info = await client.server_info()
            return server_info.version, server_info.edition

    version, edition = run_with_hints(go)
    Console().print(f"SeaTable {version} {edition}".rstrip() + f" at {server}", highlight=False)


@app.command()
def token(
    server: Server,
    api_token: ApiToken = None,
    allow_insecure_http: AllowInsecureHttp = False,
) -> None:
    """Mint a Base-Token and show what it allows: base, permission, expiry, routing.

    The token itself is never printed.
    """
    secret = resolve_api_token(api_token)

    async def go() -> Any:
        async with Client(server, allow_insecure_http=allow_insecure_http) as client:
            return await client.base(secret).token_info()

    data = run_with_hints(go)
    Console().print(token_table(data))


@app.command()
def emulator(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 8000,
    version: Annotated[
        str, typer.Option(help="SeaTable version to emulate: 3.5, 4.0, 4.4, 5.0 or 6.0.")
    ] = "6.0",
    latency: Annotated[float, typer.Option(min=0, help="Seconds added to every answer.")] = 0.0,
    rate_limit: Annotated[
        str | None,
        typer.Option(
            help="Per-base limit for base operations, N/SECONDS, e.g. 500/60.", show_default=False
        ),
    ] = None,
    token_ttl: Annotated[float, typer.Option(min=1, help="Base-Token lifetime in seconds.")] = 3
    * 86400.0,
) -> None:
    """Serve the SeaTable emulator over HTTP with a seeded demo account (prints credentials)."""
    limit = parse_rate_now(rate_limit, "emulator")
    from seatable_async.emulator import MissingExtraError, serve_forever

    try:
        serve_forever(host, port, version, latency=latency, rate_limit=limit, token_ttl=token_ttl)
    except MissingExtraError as exc:
        fail_now(str(exc))
    except ValueError as exc:
        fail_now(f"{exc} — {see_help('emulator')}")
    except OSError as exc:
        fail_now(f"cannot listen on {host}:{port} ({exc.strerror or exc}) — try another --port")
