"""Behaviour of the bulk importer against the in-process emulator (asyncio and trio)."""

from __future__ import annotations

import collections
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from seatable_async import BulkImportError, Client, ConfigurationError, PermissionDeniedError
from seatable_async.bulk import ImportJob, ImportProgress, ImportReport
from seatable_async.emulator import Emulator, Faults
from seatable_async.emulator.demo import seed_demo

from .conftest import FAST_RETRY, TABLE, contacts


async def import_rows(base: Any, table: str, source: Any, **options: Any) -> ImportReport:
    return await base.import_rows(table, source, **options)


pytestmark = pytest.mark.anyio


def _client(emu: Emulator, **kwargs: Any) -> Client:
    kwargs.setdefault("retry", FAST_RETRY)
    return Client("http://127.0.0.1", transport=emu.transport(), **kwargs)


def _assert_accounts(report: ImportReport) -> None:
    assert report.inserted_count + report.failed_count + report.maybe_applied_count == (
        report.rows_read
    )
    assert len(report.row_ids) == report.rows_read
    assert sum(1 for _ in report.inserted) == report.inserted_count
    every = [i for f in report.failed for i in f.indices]
    every += [i for m in report.maybe_applied for i in m.indices]
    every += [i for i, _ in report.inserted]
    assert sorted(every) == list(range(report.rows_read))


async def test_plain_import_returns_ids_in_input_order(emu: Emulator) -> None:
    demo = seed_demo(emu)
    events: list[ImportProgress] = []
    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token),
            TABLE,
            contacts(2500),
            batch_size=300,
            concurrency=4,
            on_progress=events.append,
        )
        stats = client.stats
    assert report.ok
    assert report.rows_read == 2500
    assert report.batches == 9
    _assert_accounts(report)
    stored = {row["_id"]: row["Email"] for row in emu.rows(demo.base, TABLE)}
    assert len(stored) == 2500
    assert [stored[row_id] for _, row_id in report.inserted] == [
        f"user{i}@example.com" for i in range(2500)
    ]
    assert stats.token_requests == 1
    assert len(events) == 9
    assert events[-1].rows_done == 2500
    assert all(isinstance(e, ImportProgress) for e in events)


async def test_async_source_and_async_progress(emu: Emulator) -> None:
    demo = seed_demo(emu)
    seen: list[int] = []

    async def rows() -> AsyncIterator[dict[str, Any]]:
        for row in contacts(1200):
            yield row

    async def progress(event: ImportProgress) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(event.rows_done)

    async with _client(emu) as client:
        report = await client_base_import(client, demo.api_token, rows(), on_progress=progress)
    assert report.ok
    assert report.inserted_count == 1200
    assert sorted(seen)[-1] == 1200


async def client_base_import(client: Client, token: str, source: Any, **kw: Any) -> ImportReport:
    return await import_rows(client.base(token), TABLE, source, batch_size=500, **kw)


async def test_exactly_once_under_seeded_faults_with_key(emu: Emulator) -> None:
    demo = seed_demo(emu)
    emu.faults = Faults(seed=11, rate_429=0.01, rate_5xx=0.06, rate_reset=0.06, rate_lost=0.08)
    n = 20_000
    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token),
            TABLE,
            contacts(n),
            batch_size=250,
            concurrency=8,
            key="Email",
            settle=0.0,  # no late commits in this fault mix (see test_exactly_once.py)
        )
        stats = client.stats
    _assert_accounts(report)
    assert report.ok, report.summary()
    stored = emu.rows(demo.base, TABLE)
    counts = collections.Counter(row["Email"] for row in stored)
    assert len(stored) == n  # no duplicates ...
    assert set(counts) == {f"user{i}@example.com" for i in range(n)}  # ... and no loss
    by_email = {row["Email"]: row["_id"] for row in stored}
    assert all(report.row_ids[i] == by_email[f"user{i}@example.com"] for i in range(n))
    faults = emu.stats.faults
    assert faults["lost"] > 0
    assert faults["5xx"] > 0
    assert faults["reset"] > 0
    assert report.reconciled_batches > 0
    assert stats.token_requests == 1


async def test_without_key_ambiguous_batches_are_maybe_applied(emu: Emulator) -> None:
    demo = seed_demo(emu)
    emu.faults = Faults(seed=5, rate_5xx=0.05, rate_reset=0.05, rate_lost=0.1)
    n = 10_000
    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token),
            TABLE,
            contacts(n),
            batch_size=200,
            concurrency=6,
            raise_on_failure=False,
        )
    _assert_accounts(report)
    assert report.maybe_applied_count > 0
    assert not report.ok
    stored = {row["_id"]: row["Email"] for row in emu.rows(demo.base, TABLE)}
    # Every inserted row is stored exactly once; every stored row is either inserted or was
    # part of a maybe-applied batch (never resent, so never doubled).
    assert len(set(stored.values())) == len(stored)
    inserted = {row_id for _, row_id in report.inserted}
    assert inserted <= set(stored)
    maybe = {f"user{i}@example.com" for m in report.maybe_applied for i in m.indices}
    extra = {email for row_id, email in stored.items() if row_id not in inserted}
    assert extra <= maybe
    assert len(stored) == report.inserted_count + emu.stats.faults["lost"] * 0 + len(extra)


async def test_raises_bulk_import_error_with_report(emu: Emulator) -> None:
    demo = seed_demo(emu)
    emu.faults = Faults(seed=5, rate_lost=0.3)
    async with _client(emu) as client:
        with pytest.raises(BulkImportError) as info:
            await import_rows(client.base(demo.api_token), TABLE, contacts(3000), batch_size=100)
    report = info.value.report
    _assert_accounts(report)
    assert report.maybe_applied_count > 0
    assert str(report.maybe_applied_count) in str(info.value)


async def test_bad_rows_are_failed_with_their_index(emu: Emulator) -> None:
    demo = seed_demo(emu)
    source: list[Any] = [*contacts(3), ["not", "a", "row"], *contacts(2, start=3), {"Name": "x"}]
    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token), TABLE, source, key="Email", raise_on_failure=False
        )
    _assert_accounts(report)
    assert report.inserted_count == 5
    failed = {i: f.error for f in report.failed for i in f.indices}
    assert set(failed) == {3, 6}
    assert "row 3 is a list" in str(failed[3])
    assert "key column 'Email'" in str(failed[6])
    assert report.row_ids[3] is None
    assert report.row_ids[4] is not None


async def test_duplicate_key_within_a_batch_is_rejected(emu: Emulator) -> None:
    demo = seed_demo(emu)
    rows = [*contacts(3), {"Name": "again", "Email": "user1@example.com"}]
    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token), TABLE, rows, key="Email", raise_on_failure=False
        )
    assert report.inserted_count == 3
    assert [list(f.indices) for f in report.failed] == [[3]]
    assert "repeats the key value" in str(report.failed[0].error)


async def test_unknown_table_stops_early(emu: Emulator) -> None:
    demo = seed_demo(emu)
    consumed = 0

    def rows() -> Any:
        nonlocal consumed
        for row in contacts(50_000):
            consumed += 1
            yield row

    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token),
            "Nope",
            rows(),
            batch_size=100,
            concurrency=2,
            raise_on_failure=False,
        )
        requests = client.stats.requests
    _assert_accounts(report)
    assert report.failed_count == report.rows_read
    assert not report.complete
    assert report.stopped_by is not None
    assert "table not found" in str(report.stopped_by)
    assert consumed < 5_000  # the source was not read to the end
    assert requests < 10  # and the server was not hammered


async def test_read_only_token_refused_before_reading(emu: Emulator) -> None:
    demo = seed_demo(emu)
    token = emu.add_api_token(demo.base, app_name="ro", permission="r")
    consumed = 0

    def rows() -> Any:
        nonlocal consumed
        for row in contacts(10):
            consumed += 1
            yield row

    async with _client(emu) as client:
        with pytest.raises(PermissionDeniedError):
            await import_rows(client.base(token), TABLE, rows())
    assert consumed == 0


async def test_source_error_settles_what_was_read(emu: Emulator) -> None:
    demo = seed_demo(emu)

    def rows() -> Any:
        yield from contacts(250)
        raise ValueError("line 251: broken")

    async with _client(emu) as client:
        with pytest.raises(BulkImportError) as info:
            await import_rows(client.base(demo.api_token), TABLE, rows(), batch_size=100)
    report = info.value.report
    _assert_accounts(report)
    assert report.rows_read == 250
    assert report.inserted_count == 250
    assert not report.complete
    assert isinstance(info.value.__cause__, ValueError)
    assert len(emu.rows(demo.base, TABLE)) == 250


async def test_cancellation_leaves_an_exact_report(emu: Emulator) -> None:
    demo = seed_demo(emu)
    emu.latency = 0.002
    async with _client(emu) as client:
        with anyio.CancelScope() as scope:

            def progress(event: ImportProgress) -> None:
                if event.rows_done >= 2000:
                    scope.cancel()

            job = ImportJob(
                client.base(demo.api_token),
                TABLE,
                contacts(100_000),
                batch_size=100,
                concurrency=4,
                on_progress=progress,
            )
            await job.run()
        assert scope.cancelled_caught
    report = job.report
    _assert_accounts(report)
    assert report.cancelled
    assert not report.complete
    assert report.rows_read < 100_000
    stored = {row["_id"]: row["Email"] for row in emu.rows(demo.base, TABLE)}
    inserted = {row_id for _, row_id in report.inserted}
    assert inserted <= set(stored)
    maybe = {f"user{i}@example.com" for m in report.maybe_applied for i in m.indices}
    failed = {f"user{i}@example.com" for f in report.failed for i in f.indices}
    for row_id, email in stored.items():
        assert row_id in inserted or email in maybe
        assert email not in failed
    assert report.inserted_count >= 2000


async def test_base_token_expiring_mid_import(emu: Emulator) -> None:
    emu.token_ttl = 1.0
    emu.latency = 0.015
    demo = seed_demo(emu)
    started = time.monotonic()
    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token),
            TABLE,
            contacts(6000),
            batch_size=10,
            concurrency=4,
            key="Email",
        )
        stats = client.stats
    elapsed = time.monotonic() - started
    assert report.ok
    assert elapsed > 1.5, "the import must outlive the token for this test to mean anything"
    assert stats.token_refreshes >= 1
    assert stats.token_requests == 1 + stats.token_refreshes
    assert emu.stats.token_requests["api"] == stats.token_requests
    assert len(emu.rows(demo.base, TABLE)) == 6000


async def test_base_token_rejected_as_expired_is_reminted_once(emu: Emulator) -> None:
    """The server's clock jumps past the token's expiry: one re-mint, replay, no loss."""
    demo = seed_demo(emu)
    batches = 0

    def progress(event: ImportProgress) -> None:
        nonlocal batches
        batches += 1
        if batches in (10, 30):
            emu.advance(4 * 86400)

    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token),
            TABLE,
            contacts(5000),
            batch_size=100,
            concurrency=3,
            key="Email",
            on_progress=progress,
        )
        stats = client.stats
    assert report.ok
    assert emu.stats.rejected_tokens >= 2
    assert stats.token_requests == 3 == emu.stats.token_requests["api"]
    assert len(emu.rows(demo.base, TABLE)) == 5000


async def test_rate_limited_import_has_no_429_storm(emu: Emulator) -> None:
    """Whatever the pacing, the limiter keeps 429s at or below 1 % of requests."""
    limit = 50
    emu.rate_limit = (limit, 1.0)
    demo = seed_demo(emu)
    async with _client(emu) as client:
        report = await import_rows(
            client.base(demo.api_token), TABLE, contacts(limit * 10), batch_size=5, concurrency=12
        )
        sent, rate_limited = client.stats.requests, client.stats.rate_limited
    assert report.ok
    assert sent >= 100
    assert rate_limited <= 0.01 * sent


async def test_arguments_are_validated(emu: Emulator) -> None:
    demo = seed_demo(emu)
    async with _client(emu) as client:
        base = client.base(demo.api_token)
        for kwargs in (
            {"batch_size": 1001},
            {"batch_size": 0},
            {"concurrency": 0},
            {"key": ""},
            {"key": 3},
        ):
            with pytest.raises(ConfigurationError):
                await import_rows(base, TABLE, contacts(1), **kwargs)
        with pytest.raises(ConfigurationError):
            await import_rows(base, "", contacts(1))
        with pytest.raises(ConfigurationError):
            await import_rows(base, TABLE, {"Name": "a dict is not a source"})
        assert client.stats.requests == 0


async def test_base_import_rows_wrapper(emu: Emulator) -> None:
    demo = seed_demo(emu)
    async with _client(emu) as client:
        report = await client.base(demo.api_token).import_rows(TABLE, contacts(1500), key="Email")
    assert report.ok
    assert report.inserted_count == 1500


async def test_skip_existing_resumes_an_import_exactly_once(emu: Emulator) -> None:
    demo = seed_demo(emu)
    rows = list(contacts(3000))
    async with _client(emu) as client:
        base = client.base(demo.api_token)
        first = await import_rows(base, TABLE, rows[:1200], key="Email")
        again = await import_rows(
            base, TABLE, rows, key="Email", batch_size=500, skip_existing=True
        )
        sql_calls = client.stats.requests
    assert again.ok
    assert again.inserted_count == 3000
    assert [again.row_ids[i] for i in range(1200)] == list(first.row_ids)
    emails = [r["Email"] for r in emu.rows(demo.base, TABLE)]
    assert len(emails) == len(set(emails)) == 3000
    assert sql_calls >= first.requests + again.batches  # one existence check per batch


async def test_skip_existing_needs_a_key(emu: Emulator) -> None:
    demo = seed_demo(emu)
    async with _client(emu) as client:
        with pytest.raises(ConfigurationError, match="key"):
            await import_rows(client.base(demo.api_token), TABLE, contacts(1), skip_existing=True)
