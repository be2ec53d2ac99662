"""Webhooks over loopback: delivery, forgeries, and acknowledgements behind a slow handler.

Three measurements, each with the emulator and the receiving app on real sockets (uvicorn in
threads of this process, so the figures are on the conservative side):

1. **Delivery**: another client appends 1,000 rows (10 requests of 100) to a base with a
   webhook; the emulator posts one signed request per row, as ``dtable-events`` does (one
   ordering thread, two posting threads). Counts the verified events the handler saw, rows
   seen more than once, and the time until the last one.
2. **Forgeries**: forged (wrong secret), tampered (body changed after signing) and unsigned
   requests: every one must get 403 with the handler never run.
3. **Acknowledgements behind a 1 s handler**: 1,000 signed requests sent the way SeaTable
   sends them (two threads, blocking HTTP clients) to a receiver whose handler sleeps 1 s per
   event, served by uvicorn in a process of its own (as a web app is: the senders' threads do
   not share its interpreter); per-request latency p50/p99/max, against a baseline in the same
   run: a bare ASGI app answering 200 at once, served and driven the same way.

Run: ``python benchmarks/bench_webhooks.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio
import httpx

import seatable_async as sa
from seatable_async import webhooks
from seatable_async.emulator import Emulator, serve_app

SECRET = "bench-secret"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def delivery(rows: int) -> dict[str, Any]:
    emu = Emulator()
    emu.add_user("owner@example.com", "pw")
    base = emu.add_base("owner@example.com", "Shop", tables={"Orders": {"Name": "text"}})
    token = emu.add_api_token(base, "writer")
    lock = threading.Lock()
    seen: Counter[str] = Counter()
    all_in = threading.Event()

    async def handle(event: webhooks.WebhookEvent) -> None:
        with lock:
            seen[event.row_id] += 1
            if len(seen) == rows:
                all_in.set()

    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handle)
    async with emu.serve() as url, serve_app(receiver) as hook_url:
        async with sa.Client(url) as client:
            account = await client.login("owner@example.com", "pw")
            await account.create_webhook(base.workspace_id, "Shop", hook_url + "/", SECRET)
            writer = client.base(token)
            start = time.perf_counter()
            ids: list[str] = []
            for chunk in range(0, rows, 100):
                batch = [{"Name": f"order {i}"} for i in range(chunk, min(rows, chunk + 100))]
                ids += await writer.append_rows("Orders", batch)
            written = time.perf_counter() - start
            arrived = await anyio.to_thread.run_sync(all_in.wait, 300.0)
            elapsed = time.perf_counter() - start
            await anyio.to_thread.run_sync(emu.webhooks.flush, 60.0)
        stats = receiver.stats
    return {
        "rows_written": len(ids),
        "events_handled": sum(seen.values()),
        "distinct_rows": len(seen),
        "rows_handled_twice": sum(1 for n in seen.values() if n > 1),
        "all_arrived": arrived and set(seen) == set(ids),
        "verified": stats.queued,
        "rejected": stats.rejected,
        "emulator_delivered": emu.stats.webhooks["delivered"],
        "emulator_failed": emu.stats.webhooks["failed"],
        "write_seconds": round(written, 3),
        "seconds_to_last_event": round(elapsed, 3),
        "events_per_second": round(len(seen) / elapsed, 1),
    }


def _body(i: int) -> bytes:
    data = {
        "dtable_uuid": "fae0a3a42ba94df88e8303fd385e37de",
        "row_id": f"row-{i}",
        "op_user": "u@auth.local",
        "op_type": "modify_row",
        "op_time": 1700000000.0 + i / 1000,
        "table_id": "0000",
        "table_name": "Orders",
        "row_name": "",
        "row_data": [{"column_key": "0000", "column_name": "Name", "value": f"v{i}"}],
    }
    return json.dumps({"event": "update", "data": data}).encode()


async def forgeries(count: int) -> dict[str, Any]:
    calls = 0

    async def handle(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1

    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handle)
    statuses: Counter[str] = Counter()
    async with serve_app(receiver) as url, httpx.AsyncClient() as http:
        for i in range(count):
            body = _body(i)
            cases = {
                "forged": {"X-SeaTable-Signature": webhooks.sign(body, "guessed")},
                "tampered": {"X-SeaTable-Signature": webhooks.sign(_body(i + 1), SECRET)},
                "unsigned": {},
            }
            for kind, headers in cases.items():
                answer = await http.post(url + "/", content=body, headers=headers)
                statuses[f"{kind}_{answer.status_code}"] += 1
    return {"requests": 3 * count, "answers": dict(statuses), "handler_calls": calls}


def _send_all(url: str, bodies: list[bytes], signed: bool, senders: int = 2) -> list[float]:
    """POST every body from ``senders`` threads with blocking clients; per-request seconds."""
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [bodies[i::senders] for i in range(senders)]

    def run(part: list[bytes]) -> None:
        mine = []
        with httpx.Client() as http:
            for body in part:
                headers = {"Content-Type": "application/json"}
                if signed:
                    headers["X-SeaTable-Signature"] = webhooks.sign(body, SECRET)
                start = time.perf_counter()
                answer = http.post(url, content=body, headers=headers)
                mine.append(time.perf_counter() - start)
                assert answer.status_code == 200, answer.text
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(part,)) for part in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


async def _bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _slow(event: webhooks.WebhookEvent) -> None:
    await anyio.sleep(1.0)


def _app(kind: str) -> Any:
    if kind == "bare":
        return _bare
    return webhooks.WebhookReceiver(secret=SECRET, handler=_slow, drain_timeout=0)


def serve(kind: str) -> None:
    """Serve ``kind`` under uvicorn until stdin closes; the first line printed is the URL."""
    import uvicorn

    from seatable_async.emulator._server.serving import bind_socket

    app = _app(kind)
    sock = bind_socket("127.0.0.1", 0)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)

    def stop_on_eof() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop_on_eof, daemon=True).start()
    print(f"URL http://127.0.0.1:{sock.getsockname()[1]}/", flush=True)
    import asyncio

    asyncio.run(server.serve(sockets=[sock]))
    if isinstance(app, webhooks.WebhookReceiver):
        print(json.dumps(attrs_dict(app.stats)), flush=True)


def attrs_dict(stats: webhooks.ReceiverStats) -> dict[str, int]:
    import attrs

    return attrs.asdict(stats)


@contextlib.contextmanager
def served(kind: str) -> Iterator[tuple[str, list[str]]]:
    """``kind`` served in a child process; yields its URL and, after the block, its output."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdin is not None
    line = child.stdout.readline()
    assert line.startswith("URL "), line
    rest: list[str] = []
    try:
        yield line.split()[1], rest
    finally:
        child.stdin.close()
        rest += child.stdout.read().splitlines()
        child.wait(60)


async def acknowledgements(count: int) -> dict[str, Any]:
    bodies = [_body(i) for i in range(count)]
    with served("bare") as (url, _):
        baseline = await anyio.to_thread.run_sync(_send_all, url, bodies, False)
    with served("receiver") as (url, output):
        measured = await anyio.to_thread.run_sync(_send_all, url, bodies, True)
    stats = webhooks.ReceiverStats(**json.loads(output[-1]))

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "p50_ms": round(statistics.median(values) * 1000, 2),
            "p99_ms": round(pct(values, 0.99) * 1000, 2),
            "max_ms": round(max(values) * 1000, 2),
        }

    receiver_summary, baseline_summary = summary(measured), summary(baseline)
    return {
        "requests": count,
        "handler_seconds_per_event": 1.0,
        "receiver": receiver_summary,
        "baseline_bare_asgi_200": baseline_summary,
        "p99_ratio_to_baseline": round(receiver_summary["p99_ms"] / baseline_summary["p99_ms"], 2),
        "queued": stats.queued,
        "handled_before_stop": stats.handled,
        "abandoned_at_stop": stats.abandoned,
    }


async def main(quick: bool) -> dict[str, Any]:
    rows = 200 if quick else 1000
    return {
        "delivery": await delivery(rows),
        "forgeries": await forgeries(20 if quick else 100),
        "acknowledgements": await acknowledgements(rows),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    parser.add_argument("--serve", choices=["bare", "receiver"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        sys.exit(0)
    result = anyio.run(main, args.quick)
    print(json.dumps(result, indent=2))
    ack = result["acknowledgements"]
    d = result["delivery"]
    print(
        f"delivery: {d['distinct_rows']}/{d['rows_written']} rows as verified events, "
        f"{d['rows_handled_twice']} twice, {d['seconds_to_last_event']} s; "
        f"forgeries: {result['forgeries']['answers']}, handler calls "
        f"{result['forgeries']['handler_calls']}; acks behind a 1 s handler: p99 "
        f"{ack['receiver']['p99_ms']} ms (bare ASGI {ack['baseline_bare_asgi_200']['p99_ms']} ms, "
        f"x{ack['p99_ratio_to_baseline']})"
    )
