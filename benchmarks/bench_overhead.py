"""Scenario 2: per-request overhead of the SDK against raw httpx (not a test).

5,000 ``get_row`` requests, one after the other, through the emulator's in-process transport
(``Emulator.transport()``; no sockets, so the client's own cost is as visible as it can be):
the SDK's ``base.get_row`` against ``httpx.AsyncClient.get`` of the same URL with a fixed
``Authorization`` header. Each side runs several times, interleaved, and the median is
compared. Target: SDK time <= 1.25x raw httpx.

    python benchmarks/bench_overhead.py [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import fmt_table, load_average, median

TARGET = 1.25
TABLE = "Contacts"


async def _setup() -> tuple[Any, str, str]:
    from seatable_async.emulator import Emulator
    from seatable_async.emulator.demo import seed_demo

    emu = Emulator(version="6.0")
    demo = seed_demo(emu)
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://127.0.0.1") as http:
        r = await http.get(
            "/api/v2.1/dtable/app-access-token/",
            headers={"Authorization": f"Token {demo.api_token}"},
        )
        r.raise_for_status()
        info = r.json()
        r = await http.post(
            f"/api-gateway/api/v2/dtables/{info['dtable_uuid']}/rows/",
            json={"table_name": TABLE, "rows": [{"Name": "Ada", "Age": 36, "City": "London"}]},
            headers={"Authorization": f"Token {info['access_token']}"},
        )
        r.raise_for_status()
        row_id = r.json()["row_ids"][0]["_id"]
    return emu, demo.api_token, row_id


async def run_sdk(emu: Any, api_token: str, row_id: str, n: int) -> float:
    """Seconds for ``n`` sequential ``base.get_row`` calls (token minted before timing)."""
    from seatable_async import Client

    async with Client("http://127.0.0.1", transport=emu.transport()) as client:
        base = client.base(api_token)
        await base.get_row(TABLE, row_id)  # mint the Base-Token, settle the scheme
        started = time.perf_counter()
        for _ in range(n):
            await base.get_row(TABLE, row_id)
        return time.perf_counter() - started


async def run_raw(emu: Any, api_token: str, row_id: str, n: int) -> float:
    """Seconds for ``n`` sequential raw httpx GETs of the same row with a fixed header."""
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://127.0.0.1") as http:
        r = await http.get(
            "/api/v2.1/dtable/app-access-token/",
            headers={"Authorization": f"Token {api_token}"},
        )
        r.raise_for_status()
        info = r.json()
        headers = {"Authorization": f"Bearer {info['access_token']}"}
        url = f"/api-gateway/api/v2/dtables/{info['dtable_uuid']}/rows/{row_id}/"
        params = {"table_name": TABLE, "convert_keys": "true"}
        (await http.get(url, params=params, headers=headers)).raise_for_status()
        started = time.perf_counter()
        for _ in range(n):
            r = await http.get(url, params=params, headers=headers)
            r.raise_for_status()
            r.json()
        return time.perf_counter() - started


async def _measure(n: int, rounds: int) -> dict[str, Any]:
    emu, api_token, row_id = await _setup()
    sdk: list[float] = []
    raw: list[float] = []
    load_before = load_average()
    for i in range(rounds):
        # Alternate which side goes first, so drift in machine load hits both equally.
        if i % 2 == 0:
            raw.append(await run_raw(emu, api_token, row_id, n))
            sdk.append(await run_sdk(emu, api_token, row_id, n))
        else:
            sdk.append(await run_sdk(emu, api_token, row_id, n))
            raw.append(await run_raw(emu, api_token, row_id, n))
    sdk_s, raw_s = median(sdk), median(raw)
    ratio = sdk_s / raw_s
    return {
        "scenario": "overhead",
        "requests": n,
        "rounds": rounds,
        "sdk_seconds": [round(x, 4) for x in sdk],
        "raw_seconds": [round(x, 4) for x in raw],
        "sdk_median_s": round(sdk_s, 4),
        "raw_median_s": round(raw_s, 4),
        "sdk_us_per_request": round(sdk_s / n * 1e6, 1),
        "raw_us_per_request": round(raw_s / n * 1e6, 1),
        "overhead_us_per_request": round((sdk_s - raw_s) / n * 1e6, 1),
        "ratio": round(ratio, 3),
        "target": TARGET,
        "passed": ratio <= TARGET,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }


def run(quick: bool = False) -> dict[str, Any]:
    n, rounds = (1_000, 3) if quick else (5_000, 7)
    result: dict[str, Any] = anyio.run(_measure, n, rounds)
    print_result(result)
    return result


def print_result(r: dict[str, Any]) -> None:
    print(f"\n== Scenario 2: per-request overhead ({r['requests']:,} get_row, in-process) ==")
    print(
        fmt_table(
            ["client", "median s", "µs/request", "runs (s)"],
            [
                [
                    "seatable-async",
                    f"{r['sdk_median_s']:.3f}",
                    r["sdk_us_per_request"],
                    " ".join(f"{x:.3f}" for x in r["sdk_seconds"]),
                ],
                [
                    "raw httpx",
                    f"{r['raw_median_s']:.3f}",
                    r["raw_us_per_request"],
                    " ".join(f"{x:.3f}" for x in r["raw_seconds"]),
                ],
            ],
        )
    )
    verdict = "PASS" if r["passed"] else "MISS"
    print(
        f"SDK/raw = {r['ratio']:.3f}x (target <= {TARGET}x) {verdict}; "
        f"SDK adds {r['overhead_us_per_request']} µs/request; "
        f"load average {r['load_average_before'][0]:.2f} -> {r['load_average_after'][0]:.2f}"
    )


def _profile(n: int) -> None:
    """Profile the SDK side alone with pyinstrument (if installed), else cProfile."""

    async def sdk_only() -> None:
        emu, api_token, row_id = await _setup()
        await run_sdk(emu, api_token, row_id, n)

    try:
        from pyinstrument import Profiler  # type: ignore[import-not-found]
    except ImportError:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        anyio.run(sdk_only)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    anyio.run(sdk_only)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true", help="profile the SDK side only")
    args = parser.parse_args()
    if args.profile:
        _profile(1_000 if args.quick else 5_000)
        return
    run(args.quick)


if __name__ == "__main__":
    main()
