"""``seatable-async export``: a table, a view or an SQL query into a Parquet, CSV or JSON Lines
file, streamed (memory stays at a few pages whatever the table's size).

The file is written under a temporary name next to the target and renamed when complete, so an
interrupted export never leaves a file that looks whole.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Annotated, Any

import anyio.to_thread
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seatable_async import Base, Client, ExportProgress
from seatable_async.cells import DEFAULT_SYSTEM_FIELDS
from seatable_async.cells._deps import require
from seatable_async.cli._app import AllowInsecureHttp, ApiToken, Server, app, resolve_api_token
from seatable_async.cli._errors import fail, fail_now, run_with_hints, see_help
from seatable_async.errors import BadRequestError, ConfigurationError

__all__ = ["export_command"]

_KINDS = {"parquet": "parquet", "pq": "parquet", "csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl"}
_ROUTES = ("auto", "sql", "keyset", "rows")


class ExportBar:
    """Renders `ExportProgress` events as a rich progress bar (a pulse when the total is not
    known up front, as for views and queries)."""

    def __init__(self, console: Console, label: str):
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[rate]} rows/s"),
            TextColumn("{task.fields[requests]} requests"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task(label, total=None, count="", rate="0", requests=0)
        self.last: ExportProgress | None = None

    def __call__(self, event: ExportProgress) -> None:
        self.last = event
        rate = event.rows / event.elapsed if event.elapsed > 0 else 0.0
        count = f"{event.rows:,}" + (f" / {event.total:,}" if event.total is not None else "")
        self.progress.update(
            self.task,
            completed=event.rows,
            total=event.total,
            count=f"{count} rows",
            rate=f"{rate:,.0f}",
            requests=event.requests,
        )


@app.command("export")
def export_command(
    file: Annotated[
        Path,
        typer.Argument(help="Output file: .parquet, .csv or .jsonl.", show_default=False),
    ],
    server: Server,
    table: Annotated[str | None, typer.Option(help="Table to export.", show_default=False)] = None,
    view: Annotated[
        str | None,
        typer.Option(
            help="Export this view of --table (its filters and sorts).", show_default=False
        ),
    ] = None,
    sql: Annotated[
        str | None,
        typer.Option(
            help="Export this SELECT (without LIMIT) instead of a table.", show_default=False
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(help="Only these columns, comma-separated (and _id).", show_default=False),
    ] = None,
    api_token: ApiToken = None,
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="parquet, csv or jsonl; default: from the file extension.",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Rows per request (SeaTable allows 10,000).")
    ] = 10_000,
    concurrency: Annotated[int, typer.Option(min=1, help="Pages in flight at once.")] = 4,
    route: Annotated[
        str, typer.Option(help="auto, sql, keyset (exact while the table is written) or rows.")
    ] = "auto",
    overwrite: Annotated[bool, typer.Option(help="Replace the file if it exists.")] = False,
    allow_insecure_http: AllowInsecureHttp = False,
) -> None:
    """Export a table, a view or an SQL query to a Parquet, CSV or JSON Lines file.

    Rows stream from the server in pages of up to 10,000 (a whole table: SQL pages fetched
    concurrently; a view: list-rows pages) straight into the file. Parquet columns are typed
    from the column types; CSV and JSON Lines hold SeaTable's JSON values (lists and objects as
    JSON text in CSV).
    """
    token = resolve_api_token(api_token)
    kind = _KINDS.get((file_format or file.suffix.lstrip(".")).lower())
    if kind is None:
        fail_now(f"cannot tell the format of {file}: pass --format parquet, csv or jsonl")
    if (table is None) == (sql is None):
        fail_now(f"pass either --table (optionally with --view) or --sql — {see_help('export')}")
    if route not in _ROUTES:
        fail_now(f"--route {route!r} is not auto, sql, keyset or rows — pass one of them")
    _check_output(file, overwrite)
    if kind == "parquet":
        try:
            require("pyarrow.parquet")
        except Exception as exc:  # ConfigurationError naming the extra to install
            fail_now(str(exc))
    wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    options: dict[str, Any] = {
        "sql": sql,
        "view": view,
        "columns": wanted,
        "batch_size": batch_size,
        "concurrency": concurrency,
        "route": route,
    }
    console = Console()
    label = f"{table or 'query'} → {file.name}"
    rows, seconds, requests = run_with_hints(
        lambda: _export(
            server, token, table, file, kind, options, console, label, allow_insecure_http
        ),
        interrupted=f"{file} was not written (the partial file was removed); run again",
    )
    summary = Table(title="Export", show_header=False)
    summary.add_row("rows", f"{rows:,}")
    summary.add_row("file", f"{file} ({file.stat().st_size:,} bytes)")
    summary.add_row("requests", f"{requests:,}")
    summary.add_row("duration", f"{seconds:.2f} s")
    summary.add_row("rows/s", f"{rows / seconds if seconds > 0 else 0:,.0f}")
    console.print(summary)


def _check_output(file: Path, overwrite: bool) -> None:
    """Refuse, before connecting, an output path that cannot be written."""
    if file.is_dir():
        fail_now(f"{file} is a directory — give a file name for the export")
    if file.exists() and not overwrite:
        fail_now(f"{file} exists — pass --overwrite to replace it")
    parent = file.parent
    if not parent.exists():
        fail_now(
            f"cannot write {file}: the folder {parent} does not exist — create it or choose "
            "another path"
        )
    if not parent.is_dir():
        fail_now(f"cannot write {file}: {parent} is not a folder — choose another path")


async def _check_names(base: Base, table: str, view: str | None, columns: list[str] | None) -> None:
    """Name the unknown table, view or column before the first page is asked for."""
    metadata = await base.metadata()
    found = next((t for t in metadata.tables if t.name == table), None)
    if found is None:
        fail(f"the base has no table {table!r} — check --table (names are case-sensitive)")
    if view is not None and view not in {v.name for v in found.views}:
        fail(f"table {table!r} has no view {view!r} — check --view (names are case-sensitive)")
    missing = [c for c in columns or () if c not in {c.name for c in found.columns}]
    if missing:
        fail(
            f"table {table!r} has no column(s) {', '.join(map(repr, missing))} — check --columns "
            "(names are case-sensitive)"
        )


async def _export(
    server: str,
    token: str,
    table: str | None,
    file: Path,
    kind: str,
    options: dict[str, Any],
    console: Console,
    label: str,
    allow_insecure_http: bool,
) -> tuple[int, float, int]:
    started = time.perf_counter()
    partial = file.with_name(f".{file.name}.partial")
    bar = ExportBar(console, label)
    async with Client(
        server,
        allow_insecure_http=allow_insecure_http,
        max_concurrency=max(options["concurrency"], 4),
    ) as client:
        base = client.base(token)
        if table is not None:
            await _check_names(base, table, options["view"], options["columns"])
        try:
            with bar.progress:
                if kind == "parquet":
                    rows = await _parquet(base, table, partial, options, bar)
                else:
                    rows = await _text(base, table, partial, kind, options, bar)
            await anyio.Path(partial).replace(file)
        except (BadRequestError, ConfigurationError) as exc:
            if options["sql"] is None:
                raise
            if isinstance(exc, BadRequestError):
                fail(f"the server refused the SQL ({exc.error_msg}) — fix --sql")
            fail(f"--sql is not a query the export can run ({exc.message}) — fix --sql")
        finally:
            if await anyio.Path(partial).exists():
                await anyio.Path(partial).unlink()
    requests = bar.last.requests if bar.last is not None else 0
    return rows, time.perf_counter() - started, requests


async def _parquet(
    base: Base, table: str | None, path: Path, options: dict[str, Any], bar: ExportBar
) -> int:
    pq = require("pyarrow.parquet")
    writer: Any = None
    rows = 0
    try:
        async for batch in base.arrow_batches(table, on_progress=bar, **options):
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema)
            await anyio.to_thread.run_sync(writer.write_batch, batch)
            rows += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows


async def _text(
    base: Base,
    table: str | None,
    path: Path,
    kind: str,
    options: dict[str, Any],
    bar: ExportBar,
) -> int:
    fields = await _fields(base, table, options["columns"]) if table is not None else None
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle) if kind == "csv" else None
        async for batch in _batches(base, table, options, bar):
            if fields is None:  # a query: its first row names the fields
                fields = list(batch[0])
            if writer is not None and rows == 0:
                writer.writerow(fields)
            lines = _csv_lines(batch, fields) if writer else _json_lines(batch, fields)
            await anyio.to_thread.run_sync(_write, handle, writer, lines)
            rows += len(batch)
        if writer is not None and rows == 0 and fields is not None:
            writer.writerow(fields)  # an empty table still gets its header
    return rows


def _batches(
    base: Base, table: str | None, options: dict[str, Any], bar: ExportBar
) -> AsyncIterator[list[dict[str, Any]]]:
    return base.export(table, on_progress=bar, **options)


async def _fields(base: Base, table: str, columns: list[str] | None) -> list[str]:
    names = [c.name for c in (await base.metadata()).table(table).columns]
    if columns is not None:  # every name is known: checked by `_check_names`
        names = [n for n in names if n in set(columns)]
        return ["_id", *names]
    return [*DEFAULT_SYSTEM_FIELDS, *names]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def _csv_lines(batch: list[dict[str, Any]], fields: list[str]) -> list[list[Any]]:
    return [[_cell(row.get(f)) for f in fields] for row in batch]


def _json_lines(batch: list[dict[str, Any]], fields: list[str]) -> list[str]:
    return [json.dumps({f: row.get(f) for f in fields}, ensure_ascii=False) for row in batch]


def _write(handle: IO[str], writer: Any, lines: list[Any]) -> None:
    if writer is not None:
        writer.writerows(lines)
    else:
        handle.write("\n".join(lines) + "\n")
