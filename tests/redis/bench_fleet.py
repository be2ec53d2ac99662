"""Fleet vs independent processes: token requests, 429s, rows/s (figures for docs/fleet.md).

Run: ``SEATABLE_ASYNC_TEST_REDIS_URL=redis://127.0.0.1:PORT/0 python -m tests.redis.bench_fleet``
(4 processes, 2 bases on one out-of-process emulator limited to 20 requests/s per base,
10-row batches). Loopback only, bounded by row count.
"""

from __future__ import annotations

import os
import uuid

from tests.redis.fleet import control, emulator, new_base, run_fleet


def main() -> None:
    redis_url = os.environ["SEATABLE_ASYNC_TEST_REDIS_URL"]
    print("| mode | token requests | 429s | 429 share | rows/s | requests/s per base |")
    print("| --- | --- | --- | --- | --- | --- |")
    for mode in ("independent", "fleet"):
        with emulator() as url:
            control(url, "/_emulator/config", {"rate_limit": [20, 1.0]})
            tokens = [new_base(url), new_base(url)]
            r = run_fleet(
                url,
                tokens,
                workers=4,
                redis=redis_url if mode == "fleet" else None,
                namespace=f"bench-{uuid.uuid4().hex[:8]}",
                rows=400,
                batch=10,
                concurrency=4,
                timeout=300,
            )
            assert r["failed"] == 0
            stats = r["stats"]
            appends = stats["requests"].get("gateway.rows.append", 0)
            tokens_n = sum(stats["token_requests"].values())
            share = stats["rate_limited"] / max(1, appends)
            ok_rate = (appends - stats["rate_limited"]) / r["elapsed"] / len(tokens)
            print(
                f"| {mode} | {tokens_n} | {stats['rate_limited']} | {share:.1%} | "
                f"{r['inserted'] / r['elapsed']:.0f} | {ok_rate:.1f} of 20 |"
            )


if __name__ == "__main__":
    main()
