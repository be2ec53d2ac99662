"""One process of a fleet test: import rows into emulator bases, print a JSON summary.

Usage: ``python -m tests.redis.fleet_worker CONFIG.json`` where the JSON holds ``url``,
``tokens`` (API-Tokens), ``redis`` (URL or null for an independent process), ``namespace``,
``rows`` (per base), ``batch``, ``concurrency``, ``start_at`` (Unix time to begin),
``lock_expiry``, ``worker`` (index) and optionally ``hang_in_refresh`` (take the refresh lock
and hang while minting, to be killed). Loopback only; bounded by row count.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

import anyio

import seatable_async as sa
from seatable_async._auth.sources import ApiTokenSource
from seatable_async.redis import RedisFleetStore


async def main(cfg: dict[str, Any]) -> dict[str, Any]:
    store = (
        RedisFleetStore(
            cfg["redis"],
            namespace=cfg["namespace"],
            lock_expiry=cfg["lock_expiry"],
            cooldown=cfg.get("cooldown", 30.0),
            timeout=0.5,
        )
        if cfg.get("redis")
        else None
    )
    if cfg.get("hang_in_refresh"):

        async def hang(self: ApiTokenSource) -> Any:
            print("HOLDING", flush=True)
            await anyio.sleep(3600)

        ApiTokenSource.fetch = hang  # type: ignore[method-assign]
    delay = cfg.get("start_at", 0) - time.time()
    if delay > 0:
        await anyio.sleep(delay)
    started = time.time()
    inserted = failed = 0
    limit = cfg["concurrency"] * len(cfg["tokens"])
    async with sa.Client(cfg["url"], store=store, max_concurrency=limit) as client:

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
            )
            inserted += report.inserted_count
            failed += report.rows_read - report.inserted_count

        async with anyio.create_task_group() as tg:  # all bases at once
            for token in cfg["tokens"]:
                tg.start_soon(one, token)
        stats = client.stats
    if store is not None:
        await store.aclose()
    return {
        "worker": cfg["worker"],
        "inserted": inserted,
        "failed": failed,
        "started": started,
        "ended": time.time(),
        "requests": stats.requests,
        "token_requests": stats.token_requests,
        "rate_limited": stats.rate_limited,
    }


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    with open(sys.argv[1]) as fh:
        config = json.load(fh)
    print(json.dumps(anyio.run(main, config)), flush=True)
