"""Live events: events/s through ``base.events()`` and the latency from a write to its event.

The emulator is served on loopback (uvicorn in a thread of this process: the emulator's
Socket.IO server and the SDK's client share one interpreter, so the figures are on the
conservative side). Three measurements:

1. **Stream throughput**: operations published straight on the emulator's event bus from a
   thread, as fast as it can, and read by one consumer: the Socket.IO path plus the SDK's
   parsing, buffering and conversion (no REST writes in the way).
2. **End to end**: 8 concurrent writers each appending single rows through the REST API while
   the stream reads every event: events/s with real writes.
3. **Latency**: one row at a time; from just before ``append_rows`` is sent to the event read
   by the consumer (write → event), and from the emulator's commit to the event
   (commit → event). p50/p99 over the samples.

Run: ``python benchmarks/bench_events.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import threading
import time
from typing import Any

import seatable_async as sa
from seatable_async.emulator import Emulator

TABLES = {"Events": {"Name": "text", "Count": "number"}}
E2E_TIMEOUT = 300.0  # seconds; the end-to-end step reports what arrived by then


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def throughput(emu: Emulator, base: sa.Base, uuid: str, n: int) -> float:
    op: dict[str, Any] = {
        "op_type": "modify_row",
        "table_id": "0000",
        "row_id": "r",
        "updated": {"0000": "x"},
        "old_row": {"0000": ""},
    }
    async with base.events(buffer_size=n + 1) as stream:
        start = time.perf_counter()

        def publish() -> None:
            for _ in range(n):
                emu.events.emit(uuid, op)

        thread = threading.Thread(target=publish)
        thread.start()
        got = 0
        async for _ in stream:
            got += 1
            if got == n:
                break
        elapsed = time.perf_counter() - start
        thread.join()
    assert stream.dropped == 0
    return n / elapsed


async def end_to_end(base: sa.Base, n: int, writers: int = 8) -> tuple[float, int, int]:
    """Events/s with real writes; also the rows whose event arrived and the reconnects seen
    (a lost connection is caught up by ``_mtime``, so a row's event may come twice)."""
    seen: set[str] = set()
    reconnects = 0
    async with base.events(types=[sa.RowsInserted], buffer_size=n + 1) as stream:
        start = time.perf_counter()

        async def write(w: int) -> None:
            for i in range(w, n, writers):
                await base.append_rows("Events", [{"Name": f"e{i}", "Count": i}])

        async def read() -> None:
            nonlocal reconnects
            async for event in stream:
                if isinstance(event, sa.Reconnected):
                    reconnects += 1
                elif isinstance(event, sa.RowsInserted):
                    seen.update(r for r in event.row_ids if r is not None)
                if len(seen) >= n:
                    return

        tasks = [asyncio.create_task(write(w)) for w in range(writers)]
        with contextlib.suppress(asyncio.TimeoutError):  # reported: fewer rows than written
            await asyncio.wait_for(read(), timeout=E2E_TIMEOUT)
        elapsed = time.perf_counter() - start
        await asyncio.gather(*tasks)
    return len(seen) / elapsed, len(seen), reconnects


async def latency(emu: Emulator, base: sa.Base, n: int) -> tuple[list[float], list[float]]:
    committed: dict[str, float] = {}

    def on_commit(uuid: str, op: dict[str, Any], origin: object) -> None:
        for row in op.get("row_datas") or ():
            committed[row["_id"]] = time.perf_counter()

    unsubscribe = emu.events.subscribe(on_commit)
    write_to_event: list[float] = []
    commit_to_event: list[float] = []
    try:
        async with base.events(types=[sa.RowsInserted]) as stream:
            for i in range(n):
                sent = time.perf_counter()
                await base.append_rows("Events", [{"Name": f"l{i}"}])
                event = await stream.__anext__()
                now = time.perf_counter()
                assert isinstance(event, sa.RowsInserted)
                write_to_event.append(now - sent)
                row_id = event.row_ids[0]
                assert row_id is not None
                commit_to_event.append(now - committed[row_id])
    finally:
        unsubscribe()
    return write_to_event, commit_to_event


async def main(quick: bool) -> None:
    n_stream, n_e2e, n_lat = (2_000, 1_000, 100) if quick else (20_000, 5_000, 1_000)
    emu = Emulator("6.0")
    stored = emu.add_base(owner="bench@example.com", name="Bench", tables=TABLES)
    token = emu.add_api_token(stored)
    async with emu.serve() as url, sa.Client(url) as client:
        base = client.base(token)
        await base.token_info()
        async with base.events():  # warm-up: imports, first connection
            pass
        rate = await throughput(emu, base, stored.uuid, n_stream)
        print(f"stream throughput   {n_stream:>6} events  {rate:>10,.0f} events/s")
        rate, arrived, reconnects = await end_to_end(base, n_e2e)
        print(
            f"end to end (REST)   {n_e2e:>6} events  {rate:>10,.0f} events/s (8 writers); "
            f"{arrived:,} of {n_e2e:,} rows' events arrived, {reconnects} reconnects"
        )
        w2e, c2e = await latency(emu, base, n_lat)
        for label, values in (("write -> event", w2e), ("commit -> event", c2e)):
            ms = [v * 1000 for v in values]
            print(
                f"{label:<19} {n_lat:>6} samples p50 {statistics.median(ms):6.2f} ms"
                f"  p99 {pct(ms, 0.99):6.2f} ms"
            )
        stats = client.stats
        print(
            f"client.stats: events_received={stats.events_received} "
            f"events_dropped={stats.events_dropped} reconnects={stats.event_reconnects}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    asyncio.run(main(parser.parse_args().quick))
