"""Batched writes report what landed when one batch fails (``error.partial``).

Server behaviour relied on: append, update and delete take at most 1,000 / 1,000 / 10,000 rows
per request (reference `seatable-api.md` §8, "Size limits per call"); a 5xx after a write may
hide an applied write (reference §10, pitfalls; DESIGN §3.4).
"""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

import seatable_async as sa
from tests.core.fakes import FakeSeaTable, api_token

pytestmark = pytest.mark.anyio

URL = "http://127.0.0.1"


def _nth_append(n: int, response: httpx.Response):  # type: ignore[no-untyped-def]
    seen = [0]

    def step(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and request.url.path.endswith("/rows/"):
            seen[0] += 1
            if seen[0] == n:
                return response
        return None

    return step


@pytest.mark.parametrize(
    ("answer", "kind", "middle"),
    [
        (httpx.Response(502, text="<html>Bad Gateway</html>"), sa.MaybeAppliedError, "maybe"),
        (httpx.Response(400, json={"error_message": "bad row"}), sa.BadRequestError, "not"),
    ],
    ids=["maybe-applied", "refused"],
)
async def test_a_failed_batch_reports_what_landed(
    answer: httpx.Response, kind: type[sa.SeaTableError], middle: str
) -> None:
    fake = FakeSeaTable()
    rows = [{"Name": f"r{i}"} for i in range(2500)]
    async with sa.Client(URL, transport=fake.transport(), max_concurrency=1) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        fake.script.append(_nth_append(2, answer))
        with pytest.raises(kind) as caught:
            await base.append_rows("T", rows, encode=False)
    partial = caught.value.partial
    assert partial is not None and partial.total == 2500
    assert partial.applied == tuple(range(1000))  # one at a time: nothing started after
    assert partial.row_ids == {i: fake.rows[i]["_id"] for i in range(1000)}
    second = tuple(range(1000, 2000))
    if middle == "maybe":
        assert partial.maybe_applied == second
        assert partial.not_applied == tuple(range(2000, 2500))
    else:
        assert partial.maybe_applied == ()
        assert partial.not_applied == tuple(range(1000, 2500))
    assert [r["Name"] for r in fake.rows] == [f"r{i}" for i in range(1000)]


async def test_concurrent_batches_that_landed_are_all_reported() -> None:
    fake = FakeSeaTable()
    rows = [{"Name": f"r{i}"} for i in range(3000)]
    async with sa.Client(URL, transport=fake.transport(), max_concurrency=8) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        fake.script.append(_nth_append(2, httpx.Response(503)))
        with pytest.raises(sa.MaybeAppliedError) as caught:
            await base.append_rows("T", rows, encode=False)
    partial = caught.value.partial
    assert partial is not None
    stored = {r["Name"]: r["_id"] for r in fake.rows}
    assert {rows[i]["Name"]: rid for i, rid in partial.row_ids.items()} == stored
    assert len(partial.applied) == 2000 and len(partial.maybe_applied) == 1000
    assert set(partial.applied) | set(partial.maybe_applied) == set(range(3000))


async def test_delete_reports_positions() -> None:
    fake = FakeSeaTable()

    def deletes(request: httpx.Request) -> httpx.Response | None:
        if request.method != "DELETE":
            return None
        fake.script.append(deletes)  # stay scripted for every DELETE
        ids = json.loads(request.content)["row_ids"]
        if len(ids) == 2000:  # the second batch
            return httpx.Response(404, json={"error_message": "table not found"})
        return httpx.Response(200, json={"success": True})

    fake.script.append(deletes)
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        with pytest.raises(sa.NotFoundError) as caught:
            await base.delete_rows("T", [f"id{i}" for i in range(12_000)])
    partial = caught.value.partial
    assert partial is not None and partial.total == 12_000
    assert partial.applied == tuple(range(10_000))
    assert partial.not_applied == tuple(range(10_000, 12_000))


async def test_a_slow_synchronous_source_does_not_block_other_tasks() -> None:
    """``import_rows`` reads a plain iterable in a worker thread: a generator that blocks
    (a file, a database cursor) leaves the event loop free."""
    import threading

    fake = FakeSeaTable()
    unblocked = threading.Event()
    loop_ran: list[bool] = []

    def rows():  # type: ignore[no-untyped-def]
        for i in range(10):
            yield {"Name": f"r{i}"}
        # Blocks until a task on the event loop runs: deadlocks if read on the loop.
        loop_ran.append(unblocked.wait(timeout=30))
        for i in range(10, 20):
            yield {"Name": f"r{i}"}

    async def on_the_loop() -> None:
        await anyio.sleep(0.01)
        unblocked.set()

    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        async with anyio.create_task_group() as tg:
            tg.start_soon(on_the_loop)
            report = await base.import_rows("T", rows(), batch_size=5, encode=False)
    assert loop_ran == [True]
    assert report.inserted_count == 20
    assert json.dumps([r["Name"] for r in fake.rows]) == json.dumps([f"r{i}" for i in range(20)])
