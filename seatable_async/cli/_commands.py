"""The typer app and its commands: import, demo, ping, info, token, emulator."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from seatable_async.bulk import ImportJob, ImportReport
from seatable_async.cli._errors import (
    EXIT_FAILED,
    TOKEN_ENV,
    CommandError,
    InputError,
    fail,
    fail_now,
    run_with_hints,
)
from seatable_async.cli._files import check_file, csv_rows, file_kind, jsonl_rows
from seatable_async.cli._render import (
    client_summary,
    failure_lines,
    report_table,
    run_job,
    token_table,
)
from seatable_async.client import Client

__all__ = ["app", "main"]

app = typer.Typer(
    name="seatable-async",
    help=(
        "Async SeaTable client: bulk-import CSV / JSON Lines files, check a server and its "
        "tokens, or run the built-in SeaTable emulator and a demo import."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _token(api_token: str | None) -> str:
    token = api_token or os.environ.get(TOKEN_ENV, "")
    if not token.strip():
        fail_now(f"no API-Token: set {TOKEN_ENV} or pass --api-token")
    return token.strip()


def _parse_rate(text: str | None) -> tuple[int, float] | None:
    if not text:
        return None
    count, _, seconds = text.partition("/")
    try:
        limit, window = int(count), float(seconds or 60)
    except ValueError:
        fail(f"--rate-limit {text!r} is not N/SECONDS, e.g. 500/60")
    if limit < 1 or window <= 0:
        fail("--rate-limit needs N >= 1 and SECONDS > 0")
    return limit, window


def _parse_rate_now(text: str | None) -> tuple[int, float] | None:
    try:
        return _parse_rate(text)
    except CommandError as exc:
        fail_now(exc.message)


async def _table_columns(base: Any, table: str) -> dict[str, str] | None:
    """Column name → type of ``table``, or None if the table is missing (raises on errors)."""
    tables: list[tuple[str, dict[str, str]]] = []
    metadata = getattr(base, "metadata", None)
    if metadata is not None:
        meta = await metadata()
        for t in getattr(meta, "tables", []):
            columns = {str(c.name): str(c.type) for c in getattr(t, "columns", [])}
            tables.append((str(t.name), columns))
    else:  # older Base without metadata(): ask the metadata endpoint directly
        route = await base._route()
        call = base._call(route, "GET", route.url("/metadata/"), "/metadata/")
        data = await base._client._send(call)
        raw = data.get("metadata", {}) if isinstance(data, dict) else {}
        for t in raw.get("tables", []) if isinstance(raw, dict) else []:
            if isinstance(t, dict):
                columns = {
                    str(c.get("name")): str(c.get("type"))
                    for c in t.get("columns", [])
                    if isinstance(c, dict)
                }
                tables.append((str(t.get("name")), columns))
    for name, columns in tables:
        if name == table:
            return columns
    return None


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV (header line = column names) or JSON Lines file.", show_default=False
        ),
    ],
    server: Annotated[
        str, typer.Option(help="SeaTable server URL, e.g. https://cloud.seatable.io.")
    ],
    table: Annotated[str, typer.Option(help="Name of the table to append the rows to.")],
    api_token: Annotated[
        str | None,
        typer.Option(
            help=f"API-Token of the base (rw). Default: the {TOKEN_ENV} environment variable.",
            show_default=False,
        ),
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv or jsonl; default: from the file extension (.csv, .jsonl, .ndjson).",
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            help="Column with a unique value per row: batches with an unclear outcome are "
            "checked against the server and only missing rows are resent (exactly once).",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Batches in flight at once.")] = 8,
    batch_size: Annotated[
        int, typer.Option(min=1, max=1000, help="Rows per request (SeaTable allows 1000).")
    ] = 1000,
    allow_insecure_http: Annotated[
        bool, typer.Option(help="Allow plain http:// to a host that is not this machine.")
    ] = False,
) -> None:
    """Append every row of a CSV or JSON Lines file to a table, concurrently.

    The file is checked completely before anything is sent (malformed lines, columns the table
    lacks); then it is streamed in batches. Exit code 1 with a summary when rows failed.
    """
    token = _token(api_token)
    kind = file_kind(file, file_format)
    header, total, used = check_file(file, kind)
    console = Console()
    report = run_with_hints(
        lambda: _import(
            file,
            kind,
            header,
            total,
            used,
            server,
            table,
            token,
            key,
            concurrency,
            batch_size,
            allow_insecure_http,
            console,
        )
    )
    console.print(report_table(report))
    if not report.ok:
        err = Console(stderr=True, soft_wrap=True)
        for line in failure_lines(report):
            err.print(line, highlight=False, markup=False)
        err.print(
            f"[bold red]error:[/] {report.failed_count + report.maybe_applied_count:,} of "
            f"{report.rows_read:,} rows were not imported for sure — see above"
            + (
                "; re-running is safe with --key only for rows whose key is unique"
                if key
                else "; pass --key <unique column> so unclear batches can be reconciled"
            ),
            highlight=False,
        )
        raise typer.Exit(EXIT_FAILED)


async def _import(
    file: Path,
    kind: str,
    header: list[str],
    total: int,
    used: set[str],
    server: str,
    table: str,
    token: str,
    key: str | None,
    concurrency: int,
    batch_size: int,
    allow_insecure_http: bool,
    console: Console,
) -> ImportReport:
    async with Client(
        server, allow_insecure_http=allow_insecure_http, max_concurrency=max(concurrency, 4)
    ) as client:
        base = client.base(token)
        columns = await _table_columns(base, table)
        if columns is None:
            fail(f"the base has no table {table!r} — check --table (names are case-sensitive)")
        missing = sorted(used - set(columns))
        if missing:
            fail(
                f"table {table!r} has no column(s) {', '.join(map(repr, missing))} used in "
                f"{file} — rename them or add the columns; nothing was sent",
            )
        if key is not None and key not in columns:
            fail(f"--key {key!r} is not a column of table {table!r}")
        rows = csv_rows(file, header, columns) if kind == "csv" else jsonl_rows(file)
        job = ImportJob(
            base,
            table,
            rows,
            batch_size=batch_size,
            concurrency=concurrency,
            key=key,
            raise_on_failure=False,
        )
        report = await run_job(job, console, total, f"{file.name} → {table}")
    if isinstance(report.stopped_by, InputError):
        console.print(report_table(report))
        raise report.stopped_by
    return report


@app.command()
def demo(
    rows: Annotated[int, typer.Option(min=1, help="Rows to import.")] = 100_000,
    version: Annotated[
        str, typer.Option(help="SeaTable version to emulate: 3.5, 4.0, 4.4, 5.0 or 6.0.")
    ] = "6.0",
    rate_limit: Annotated[
        str | None,
        typer.Option(
            help="Emulated per-base rate limit N/SECONDS, e.g. 300/1.", show_default=False
        ),
    ] = None,
    faults: Annotated[
        int | None,
        typer.Option(
            help="Seed for emulated faults (429s, 5xx, resets, lost responses, 2% each).",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Batches in flight at once.")] = 8,
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Rows per request.")] = 1000,
    token_ttl: Annotated[
        float,
        typer.Option(
            min=0.5,
            help="Base-Token lifetime in seconds (short, so the demo shows renewals; "
            "SeaTable's is 3 days).",
        ),
    ] = 2.0,
) -> None:
    """Import rows into the built-in SeaTable emulator and show what the auth machinery did.

    Starts the emulator in-process with a demo base, imports generated contacts concurrently
    with a progress bar, reads the count back with SQL and prints token requests, refreshes,
    header scheme, retries, 429s and throughput.
    """
    limit = _parse_rate_now(rate_limit)
    console = Console()
    run_with_hints(
        lambda: _demo(rows, version, limit, faults, concurrency, batch_size, token_ttl, console)
    )


async def _demo(
    rows: int,
    version: str,
    rate_limit: tuple[int, float] | None,
    faults: int | None,
    concurrency: int,
    batch_size: int,
    token_ttl: float,
    console: Console,
) -> None:
    try:
        from seatable_async.emulator import Emulator, Faults
        from seatable_async.emulator.demo import seed_demo
    except ImportError as exc:
        fail(f"the emulator needs extra packages ({exc.name}): pip install 'seatable-async[cli]'")
    try:
        emu = Emulator(
            version=version,
            token_ttl=token_ttl,
            rate_limit=rate_limit,
            faults=Faults(
                seed=faults, rate_429=0.02, rate_5xx=0.02, rate_reset=0.02, rate_lost=0.02
            )
            if faults is not None
            else None,
        )
    except ValueError as exc:
        fail(f"{exc} — see --help")
    account = seed_demo(emu)
    table = "Contacts"
    cities = ("Berlin", "Paris", "Lisbon", "Oslo", "Rome", "Vienna", "Prague", "Madrid")

    def generate() -> Iterator[dict[str, Any]]:
        for i in range(rows):
            yield {
                "Name": f"Contact {i}",
                "Email": f"contact{i}@example.com",
                "Age": 18 + i % 60,
                "City": cities[i % len(cities)],
                "Score": (i * 37) % 1000 / 10,
            }

    console.print(
        f"SeaTable emulator {emu.full_version} (in-process), base {account.base.name!r}, "
        f"table {table!r}, Base-Token lifetime {token_ttl:g} s"
        + (f", rate limit {rate_limit[0]}/{rate_limit[1]:g}s" if rate_limit else "")
        + (f", faults seed {faults}" if faults is not None else "")
    )
    async with Client("http://127.0.0.1", transport=emu.transport()) as client:
        base = client.base(account.api_token)
        job = ImportJob(
            base,
            table,
            generate(),
            batch_size=batch_size,
            concurrency=concurrency,
            key="Email",
            raise_on_failure=False,
        )
        started = time.perf_counter()
        report = await run_job(job, console, rows, f"{rows:,} rows → {table}")
        result = await base.sql(f"SELECT COUNT(*) FROM `{table}`")
        elapsed = time.perf_counter() - started
        stats = client.stats
        info = await base.token_info()
    count = next(iter(result.rows[0].values())) if result.rows else "?"
    console.print(report_table(report))
    console.print(client_summary(stats, info.uses_gateway, report, count, elapsed))
    if not report.ok:
        for line in failure_lines(report):
            console.print(line, highlight=False, markup=False)
        fail("the demo import did not insert every row", EXIT_FAILED)


@app.command()
def ping(
    server: Annotated[str, typer.Option(help="SeaTable server URL.")],
    allow_insecure_http: Annotated[
        bool, typer.Option(help="Allow plain http:// to a host that is not this machine.")
    ] = False,
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
    server: Annotated[str, typer.Option(help="SeaTable server URL.")],
    allow_insecure_http: Annotated[
        bool, typer.Option(help="Allow plain http:// to a host that is not this machine.")
    ] = False,
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
    server: Annotated[str, typer.Option(help="SeaTable server URL.")],
    api_token: Annotated[
        str | None,
        typer.Option(
            help=f"API-Token of the base. Default: the {TOKEN_ENV} environment variable.",
            show_default=False,
        ),
    ] = None,
    allow_insecure_http: Annotated[
        bool, typer.Option(help="Allow plain http:// to a host that is not this machine.")
    ] = False,
) -> None:
    """Mint a Base-Token and show what it allows: base, permission, expiry, routing.

    The token itself is never printed.
    """
    secret = _token(api_token)

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
    limit = _parse_rate_now(rate_limit)
    try:
        from seatable_async.emulator import serve_forever
    except ImportError as exc:
        fail_now(
            f"the emulator needs extra packages ({exc.name}): pip install 'seatable-async[cli]'"
        )
    try:
        serve_forever(host, port, version, latency=latency, rate_limit=limit, token_ttl=token_ttl)
    except ValueError as exc:
        fail_now(f"{exc} — see --help")
    except OSError as exc:
        fail_now(f"cannot listen on {host}:{port} ({exc.strerror or exc}) — try another --port")


def main() -> None:
    """Console-script entry point."""
    app()
