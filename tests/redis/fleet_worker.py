"""One process of a fleet test: import rows into emulator bases, print a JSON summary.

Usage: ``python -m tests.redis.fleet_worker CONFIG.json``. The JSON holds ``url``, ``tokens``
(API-Tokens), ``redis`` (a `tests.redis.setups.make_store` spec, a URL for one server, or null
for an independent process), ``namespace``, ``rows`` (per base), ``batch``, ``concurrency``,
``lock_expiry``, ``worker`` (index) and optionally ``cooldown``, ``failover_timeout``,
``running_after``, ``prefetch_token`` (get the Base-Tokens before saying READY) and
``hang_in_refresh`` (take the refresh lock and hang while minting, to be
killed).

It talks to the test over its standard streams, so that the test waits for events, not for
time: it prints ``READY`` once connected, waits for a ``GO <unix time>`` line and starts then,
prints ``RUNNING`` once ``running_after`` rows are in (``HOLDING`` instead when it hangs in the
refresh), and ends with the summary line. Loopback only; bounded by row count.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextlib import suppress
from typing import Any

import anyio
import anyio.to_thread

import seatable_async as sa
from seatable_async._auth.sources import ApiTokenSource
from seatable_async._auth.store import StoreUnavailable
from seatable_async.bulk import ImportProgress
from tests.redis.setups import make_store


def say(word: str) -> None:
    print(word, flush=True)


async def main(cfg: dict[str, Any]) -> dict[str, Any]:
    spec = cfg.get("redis")
    if isinstance(spec, str):
        spec = {"kind": "single", "url": spec}
    store = (
        make_store(
            spec,
            namespace=cfg["namespace"],
            lock_expiry=cfg["lock_expiry"],
            cooldown=cfg.get("cooldown", 30.0),
            timeout=0.5,
            failover_timeout=cfg.get("failover_timeout", 5.0),
        )
        if spec
        else None
    )
    if cfg.get("hang_in_refresh"):

        async def hang(self: ApiTokenSource) -> Any:
            say("HOLDING")
            await anyio.sleep(3600)

        ApiTokenSource.fetch = hang  # type: ignore[method-assign]
    inserted = failed = 0
    running = False
    limit = cfg["concurrency"] * len(cfg["tokens"])
    async with sa.Client(cfg["url"], store=store, max_concurrency=limit) as client:
        if store is not None:
            with suppress(StoreUnavailable):  # connect (find the primary, the slots) up front
                await store.budget_snapshot("warm-up")
        if cfg.get("prefetch_token"):  # the fleet's token in hand before the clock starts
            for token in cfg["tokens"]:
                await client.base(token).token_info()
        say("READY")
        line = await anyio.to_thread.run_sync(sys.stdin.readline)
        start_at = float(line.split()[1])
        if start_at > time.time():
            await anyio.sleep(start_at - time.time())
        started = time.time()

        done_at: list[float] = []

        def progress(p: ImportProgress) -> None:
            nonlocal running
            done_at.append(time.time())
            if not running and inserted + p.rows_done >= cfg.get("running_after", 1):
                running = True
                say("RUNNING")

        async def one(token: str) -> None:
            nonlocal inserted, failed
            base = client.base(token)
            w = cfg["worker"]
            rows = ({"k": f"w{w}-{i}", "n": i} for i in range(cfg["rows"]))
            report = await base.import_rows(
                "T",
                rows,
                batch_size=cfg["batch"],
                concurrency=cfg["concurrency"],
                key="k",
                raise_on_failure=False,
                on_progress=progress,
            )
            inserted += report.inserted_count
            failed += report.rows_read - report.inserted_count

        async with anyio.create_task_group() as tg:  # all bases at once
            for token in cfg["tokens"]:
                tg.start_soon(one, token)
        finished = time.time()
        stats = client.stats
    degraded = store.degraded if store is not None else None
    if store is not None:
        await store.aclose()
    return {
        "worker": cfg["worker"],
        "inserted": inserted,
        "failed": failed,
        "started": started,
        "finished": finished,
        "requests": stats.requests,
        "token_requests": stats.token_requests,
        "rate_limited": stats.rate_limited,
        "store_degraded": degraded,
        "done_at": done_at,
    }


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    with open(sys.argv[1]) as fh:
        config = json.load(fh)
    print(json.dumps(anyio.run(main, config)), flush=True)
