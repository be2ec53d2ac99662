"""What the command line prints: the progress bar, report and summary tables, failure lines."""

from __future__ import annotations

import datetime
import time
from typing import Any

import attrs
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

from seatable_async import Base, BaseTokenInfo, BulkImportError, ClientStats
from seatable_async.bulk import ImportJob, ImportOptions, ImportProgress, ImportReport, RowSource

__all__ = [
    "PlainProgress",
    "ProgressBar",
    "client_summary",
    "duration",
    "failure_lines",
    "report_table",
    "run_job",
    "token_table",
]


class PlainProgress:
    """Progress as plain lines, for output that is not a terminal (a log, a pipe, CI).

    A redrawn bar there would be a stream of control codes, or nothing until the end: instead
    one line each time another tenth is done (or, without a total, every ``every`` rows).
    """

    def __init__(self, console: Console, label: str, every: int = 50_000):
        self.console = console
        self.label = label
        self.every = every
        self._step = 0

    def update(self, done: int, total: int | None) -> None:
        if total:
            step = min(10, done * 10 // total)
            if step > self._step:
                self._step = step
                self._say(f"{done:,} / {total:,} rows ({step * 10}%)")
        elif done >= (self._step + 1) * self.every:
            self._step = done // self.every
            self._say(f"{done:,} rows")

    def _say(self, text: str) -> None:
        self.console.print(f"{self.label}: {text}", highlight=False, markup=False)


class ProgressBar:
    """Renders `ImportProgress` events as a rich progress bar (plain lines when the console is
    not a terminal, see `PlainProgress`)."""

    def __init__(self, console: Console, total: int | None, label: str):
        self.total = total
        self.plain = None if console.is_terminal else PlainProgress(console, label)
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
            disable=self.plain is not None,
        )
        self.task = self.progress.add_task(label, total=total, rate="0", issues="")

    def __call__(self, event: ImportProgress) -> None:
        settled = event.rows_done + event.rows_failed + event.rows_maybe_applied
        issues = ""
        if event.rows_failed or event.rows_maybe_applied:
            issues = f"[red]{event.rows_failed} failed, {event.rows_maybe_applied} maybe[/]"
        if self.plain is not None:
            self.plain.update(settled, self.total)
            return
        self.progress.update(
            self.task, completed=settled, rate=f"{event.rows_per_second:,.0f}", issues=issues
        )


def report_table(report: ImportReport) -> Table:
    """The counts of one import."""
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


def failure_lines(report: ImportReport, limit: int = 5) -> list[str]:
    """The first failed and maybe-applied batches, one line each."""
    lines: list[str] = []
    for failure in report.failed[:limit]:
        lines.append(f"failed rows {_span(failure.indices)}: {failure.error}")
    for maybe in report.maybe_applied[:limit]:
        lines.append(f"maybe applied rows {_span(maybe.indices)}: {maybe.error}")
    for links in report.links_failed[:limit]:
        lines.append(f"rows {_span(links.indices)} inserted without their links: {links.error}")
    return lines


def _span(indices: Any) -> str:
    items = list(indices)
    if not items:
        return "-"
    # Input index 0 is the first data row; print 1-based row numbers.
    return f"{items[0] + 1}" if len(items) == 1 else f"{items[0] + 1}..{items[-1] + 1}"


async def run_job(
    base: Base,
    table: str,
    rows: RowSource,
    options: ImportOptions,
    console: Console,
    total: int | None,
    label: str,
) -> ImportReport:
    """Import ``rows`` behind a progress bar; return the report also when rows failed."""
    bar = ProgressBar(console, total, label)
    job = ImportJob(base, table, rows, attrs.evolve(options, on_progress=bar))
    with bar.progress:
        try:
            report = await job.run()
        except BulkImportError as exc:
            report = exc.report
        bar(job.progress())
    return report


def client_summary(
    stats: ClientStats, uses_gateway: bool, report: ImportReport, count: Any, elapsed: float
) -> Table:
    """What the client did during the demo: requests, tokens, scheme, retries, throughput."""
    summary = Table(title="What the client did", show_header=False)
    summary.add_row("HTTP requests", f"{stats.requests:,}")
    summary.add_row("Base-Token requests", f"{stats.token_requests}")
    summary.add_row("Base-Token refreshes", f"{stats.token_refreshes}")
    summary.add_row("Base-Token rejections", f"{stats.token_rejections}")
    summary.add_row(
        "header scheme", f"{stats.scheme} ({'confirmed' if stats.scheme_confirmed else 'probing'})"
    )
    summary.add_row("routing", "API gateway" if uses_gateway else "dtable-server / dtable-db")
    retries = ", ".join(f"{k}: {v}" for k, v in sorted(stats.retries.items())) or "none"
    summary.add_row("retries", f"{stats.total_retries} ({retries})")
    summary.add_row("429 answers", f"{stats.rate_limited}")
    summary.add_row("rows/s", f"{report.rows_per_second:,.0f}")
    summary.add_row("rows on the server (SQL COUNT)", f"{count}")
    summary.add_row("total time", f"{elapsed:.1f} s")
    return summary


def token_table(data: BaseTokenInfo) -> Table:
    """What a Base-Token allows (never the token itself)."""
    expires = datetime.datetime.fromtimestamp(data.expires_at, tz=datetime.timezone.utc)
    left = data.expires_at - time.time()
    table = Table(title="Base-Token", show_header=False)
    table.add_row("base", f"{data.dtable_name or '?'} ({data.dtable_uuid})")
    table.add_row("permission", "read-write" if data.permission == "rw" else "read-only")
    table.add_row("expires", f"{expires:%Y-%m-%d %H:%M:%S} UTC (in {duration(left)})")
    table.add_row("routing", "API gateway" if data.uses_gateway else "dtable-server / dtable-db")
    if data.app_name:
        table.add_row("app", data.app_name)
    if data.workspace_id is not None:
        table.add_row("workspace", str(data.workspace_id))
    return table


def duration(seconds: float) -> str:
    """``seconds`` in the largest unit that fits (days, hours, minutes, seconds)."""
    seconds = max(0.0, seconds)
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"
