"""One contract for every kind of source: each row taken from it is sent, failed or reported
as not sent — after a source error, after a cancellation, for async and sync sources alike,
and a resumed import (``skip_existing``) stores nothing twice.

Server behaviour relied on: appending rows stores them in order and answers their ids
(``/work/shared/reference/seatable-api.md``, "append rows"), as the emulator does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from seatable_async import BulkImportError, Client
from seatable_async.bulk import ImportJob, ImportReport
from seatable_async.bulk._source import CANCEL_GRACE
from seatable_async.emulator import Emulator
from seatable_async.emulator.demo import seed_demo

from .conftest import FAST_RETRY, TABLE, contacts
from .test_import_emulator import _assert_accounts

pytestmark = pytest.mark.anyio


def _client(emu: Emulator) -> Client:
    return Client("http://127.0.0.1", transport=emu.transport(), retry=FAST_RETRY)


async def test_an_async_source_that_raises_keeps_its_partial_batch(emu: Emulator) -> None:
    """The issue's probe: 1,500 rows then an error; all 1,500 are stored and reported (the
    partly filled second batch used to be thrown away)."""
    demo = seed_demo(emu)

    async def rows() -> AsyncIterator[dict[str, Any]]:
        for row in contacts(1500):
            yield row
        raise ValueError("the feed broke at 1,501")

    async with _client(emu) as client:
        with pytest.raises(BulkImportError) as info:
            await client.base(demo.api_token).import_rows(TABLE, rows(), batch_size=1000)
    report = info.value.report
    _assert_accounts(report)
    assert report.rows_read == 1500 == report.inserted_count
    assert not report.complete
    assert isinstance(info.value.__cause__, ValueError)
    assert len(emu.rows(demo.base, TABLE)) == 1500


async def _cancel_one_shot(emu: Emulator, demo: Any, *, handed_out: int) -> ImportReport:
    """Import from a one-shot async source that hands out ``handed_out`` rows and then waits
    for more; cancel the import once it waits (rows taken cannot be asked for again)."""
    drained = anyio.Event()

    async def feed() -> AsyncIterator[dict[str, Any]]:
        for row in contacts(handed_out):
            yield row
        drained.set()
        await anyio.sleep_forever()
        yield {}  # never reached

    async with _client(emu) as client:
        job = ImportJob(client.base(demo.api_token), TABLE, feed(), batch_size=1000)
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(job.run)
                await drained.wait()
                scope.cancel()
    return job.report


async def test_cancelling_an_async_one_shot_source_reports_every_row_taken(
    emu: Emulator,
) -> None:
    """Cancelled while 500 rows sit in a partly filled batch: they are in the report as not
    sent (a one-shot source cannot give them again), and ``complete`` is False."""
    demo = seed_demo(emu)
    report = await _cancel_one_shot(emu, demo, handed_out=2500)
    _assert_accounts(report)
    assert report.cancelled and not report.complete
    assert report.rows_read == 2500
    stored = len(emu.rows(demo.base, TABLE))
    assert report.inserted_count + report.maybe_applied_count >= stored >= report.inserted_count
    not_sent = [i for f in report.failed for i in f.indices]
    assert min(not_sent) >= 2000 and max(not_sent) == 2499


async def test_resuming_a_cancelled_import_stores_nothing_twice(emu: Emulator) -> None:
    demo = seed_demo(emu)
    report = await _cancel_one_shot(emu, demo, handed_out=2500)
    assert report.failed_count > 0
    async with _client(emu) as client:
        again = await client.base(demo.api_token).import_rows(
            TABLE, list(contacts(2500)), key="Email", skip_existing=True, batch_size=1000
        )
    assert again.ok and again.inserted_count == 2500
    emails = [r["Email"] for r in emu.rows(demo.base, TABLE)]
    assert len(emails) == len(set(emails)) == 2500


async def test_a_blocking_sync_source_cannot_hold_a_cancellation(emu: Emulator) -> None:
    """A sync source that blocks forever (a queue nobody fills) after 300 rows: the
    cancellation ends the import within ``CANCEL_GRACE`` seconds of real time, and the 300
    rows taken are in the report."""
    demo = seed_demo(emu)
    release, blocked = threading.Event(), threading.Event()

    def rows() -> Iterator[dict[str, Any]]:
        yield from contacts(300)
        blocked.set()
        release.wait()  # blocks until the test ends
        yield from contacts(1, start=300)

    try:
        async with _client(emu) as client:
            job = ImportJob(client.base(demo.api_token), TABLE, rows(), batch_size=100)
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(job.run)
                    await anyio.to_thread.run_sync(blocked.wait)
                    started = time.monotonic()
                    scope.cancel()
            waited = time.monotonic() - started
    finally:
        release.set()
    report = job.report
    _assert_accounts(report)
    assert report.cancelled and not report.complete
    assert report.rows_read == 300
    assert waited < CANCEL_GRACE + 1.0
