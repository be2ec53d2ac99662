"""``seatable-async import``: a CSV, JSON Lines or Parquet file into a table.

Before anything is sent the file is read twice: once for its structure (before connecting),
and once more to check every value against its column's type, as the import will encode it
(a CSV ``notanumber`` in a number column would otherwise be stored as an empty cell).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import anyio.to_thread
import typer
from rich.console import Console

from seatable_async import Client
from seatable_async.bulk import ImportOptions, ImportReport
from seatable_async.bulk._options import DEFAULT_CONCURRENCY, IMPORT_DEFAULTS, MAX_BATCH_SIZE
from seatable_async.cells import CellOptions, ReadOnlyColumnWarning
from seatable_async.cli._app import (
    AllowInsecureHttp,
    ApiToken,
    Server,
    app,
    resolve_api_token,
    table_columns,
)
from seatable_async.cli._errors import (
    EXIT_FAILED,
    InputError,
    fail,
    run_with_hints,
)
from seatable_async.cli._files import (
    check_file,
    csv_rows,
    file_kind,
    file_rows,
    invalid_values,
    jsonl_rows,
    parquet_rows,
)
from seatable_async.cli._render import (
    failure_lines,
    report_table,
    run_job,
)


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV (header line = column names), JSON Lines or Parquet file.",
            show_default=False,
        ),
    ],
    server: Server,
    table: Annotated[str, typer.Option(help="Name of the table to append the rows to.")],
    api_token: ApiToken = None,
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv, jsonl or parquet; default: from the file extension (.csv, .jsonl, "
            ".ndjson, .parquet).",
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
    concurrency: Annotated[
        int, typer.Option(min=1, help="Batches in flight at once.")
    ] = DEFAULT_CONCURRENCY,
    batch_size: Annotated[
        int,
        typer.Option(min=1, max=MAX_BATCH_SIZE, help="Rows per request (SeaTable allows 1000)."),
    ] = IMPORT_DEFAULTS.batch_size,
    allow_insecure_http: AllowInsecureHttp = False,
) -> None:
    """Append every row of a CSV, JSON Lines or Parquet file to a table, concurrently.

    The file is checked completely before anything is sent: malformed lines, columns the table
    lacks, and values their column cannot hold (exit code 2, naming line, column and value).
    Then it is streamed in batches. Exit code 1 with a summary when rows failed.
    """
    token = resolve_api_token(api_token)
    kind = file_kind(file, file_format)
    header, total, used = check_file(file, kind)
    console = Console()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReadOnlyColumnWarning)  # a note is printed instead
        report = run_with_hints(
            interrupted="rows sent before it may be in the table; check it before running "
            "again (with --key, unclear batches are reconciled)",
            make=lambda: _import(
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
            ),
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
        if (await base.token_info()).permission != "rw":
            fail(
                "the API-Token is read-only — import needs an API-Token with 'rw' permission; "
                "nothing was sent",
                EXIT_FAILED,
            )
        columns = await table_columns(base, table)
        if columns is None:
            fail(f"the base has no table {table!r} — check --table (names are case-sensitive)")
        missing = sorted(used - set(columns))
        if missing:
            fail(
                f"table {table!r} has no column(s) {', '.join(map(repr, missing))} used in "
                f"{file} — rename them or add the columns; nothing was sent",
            )
        if key is not None and key not in columns:
            fail(
                f"--key {key!r} is not a column of table {table!r} — pass a column of the "
                "table; nothing was sent"
            )
        # Computed columns (formula, auto-number, ctime…) of an exported file are left out.
        cells = CellOptions(read_only="drop")
        encoder = await base.row_encoder(table, cells)
        computed = sorted(n for n in used if (c := encoder.column(n)) is not None and c.read_only)
        if computed:
            names = ", ".join(map(repr, computed))
            console.print(f"note: {names} computed by the server; their values are left out")
        checked = file_rows(file, kind, header, columns)
        count, lines = await anyio.to_thread.run_sync(invalid_values, checked, encoder)
        if count:
            err = Console(stderr=True, soft_wrap=True)
            for line in lines:
                err.print(line, highlight=False, markup=False)
            more = f" (the first {len(lines)} above)" if count > len(lines) else " (above)"
            fail(
                f"{count:,} row(s) of {file} hold values their column cannot hold{more} — fix "
                "them and run again; nothing was sent",
            )
        readers = {
            "csv": lambda: csv_rows(file, header, columns),
            "parquet": lambda: parquet_rows(file),
        }
        rows = readers.get(kind, lambda: jsonl_rows(file))()
        options = ImportOptions(
            batch_size=batch_size,
            concurrency=concurrency,
            key=key,
            raise_on_failure=False,
            encode=cells,
        )
        report = await run_job(base, table, rows, options, console, total, f"{file.name} → {table}")
    if isinstance(report.stopped_by, InputError):
        console.print(report_table(report))
        raise report.stopped_by
    return report
