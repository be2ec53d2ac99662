"""``seatable-async demo``: the emulator in-process and a large concurrent import."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.console import Console

from seatable_async import Client
from seatable_async.bulk import ImportOptions
from seatable_async.bulk._options import DEFAULT_CONCURRENCY, IMPORT_DEFAULTS
from seatable_async.cli._app import app, parse_rate_now
from seatable_async.cli._errors import (
    EXIT_FAILED,
    fail,
    run_with_hints,
    see_help,
)
from seatable_async.cli._render import (
    client_summary,
    failure_lines,
    report_table,
    run_job,
)


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
    concurrency: Annotated[
        int, typer.Option(min=1, help="Batches in flight at once.")
    ] = DEFAULT_CONCURRENCY,
    batch_size: Annotated[
        int, typer.Option(min=1, max=1000, help="Rows per request.")
    ] = IMPORT_DEFAULTS.batch_size,
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
    limit = parse_rate_now(rate_limit, "demo")
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
    from seatable_async.emulator import Emulator, Faults
    from seatable_async.emulator.demo import seed_demo

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
        fail(f"{exc} — {see_help('demo')}")
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
        options = ImportOptions(
            batch_size=batch_size, concurrency=concurrency, key="Email", raise_on_failure=False
        )
        started = time.perf_counter()
        report = await run_job(
            base, table, generate(), options, console, rows, f"{rows:,} rows → {table}"
        )
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
