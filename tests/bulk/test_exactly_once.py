"""Exactly-once import with ``key`` on every server version, key type and failure timing.

Runs on virtual time (``tests/virtual_time.py``): the settle period, late commits and retry
backoffs take no wall-clock time and cannot be missed on a loaded machine.

Server behaviour relied on:

* dates are read back as ISO with the server's offset — ``"2030-06-20"`` comes back as
  ``"2030-06-20T00:00:00+02:00"`` (recorded from a 5.0 server: the reference's
  ``openapi/v5.0-test-snapshots/test_base_operations/`` listRows snapshot);
* a number column stores numbers (``"42"`` is 42; invalid input null — API_ISSUES #5's rule
  for dates, `seatable-api.md` §10.9);
* SQL ``parameters`` exist only from 5.0 (reference §0; the 4.4 gateway has none);
* a proxy may answer 502/504 while the backend still applies the write ("late commit":
  `seatable-api.md` §10 pitfalls, the review's reconciliation race; the emulator's
  ``Faults(rate_late_commit=…)``);
* legacy dtable-server appends one row per request to learn ids (reference §5).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import anyio
import anyio.abc
import httpx
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator, Faults
from tests.virtual_time import wall_clock

pytestmark = [pytest.mark.anyio, pytest.mark.virtual_time]

URL = "http://127.0.0.1"
RETRY = sa.RetryPolicy(max_attempts=8, backoff_base=0.05, backoff_max=0.5, rate_limit_wait=0.1)


def _setup(
    version: str = "6.0", columns: dict[str, Any] | None = None, **options: Any
) -> tuple[Emulator, Any, str]:
    emu = Emulator(version=version, clock=wall_clock(), **options)
    emu.add_user("a@example.com", "pw")
    columns = columns or {"Email": "text", "Name": "text", "N": "number"}
    info = emu.add_base(owner="a@example.com", name="B", tables={"T": columns})
    return emu, info, emu.add_api_token(info)


def _client(emu: Emulator) -> sa.Client:
    return sa.Client(URL, transport=emu.transport(), retry=RETRY, clock=wall_clock())


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"Email": f"user{i}@example.com", "Name": f"n{i}", "N": i} for i in range(n)]


def _exact(
    report: sa.ImportReport, emu: Emulator, info: Any, key: str, expected: list[Any]
) -> None:
    """Every key stored exactly once, and the report says exactly that."""
    stored = emu.rows(info, "T")
    counts = Counter(str(r[key]) for r in stored)
    assert len(stored) == len(expected), (len(stored), len(expected))
    assert all(n == 1 for n in counts.values()), [k for k, n in counts.items() if n > 1][:5]
    assert report.ok
    assert report.inserted_count == len(expected)
    assert report.failed_count == report.maybe_applied_count == 0
    assert sorted(rid for _, rid in report.inserted) == sorted(r["_id"] for r in stored)


@pytest.mark.parametrize("version", ["4.0", "4.4", "5.0", "6.0"])
async def test_import_with_key_under_faults_lands_every_row_once(version: str) -> None:
    """Lost answers, 5xx after the write and late commits, on every routing: the legacy
    per-row appends (4.0), the 4.4 gateway without SQL parameters, 5.0 and 6.0."""
    faults = Faults(
        seed=11, rate_5xx=0.04, rate_lost=0.04, rate_late_commit=0.04, late_commit_delay=1.5
    )
    emu, info, token = _setup(version, faults=faults)
    rows = _rows(1200 if version == "4.0" else 3000)
    async with _client(emu) as client:
        report = await client.base(token).import_rows("T", rows, key="Email", batch_size=100)
    emu.apply_late_writes(everything=True)
    assert report.reconciled_batches > 0
    _exact(report, emu, info, "Email", [r["Email"] for r in rows])


async def test_late_commits_never_duplicate() -> None:
    """12 % of the batches are answered 504/502 at once and applied 1.5 s later (the issue
    measured 400 duplicates of 5,000 when reconciling at once)."""
    emu, info, token = _setup(faults=Faults(seed=5, rate_late_commit=0.12, late_commit_delay=1.5))
    rows = _rows(5000)
    async with _client(emu) as client:
        report = await client.base(token).import_rows("T", rows, key="Email", batch_size=100)
    emu.apply_late_writes(everything=True)
    assert emu.stats.late_writes >= 4
    assert report.duplicates_removed == ()  # the settle period saw them land
    _exact(report, emu, info, "Email", [r["Email"] for r in rows])


class _LateOnce(httpx.AsyncBaseTransport):
    """Answers the ``nth`` row append with an nginx 504 at once, and hands the request to the
    server ``delay`` seconds later (a proxy that gave up on a backend that went on)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, tg: anyio.abc.TaskGroup, nth: int):
        self.inner, self.tg, self.nth, self.appends = inner, tg, nth, 0
        self.delay = 3.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/rows/"):
            self.appends += 1
            if self.appends == self.nth:
                body = await request.aread()
                late = httpx.Request(
                    request.method, request.url, headers=request.headers, content=body
                )

                async def land() -> None:
                    await anyio.sleep(self.delay)
                    await self.inner.handle_async_request(late)

                self.tg.start_soon(land)
                return httpx.Response(504, text="<html><h1>504 Gateway Time-out</h1></html>")
        return await self.inner.handle_async_request(request)


async def test_a_write_landing_after_the_resend_is_swept() -> None:
    """A late write slower than the settle period (3 s against 2 s): the batch is re-sent, the
    original lands afterwards, and the duplicate sweep — a settle period after the re-send —
    deletes the copies the import created and lists them."""
    emu, info, token = _setup()
    rows = _rows(1000)
    async with anyio.create_task_group() as tg:
        transport = _LateOnce(emu.transport(), tg, nth=3)
        async with sa.Client(URL, transport=transport, retry=RETRY, clock=wall_clock()) as client:
            base = client.base(token)
            report = await base.import_rows("T", rows, key="Email", batch_size=100, settle=2.0)
    assert report.reconciled_batches == 1
    assert len(report.duplicates_removed) == 100
    stored_ids = {r["_id"] for r in emu.rows(info, "T")}
    assert not stored_ids & set(report.duplicates_removed)
    _exact(report, emu, info, "Email", [r["Email"] for r in rows])


async def test_a_date_key_given_as_text_matches_what_the_server_returns() -> None:
    """The server answers dates with its offset; keys are compared by calendar day (the issue
    measured 750 duplicates of 3,000 comparing the raw text)."""
    faults = Faults(seed=2, rate_lost=0.1, rate_5xx=0.05)
    emu, info, token = _setup(
        columns={"Day": "date", "Name": "text"}, faults=faults, timezone="+02:00"
    )
    day = [f"{2030 + i // 360}-{1 + (i // 30) % 12:02d}-{1 + i % 28:02d}" for i in range(3000)]
    rows = [{"Day": d, "Name": f"n{i}"} for i, d in enumerate(dict.fromkeys(day))]
    async with _client(emu) as client:
        base = client.base(token)
        report = await base.import_rows("T", rows, key="Day", batch_size=100)
        again = await base.import_rows("T", rows, key="Day", batch_size=100, skip_existing=True)
        sample = await base.list_rows("T", limit=1)
    assert sample[0]["Day"].endswith("T00:00:00+02:00")  # what a real server answers
    assert again.inserted_count == len(rows)  # every row found, none sent again
    stored = [r["Day"][:10] for r in emu.rows(info, "T")]
    assert sorted(stored) == sorted(r["Day"] for r in rows)
    assert report.ok and report.inserted_count == len(rows)


async def test_a_number_key_given_as_strings() -> None:
    """``"42"``, ``42`` and ``42.0`` are one key for a number column."""
    emu, info, token = _setup(faults=Faults(seed=8, rate_lost=0.15))
    rows = [{"Email": f"e{i}", "N": str(i) if i % 2 else float(i)} for i in range(2000)]
    async with _client(emu) as client:
        base = client.base(token)
        report = await base.import_rows("T", rows, key="N", batch_size=100)
        again = await base.import_rows("T", rows, key="N", skip_existing=True)
    assert report.reconciled_batches > 0
    assert again.inserted_count == len(rows)
    stored = sorted(r["N"] for r in emu.rows(info, "T"))
    assert stored == list(range(2000))


async def test_repeated_keys_in_the_input_are_reported_not_merged() -> None:
    emu, info, token = _setup()
    rows = [*_rows(300), {"Email": "user5@example.com", "Name": "again"}]
    async with _client(emu) as client:
        report = await client.base(token).import_rows(
            "T", rows, key="Email", batch_size=100, raise_on_failure=False
        )
    assert report.inserted_count == 300 and report.failed_count == 1
    (failure,) = report.failed
    assert list(failure.indices) == [300]
    assert "input row 5" in str(failure.error)
    assert len(emu.rows(info, "T")) == 300


@pytest.mark.parametrize("column_type", ["formula", "link", "multiple-select", "collaborator"])
async def test_key_columns_the_server_reshapes_are_refused_before_sending(column_type: str) -> None:
    emu, info, token = _setup(columns={"Email": "text", "K": column_type})
    async with _client(emu) as client:
        with pytest.raises(sa.ConfigurationError, match="computes or reshapes"):
            await client.base(token).import_rows("T", _rows(10), key="K")
    assert emu.rows(info, "T") == []


async def test_the_settle_period_is_spent_once_per_ambiguous_batch() -> None:
    """The settle wait runs concurrently with other batches: an import with one ambiguous
    batch takes about one settle period longer, not one per row."""
    emu, info, token = _setup(faults=Faults(seed=1, rate_lost=0.05))
    rows = _rows(2000)
    async with _client(emu) as client:
        started = anyio.current_time()
        base = client.base(token)
        report = await base.import_rows("T", rows, key="Email", batch_size=100, settle=5.0)
        elapsed = anyio.current_time() - started
    assert report.reconciled_batches >= 1
    assert 5.0 <= elapsed < 5.0 * (report.reconciled_batches + 1) + 1.0
    _exact(report, emu, info, "Email", [r["Email"] for r in rows])
