"""Leaving the client with work in flight, cancelled imports, and stale Base-Token leases."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

import seatable_async as sa
from seatable_async.bulk import ImportJob, ImportProgress, ImportReport
from seatable_async.emulator import Emulator, Faults

from ._helpers import FAST_RETRY, running_tasks

pytestmark = [
    pytest.mark.anyio,
    # httpx leaves its request-body generator unclosed when a send is cancelled mid-way
    # (an httpx quirk, not ours); it surfaces as an unraisable ResourceWarning at GC time.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:Async generator 'httpx:ResourceWarning"),
]

TABLE = "T"
COLUMNS = {TABLE: {"Key": "text", "Value": "number"}}


def _rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"Key": f"k{i}", "Value": i} for i in range(start, start + n)]


def _accounts(report: ImportReport) -> None:
    assert report.inserted_count + report.failed_count + report.maybe_applied_count == (
        report.rows_read
    )


async def test_leaving_the_client_with_requests_refreshes_and_imports_in_flight() -> None:
    emu = Emulator("6.0", token_ttl=0.3)
    a = emu.add_base(owner="s@example.com", name="A", tables=COLUMNS)
    b = emu.add_base(owner="s@example.com", name="B", tables=COLUMNS)
    token_a, token_b = emu.add_api_token(a), emu.add_api_token(b)
    outcomes: list[str] = []
    jobs: list[ImportJob] = []
    baseline = running_tasks()

    async def run(started: anyio.Event, coro_fn: Any) -> None:
        started.set()
        try:
            await coro_fn()
            outcomes.append("finished")
        except sa.ClientClosedError:
            outcomes.append("closed")
        except sa.BulkImportError:
            outcomes.append("import-failed")

    async with emu.serve() as url, anyio.create_task_group() as tg:
        async with sa.Client(url, retry=FAST_RETRY) as client:
            base_a, base_b = client.base(token_a), client.base(token_b)
            await base_a.list_rows(TABLE)
            await base_b.append_rows(TABLE, _rows(5))
            pool = client._http._transport._pool  # type: ignore[union-attr]
            seen = list(pool.connections)
            token = base_a._ctx.peek()
            assert token is not None
            # Let both Base-Tokens pass their mandatory refresh point (clock, not synchronisation).
            await anyio.sleep(max(0.0, token.must_refresh_at - anyio.current_time()) + 0.02)
            emu.latency = 20.0  # every request from now on hangs at the server
            work = [client.ping, client.server_info, lambda: base_a.list_rows(TABLE)]
            work += [lambda: base_a.sql("SELECT * FROM T")]  # waits on the due refresh
            job = ImportJob(base_b, TABLE, _rows(3000, 100), key="Key", batch_size=100)
            jobs.append(job)
            work.append(job.run)
            for fn in work:
                started = anyio.Event()
                tg.start_soon(run, started, fn)
                await started.wait()
            await anyio.wait_all_tasks_blocked()
            seen += list(pool.connections)
            assert len(pool.connections) >= 3  # requests really are on the wire
            leaving = anyio.current_time()
        elapsed = anyio.current_time() - leaving
        emu.latency = 0.0
    # Far below the 20 s the server would take: in-flight work was cut off, not awaited.
    assert elapsed < 10.0, f"leaving the client took {elapsed:.2f}s"
    assert outcomes == ["closed"] * 5, outcomes
    assert client._task_group is None and client._http is None
    assert pool.connections == [] and all(c.is_closed() for c in seen)
    assert running_tasks() == baseline
    report = jobs[0].report
    _accounts(report)
    landed = {r["Key"] for r in emu.rows(b, TABLE)} - {f"k{i}" for i in range(5)}
    inserted = {f"k{100 + i}" for i, _ in report.inserted}
    assert inserted <= landed
    maybe = {f"k{100 + i}" for m in report.maybe_applied for i in m.indices}
    assert landed <= inserted | maybe


async def test_cancelled_import_reports_exactly_what_landed_and_resumes_exactly_once(
    anyio_backend: str,
) -> None:
    """Cancel mid-way on the loopback emulator with latency and lost responses; the report
    matches the table; re-importing what was not inserted (with key) lands every row once."""
    emu = Emulator("6.0", latency=0.01, faults=Faults(seed=9, rate_lost=0.1, rate_5xx=0.05))
    base = emu.add_base(owner="s@example.com", name="C", tables=COLUMNS)
    token = emu.add_api_token(base)
    rows = _rows(6000)
    async with emu.serve() as url, sa.Client(url, retry=FAST_RETRY) as client:
        handle = client.base(token)
        with anyio.CancelScope() as scope:

            def progress(event: ImportProgress) -> None:
                if event.rows_done >= 1500:
                    scope.cancel()

            job = ImportJob(
                handle,
                TABLE,
                iter(rows),
                key="Key",
                batch_size=100,
                concurrency=6,
                on_progress=progress,
            )
            await job.run()
        assert scope.cancelled_caught
    # Leaving serve() waits for the server to finish every request it had received.
    report = job.report
    _accounts(report)
    assert report.cancelled and report.rows_read < len(rows)
    stored = {r["Key"]: r["_id"] for r in emu.rows(base, TABLE)}
    inserted = {rows[i]["Key"]: rid for i, rid in report.inserted}
    assert all(stored[k] == rid for k, rid in inserted.items())  # ids are the real ones
    maybe = {rows[i]["Key"] for m in report.maybe_applied for i in m.indices}
    failed = {rows[i]["Key"] for f in report.failed for i in f.indices}
    unaccounted = set(stored) - set(inserted) - maybe
    assert not unaccounted, (len(unaccounted), len(unaccounted & failed))
    assert not (set(stored) & failed)  # "failed" rows really are absent
    # Resume: the rows not inserted, plus everything never read.
    emu.faults = None
    rest = [r for r in rows if r["Key"] not in inserted]
    async with sa.Client("http://127.0.0.1", transport=emu.transport()) as client:
        second = await client.base(token).import_rows(
            TABLE, rest, key="Key", batch_size=500, skip_existing=True
        )
    assert second.inserted_count == len(rest)
    keys = [r["Key"] for r in emu.rows(base, TABLE)]
    assert len(keys) == len(set(keys)) == len(rows)
