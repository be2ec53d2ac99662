"""The ``seatable-async`` command line: demo, import, ping, info, token, emulator.

Every command prints one line saying what to do when something goes wrong (never a traceback)
and exits non-zero:

* 1: the server refused or could not be reached, or rows were not imported;
* 2: bad usage or bad input (unknown column or table, malformed file line).
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import anyio
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from seatable_async.bulk import ImportJob, ImportProgress, ImportReport
from seatable_async.client import Client
from seatable_async.errors import (
    AuthenticationError,
    BulkImportError,
    ConfigurationError,
    InsecureConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SeaTableError,
    TransportError,
)

__all__ = ["app", "main"]

T = TypeVar("T")

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

TOKEN_ENV = "SEATABLE_API_TOKEN"
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the input file, naming the line."""


class _Exit(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.message = message
        self.code = code


# ---------------------------------------------------------------------------------------------
# error handling


def _hint(exc: BaseException) -> tuple[str, int]:
    """One line saying what went wrong and what to do, and the exit code."""
    if isinstance(exc, _Exit):
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


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; turn every expected error into one line on stderr and an exit code."""
    try:
        return anyio.run(make)
    except (SeaTableError, InputError, _Exit, OSError) as exc:
        message, code = _hint(exc)
        err = Console(stderr=True, soft_wrap=True)
        err.print(f"[bold red]error:[/] {message}", highlight=False)
        raise typer.Exit(code) from None
    except KeyboardInterrupt:
        Console(stderr=True, soft_wrap=True).print("interrupted")
        raise typer.Exit(130) from None


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    raise _Exit(message, code)


def _token(api_token: str | None) -> str:
    token = api_token or os.environ.get(TOKEN_ENV, "")
    if not token.strip():
        _fail_now(f"no API-Token: set {TOKEN_ENV} or pass --api-token")
    return token.strip()


def _parse_rate(text: str | None) -> tuple[int, float] | None:
    if not text:
        return None
    count, _, seconds = text.partition("/")
    try:
        limit, window = int(count), float(seconds or 60)
    except ValueError:
        _fail(f"--rate-limit {text!r} is not N/SECONDS, e.g. 500/60")
    if limit < 1 or window <= 0:
        _fail("--rate-limit needs N >= 1 and SECONDS > 0")
    return limit, window


# ---------------------------------------------------------------------------------------------
# input files


def _coerce(value: str, column_type: str | None) -> Any:
    """A CSV cell as SeaTable expects it for the column type (empty cells are left out)."""
    if column_type in ("number", "rate", "duration", "auto-number"):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number
    if column_type == "checkbox":
        return value.strip().lower() in ("1", "true", "yes", "y", "x", "on")
    return value


def _csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise InputError(f"{path} line 1: malformed CSV header ({exc})") from None
    if not header or not any(h.strip() for h in header):
        raise InputError(f"{path} is empty: expected a header line with column names")
    names = [h.strip() for h in header]
    if any(not n for n in names):
        raise InputError(f"{path} line 1: the header has an empty column name")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"{path} line 1: duplicate column(s) {', '.join(duplicates)}")
    return names


def _csv_rows(path: Path, header: list[str], types: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """Stream the rows of a CSV file; raise `InputError` naming a malformed line."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            next(reader)
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if len(record) != len(header):
                    raise InputError(
                        f"{path} line {reader.line_num}: {len(record)} fields, the header has "
                        f"{len(header)}"
                    )
                yield {
                    name: _coerce(value, types.get(name))
                    for name, value in zip(header, record, strict=True)
                    if value != ""
                }
        except csv.Error as exc:
            raise InputError(f"{path} line {reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Stream the objects of a JSON Lines file; raise `InputError` naming a bad line."""
    with path.open(encoding="utf-8-sig") as handle:
        number = 0
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path} line {number}: not valid JSON ({exc.msg})") from None
                if not isinstance(value, dict):
                    raise InputError(
                        f"{path} line {number}: a JSON {type(value).__name__}, expected an "
                        "object of column names to values"
                    )
                yield value
        except UnicodeDecodeError:
            raise InputError(f"{path} line {number + 1}: not UTF-8 text") from None


def _scan(rows: Iterator[dict[str, Any]]) -> tuple[int, set[str]]:
    """Validate a whole file before anything is sent: row count and every column used."""
    count = 0
    columns: set[str] = set()
    for row in rows:
        count += 1
        columns.update(row)
    return count, columns


# ---------------------------------------------------------------------------------------------
# shared pieces


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


class _ProgressBar:
    """Renders `ImportProgress` events as a rich progress bar."""

    def __init__(self, console: Console, total: int | None, label: str):
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TextColumn("{task.fields[issues]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task(label, total=total, rate="0", issues="")

    def __call__(self, event: ImportProgress) -> None:
        settled = event.rows_done + event.rows_failed + event.rows_maybe_applied
        issues = ""
        if event.rows_failed or event.rows_maybe_applied:
            issues = f"[red]{event.rows_failed} failed, {event.rows_maybe_applied} maybe[/]"
        self.progress.update(
            self.task, completed=settled, rate=f"{event.rows_per_second:,.0f}", issues=issues
        )


def _report_table(report: ImportReport) -> Table:
    table = Table(title="Import", show_header=False)
    table.add_row("rows read", f"{report.rows_read:,}")
    table.add_row("inserted", f"{report.inserted_count:,}")
    table.add_row("failed", f"{report.failed_count:,}")
    table.add_row("maybe applied", f"{report.maybe_applied_count:,}")
    table.add_row("batches", f"{report.batches:,}")
    table.add_row("reconciled batches", f"{report.reconciled_batches:,}")
    table.add_row("duration", f"{report.duration:.2f} s")
    table.add_row("rows/s", f"{report.rows_per_second:,.0f}")
    return table


def _failure_lines(report: ImportReport, limit: int = 5) -> list[str]:
    lines: list[str] = []
    for failure in report.failed[:limit]:
        lines.append(f"failed rows {_span(failure.indices)}: {failure.error}")
    for maybe in report.maybe_applied[:limit]:
        lines.append(f"maybe applied rows {_span(maybe.indices)}: {maybe.error}")
    return lines


def _span(indices: Any) -> str:
    items = list(indices)
    if not items:
        return "-"
    # Input index 0 is the first data row; print 1-based row numbers.
    return f"{items[0] + 1}" if len(items) == 1 else f"{items[0] + 1}..{items[-1] + 1}"


async def _run_job(job: ImportJob, console: Console, total: int | None, label: str) -> ImportReport:
    bar = _ProgressBar(console, total, label)
    job_progress = job._on_progress
    job._on_progress = bar if job_progress is None else job_progress
    with bar.progress:
        try:
            report = await job.run()
        except BulkImportError as exc:
            report = exc.report
        bar(job.progress())
    return report


# ---------------------------------------------------------------------------------------------
# commands


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
    kind = (file_format or file.suffix.lstrip(".")).lower()
    if kind in ("ndjson", "json", "jsonlines"):
        kind = "jsonl"
    if kind not in ("csv", "jsonl"):
        _fail_now(f"cannot tell the format of {file}: pass --format csv or --format jsonl")
    header, total, used = _check_file(file, kind)
    console = Console()
    report = _run(
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
    console.print(_report_table(report))
    if not report.ok:
        err = Console(stderr=True, soft_wrap=True)
        for line in _failure_lines(report):
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


def _fail_now(message: str) -> NoReturn:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_file(file: Path, kind: str) -> tuple[list[str], int, set[str]]:
    """Read the whole file once before anything is sent: header, row count, columns used."""
    if not file.is_file():
        _fail_now(f"{file}: no such file — check the path")
    header: list[str] = []
    try:
        if kind == "csv":
            header = _csv_header(file)
            total, used = _scan(_csv_rows(file, header, {}))
            used |= set(header)
        else:
            total, used = _scan(_jsonl_rows(file))
    except InputError as exc:
        _fail_now(f"{exc} — fix the file and run again; nothing was sent")
    except OSError as exc:
        _fail_now(f"cannot read {file} ({exc.strerror or exc}) — check the path")
    if total == 0:
        _fail_now(f"{file} has no rows to import — nothing was sent")
    return header, total, used


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
            _fail(f"the base has no table {table!r} — check --table (names are case-sensitive)")
        missing = sorted(used - set(columns))
        if missing:
            _fail(
                f"table {table!r} has no column(s) {', '.join(map(repr, missing))} used in "
                f"{file} — rename them or add the columns; nothing was sent",
            )
        if key is not None and key not in columns:
            _fail(f"--key {key!r} is not a column of table {table!r}")
        rows = _csv_rows(file, header, columns) if kind == "csv" else _jsonl_rows(file)
        job = ImportJob(
            base,
            table,
            rows,
            batch_size=batch_size,
            concurrency=concurrency,
            key=key,
            raise_on_failure=False,
        )
        report = await _run_job(job, console, total, f"{file.name} → {table}")
    if isinstance(report.stopped_by, InputError):
        console.print(_report_table(report))
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
) -> None:
    """Import rows into the built-in SeaTable emulator and show what the auth machinery did.

    Starts the emulator in-process with a demo base, imports generated contacts concurrently
    with a progress bar, reads the count back with SQL and prints token requests, refreshes,
    header scheme, retries, 429s and throughput.
    """
    limit = _parse_rate_now(rate_limit)
    console = Console()
    _run(lambda: _demo(rows, version, limit, faults, concurrency, batch_size, console))


async def _demo(
    rows: int,
    version: str,
    rate_limit: tuple[int, float] | None,
    faults: int | None,
    concurrency: int,
    batch_size: int,
    console: Console,
) -> None:
    try:
        from seatable_async.emulator import Emulator, Faults
        from seatable_async.emulator.demo import seed_demo
    except ImportError as exc:
        _fail(f"the emulator needs extra packages ({exc.name}): pip install 'seatable-async[cli]'")
    try:
        emu = Emulator(
            version=version,
            rate_limit=rate_limit,
            faults=Faults(
                seed=faults, rate_429=0.02, rate_5xx=0.02, rate_reset=0.02, rate_lost=0.02
            )
            if faults is not None
            else None,
        )
    except ValueError as exc:
        _fail(f"{exc} — see --help")
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
        f"table {table!r}"
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
        report = await _run_job(job, console, rows, f"{rows:,} rows → {table}")
        result = await base.sql(f"SELECT COUNT(*) FROM `{table}`")
        elapsed = time.perf_counter() - started
        stats = client.stats
        info = await base.token_info()
    count = next(iter(result.rows[0].values())) if result.rows else "?"
    console.print(_report_table(report))
    summary = Table(title="What the client did", show_header=False)
    summary.add_row("HTTP requests", f"{stats.requests:,}")
    summary.add_row("Base-Token requests", f"{stats.token_requests}")
    summary.add_row("Base-Token refreshes", f"{stats.token_refreshes}")
    summary.add_row("Base-Token rejections", f"{stats.token_rejections}")
    summary.add_row(
        "header scheme", f"{stats.scheme} ({'confirmed' if stats.scheme_confirmed else 'probing'})"
    )
    summary.add_row("routing", "API gateway" if info.uses_gateway else "dtable-server / dtable-db")
    retries = ", ".join(f"{k}: {v}" for k, v in sorted(stats.retries.items())) or "none"
    summary.add_row("retries", f"{stats.total_retries} ({retries})")
    summary.add_row("429 answers", f"{stats.rate_limited}")
    summary.add_row("rows/s", f"{report.rows_per_second:,.0f}")
    summary.add_row("rows on the server (SQL COUNT)", f"{count}")
    summary.add_row("total time", f"{elapsed:.1f} s")
    console.print(summary)
    if not report.ok:
        for line in _failure_lines(report):
            console.print(line, highlight=False, markup=False)
        _fail("the demo import did not insert every row", EXIT_FAILED)


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
                _fail(f"{server} answered the ping, but not with 'pong' — is it SeaTable?", 1)
            return time.perf_counter() - started

    seconds = _run(go)
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

    version, edition = _run(go)
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

    data = _run(go)
    expires = datetime.datetime.fromtimestamp(data.expires_at, tz=datetime.timezone.utc)
    left = data.expires_at - time.time()
    table = Table(title="Base-Token", show_header=False)
    table.add_row("base", f"{data.dtable_name or '?'} ({data.dtable_uuid})")
    table.add_row("permission", "read-write" if data.permission == "rw" else "read-only")
    table.add_row("expires", f"{expires:%Y-%m-%d %H:%M:%S} UTC (in {_duration(left)})")
    table.add_row("routing", "API gateway" if data.uses_gateway else "dtable-server / dtable-db")
    if data.app_name:
        table.add_row("app", data.app_name)
    if data.workspace_id is not None:
        table.add_row("workspace", str(data.workspace_id))
    Console().print(table)


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


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
        _fail_now(
            f"the emulator needs extra packages ({exc.name}): pip install 'seatable-async[cli]'"
        )
    try:
        serve_forever(host, port, version, latency=latency, rate_limit=limit, token_ttl=token_ttl)
    except ValueError as exc:
        _fail_now(f"{exc} — see --help")
    except OSError as exc:
        _fail_now(f"cannot listen on {host}:{port} ({exc.strerror or exc}) — try another --port")


def _parse_rate_now(text: str | None) -> tuple[int, float] | None:
    try:
        return _parse_rate(text)
    except _Exit as exc:
        _fail_now(exc.message)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
