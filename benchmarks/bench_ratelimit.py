"""Scenario 4: bulk import against a rate-limited server (not a test).

The emulator (own process, loopback, 50 ms latency) allows 20 base operations per 2-second
window per base (fixed windows aligned to the Unix clock, ``x-ratelimit-*`` headers on every
gateway answer, 429 beyond the limit). 15,000 rows go in as 100-row batches: 150 requests,
i.e. at least 8 windows.

* this SDK: ``base.import_rows(table, rows, batch_size=100)`` with default concurrency. A
  recording transport (a pass-through wrapper around httpx's transport) notes the status and
  the window (``x-ratelimit-reset``) of every answer, so the share of the allowed rate is
  measured per window: accepted requests in each window the import spanned completely, divided
  by the limit (the first and last windows are partial by construction and left out);
* the official ``seatable-api`` client: sequential ``batch_append_rows`` of the same batches;
  it has no retry, so the first 429 ends its import (reported: how far it got).

Targets: share of the allowed rate >= 95 %, 429 answers <= 1 % of the SDK's requests.

    python benchmarks/bench_ratelimit.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    EmulatorProcess,
    chunks,
    fmt_table,
    load_average,
    make_rows,
    quiet_official_client,
)

LIMIT = 20
WINDOW = 2.0
LATENCY = 0.05
ROWS = 15_000
BATCH = 100
TARGET_SHARE = 0.95
TARGET_429 = 0.01


class RecordingTransport(httpx.AsyncBaseTransport):
    """Pass-through transport that notes (status, window end) of every gateway answer."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.answers: list[tuple[int, float | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if "/api-gateway/" in request.url.path:
            reset = response.headers.get("x-ratelimit-reset")
            self.answers.append((response.status_code, float(reset) if reset else None))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


async def sdk_import(url: str, api_token: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from seatable_async import Client

    transport = RecordingTransport()
    started = time.perf_counter()
    async with Client(url, transport=transport) as client:
        report = await client.base(api_token).import_rows("T", iter(rows), batch_size=BATCH)
        stats = client.stats
    elapsed = time.perf_counter() - started
    accepted: Counter[float] = Counter()
    for status, reset in transport.answers:
        if 200 <= status < 300 and reset is not None:
            accepted[reset] += 1
    windows = sorted(accepted)
    interior = windows[1:-1]
    per_window = [accepted[w] for w in interior]
    share = sum(per_window) / (LIMIT * len(per_window)) if per_window else float("nan")
    requests = len(transport.answers)
    too_many = sum(1 for status, _ in transport.answers if status == 429)
    return {
        "inserted": report.inserted_count,
        "ok": report.ok,
        "seconds": round(elapsed, 2),
        "requests": requests,
        "status_429": too_many,
        "share_429": too_many / requests if requests else 0.0,
        "windows": len(windows),
        "accepted_per_full_window": per_window,
        "share_of_allowed_rate": share,
        "retries": dict(stats.retries),
    }


def official_import(url: str, api_token: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    quiet_official_client()
    from seatable_api import Base

    started = time.perf_counter()
    base = Base(api_token, url)
    base.auth()
    inserted = requests = 0
    stopped = ""
    for batch in chunks(rows, BATCH):
        requests += 1
        try:
            base.batch_append_rows("T", list(batch))
        except ConnectionError as exc:  # seatable-api raises ConnectionError(429, "")
            stopped = f"{type(exc).__name__}{exc.args!r}"
            break
        inserted += len(batch)
    return {
        "inserted": inserted,
        "requests": requests,
        "seconds": round(time.perf_counter() - started, 2),
        "stopped_by": stopped,
    }


def run(quick: bool = False) -> dict[str, Any]:
    n = 6_000 if quick else ROWS
    rows = make_rows(n)
    load_before = load_average()
    with EmulatorProcess(version="6.0", latency=LATENCY, rate_limit=(LIMIT, WINDOW)) as emu:
        info = emu.create_base("ratelimit-sdk")
        emu.reset_stats()
        sdk = anyio.run(sdk_import, emu.url, info["api_token"], rows)
        sdk["server_stats"] = {
            "statuses": emu.stats()["statuses"],
            "rate_limited": emu.stats()["rate_limited"],
        }
        sdk["stored"] = emu.row_count(info["uuid"])
        # Start the official client in a fresh window, so it gets a full budget first.
        time.sleep(WINDOW - time.time() % WINDOW + 0.01)
        info = emu.create_base("ratelimit-official")
        official = official_import(emu.url, info["api_token"], rows)
        official["stored"] = emu.row_count(info["uuid"])
    ideal = n / BATCH / (LIMIT / WINDOW)
    result = {
        "scenario": "ratelimit",
        "rows": n,
        "batch": BATCH,
        "limit": LIMIT,
        "window_s": WINDOW,
        "latency_s": LATENCY,
        "ideal_seconds": ideal,
        "sdk": sdk,
        "official": official,
        "target_share": TARGET_SHARE,
        "target_429": TARGET_429,
        "passed_share": sdk["share_of_allowed_rate"] >= TARGET_SHARE,
        "passed_429": sdk["share_429"] <= TARGET_429,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    print_result(result)
    return result


def print_result(r: dict[str, Any]) -> None:
    sdk, off = r["sdk"], r["official"]
    print(
        f"\n== Scenario 4: rate-limited import of {r['rows']:,} rows in {r['batch']}-row "
        f"batches, limit {r['limit']} per {r['window_s']:g} s =="
    )
    print(
        fmt_table(
            ["client", "rows stored", "requests", "429s", "seconds", "share of allowed rate"],
            [
                [
                    "seatable-async",
                    f"{sdk['stored']:,}",
                    sdk["requests"],
                    sdk["status_429"],
                    sdk["seconds"],
                    f"{sdk['share_of_allowed_rate']:.1%} "
                    f"(full windows: {sdk['accepted_per_full_window']})",
                ],
                [
                    "seatable-api (official)",
                    f"{off['stored']:,}",
                    off["requests"],
                    1 if off["stopped_by"] else 0,
                    off["seconds"],
                    f"stopped by {off['stopped_by'] or '-'}",
                ],
            ],
        )
    )
    v1 = "PASS" if r["passed_share"] else "MISS"
    v2 = "PASS" if r["passed_429"] else "MISS"
    print(
        f"share of allowed rate {sdk['share_of_allowed_rate']:.1%} (target >= "
        f"{r['target_share']:.0%}) {v1}; 429s {sdk['share_429']:.1%} of requests (target <= "
        f"{r['target_429']:.0%}) {v2}; ideal {r['ideal_seconds']:.1f} s, took {sdk['seconds']} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
