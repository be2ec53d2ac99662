"""Scenario 1: bulk import of 50,000 rows (5 columns) with 100 ms latency per request.

The emulator runs in its own process on loopback with ``--latency 0.1`` (a remote server).
Competitors, each into a fresh base, timed from the first token request to the last row:

* this SDK: ``base.import_rows(table, rows)`` with its defaults (1,000-row batches, default
  concurrency: the client's ``max_concurrency`` capped at ``bulk.DEFAULT_CONCURRENCY``);
* the official ``seatable-api`` client at its best: ``auth()`` then sequential
  ``batch_append_rows`` in 1,000-row batches (it is synchronous; it runs outside the event loop);
* raw httpx: one ``AsyncClient``, one Base-Token fetched once, N workers posting 1,000-row
  batches to the gateway with a fixed header, N = the SDK's default concurrency.

The SDK and raw httpx run several times, interleaved; medians are compared.
Targets: SDK >= 5x the official client's rows/s and >= 0.9x raw httpx's.

    python benchmarks/bench_import.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
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
    median,
    quiet_official_client,
)

ROWS = 50_000
BATCH = 1_000
LATENCY = 0.1
TARGET_VS_OFFICIAL = 5.0
TARGET_VS_RAW = 0.9


def default_concurrency() -> int:
    """The SDK's default import concurrency for a default ``Client``."""
    from seatable_async import Client
    from seatable_async.bulk import DEFAULT_CONCURRENCY

    return max(1, min(Client("http://127.0.0.1").max_concurrency, DEFAULT_CONCURRENCY))


async def sdk_import(
    url: str, api_token: str, rows: Sequence[dict[str, Any]], encode: bool = True
) -> float:
    from seatable_async import Client

    started = time.perf_counter()
    async with Client(url) as client:
        base = client.base(api_token)
        report = await base.import_rows("T", iter(rows), encode=encode)
    elapsed = time.perf_counter() - started
    if not report.ok or report.inserted_count != len(rows):
        raise RuntimeError(f"SDK import incomplete: {report.summary()}")
    return elapsed


async def raw_import(
    url: str, api_token: str, rows: Sequence[dict[str, Any]], concurrency: int
) -> float:
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        r = await http.get(
            "/api/v2.1/dtable/app-access-token/",
            headers={"Authorization": f"Token {api_token}"},
        )
        r.raise_for_status()
        info = r.json()
        headers = {"Authorization": f"Bearer {info['access_token']}"}
        path = f"/api-gateway/api/v2/dtables/{info['dtable_uuid']}/rows/"
        batches = list(chunks(rows, BATCH))
        position = 0

        async def worker() -> None:
            nonlocal position
            while position < len(batches):
                batch = batches[position]
                position += 1
                resp = await http.post(
                    path, json={"table_name": "T", "rows": list(batch)}, headers=headers
                )
                resp.raise_for_status()
                if len(resp.json()["row_ids"]) != len(batch):
                    raise RuntimeError("raw import: row ids missing")

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
    return time.perf_counter() - started


def official_import(url: str, api_token: str, rows: Sequence[dict[str, Any]]) -> float:
    quiet_official_client()
    from seatable_api import Base

    started = time.perf_counter()
    base = Base(api_token, url)
    base.auth()
    for batch in chunks(rows, BATCH):
        base.batch_append_rows("T", list(batch))
    return time.perf_counter() - started


def run(quick: bool = False, encode: bool = True) -> dict[str, Any]:
    n = 10_000 if quick else ROWS
    rounds = 1 if quick else 3
    concurrency = default_concurrency()
    rows = make_rows(n)
    load_before = load_average()
    sdk: list[float] = []
    raw: list[float] = []
    # CPU seconds used per run by the emulator process and by this (client) process.
    server_cpu: dict[str, list[float]] = {"sdk": [], "raw": [], "official": []}
    client_cpu: dict[str, list[float]] = {"sdk": [], "raw": [], "official": []}
    with EmulatorProcess(version="6.0", latency=LATENCY) as emu:

        def fresh_base(label: str) -> tuple[str, str]:
            info = emu.create_base(label)
            return info["uuid"], info["api_token"]

        def check(uuid: str) -> None:
            stored = emu.row_count(uuid)
            if stored != n:
                raise RuntimeError(f"expected {n} rows in the base, found {stored}")

        for i in range(rounds):
            order = ("sdk", "raw") if i % 2 else ("raw", "sdk")
            for side in order:
                uuid, token = fresh_base(f"import-{side}-{i}")
                cpu0, own0 = emu.cpu_seconds(), time.process_time()
                if side == "sdk":
                    sdk.append(anyio.run(sdk_import, emu.url, token, rows, encode))
                else:
                    raw.append(anyio.run(raw_import, emu.url, token, rows, concurrency))
                server_cpu[side].append(emu.cpu_seconds() - cpu0)
                client_cpu[side].append(time.process_time() - own0)
                check(uuid)
        uuid, token = fresh_base("import-official")
        cpu0, own0 = emu.cpu_seconds(), time.process_time()
        official = official_import(emu.url, token, rows)
        server_cpu["official"].append(emu.cpu_seconds() - cpu0)
        client_cpu["official"].append(time.process_time() - own0)
        check(uuid)
    sdk_s, raw_s = median(sdk), median(raw)
    rate = {"sdk": n / sdk_s, "raw": n / raw_s, "official": n / official}
    vs_official = rate["sdk"] / rate["official"]
    vs_raw = rate["sdk"] / rate["raw"]
    result = {
        "scenario": "import",
        "rows": n,
        "batch": BATCH,
        "latency_s": LATENCY,
        "concurrency": concurrency,
        "rounds": rounds,
        "sdk_seconds": [round(x, 3) for x in sdk],
        "raw_seconds": [round(x, 3) for x in raw],
        "official_seconds": round(official, 3),
        "rows_per_s": {k: round(v) for k, v in rate.items()},
        "vs_official": round(vs_official, 2),
        "vs_raw": round(vs_raw, 3),
        "target_vs_official": TARGET_VS_OFFICIAL,
        "target_vs_raw": TARGET_VS_RAW,
        "server_cpu_s": {k: round(median(v), 2) for k, v in server_cpu.items()},
        "client_cpu_s": {k: round(median(v), 2) for k, v in client_cpu.items()},
        "passed_vs_official": vs_official >= TARGET_VS_OFFICIAL,
        "passed_vs_raw": vs_raw >= TARGET_VS_RAW,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    print_result(result)
    return result


def print_result(r: dict[str, Any]) -> None:
    print(
        f"\n== Scenario 1: bulk import of {r['rows']:,} rows, {r['latency_s'] * 1000:.0f} ms "
        f"latency, concurrency {r['concurrency']} =="
    )
    rate = r["rows_per_s"]
    print(
        fmt_table(
            ["client", "seconds (median)", "rows/s", "runs (s)", "server CPU s", "client CPU s"],
            [
                [
                    "seatable-async import_rows",
                    f"{median(r['sdk_seconds']):.2f}",
                    f"{rate['sdk']:,}",
                    " ".join(f"{x:.2f}" for x in r["sdk_seconds"]),
                    r["server_cpu_s"]["sdk"],
                    r["client_cpu_s"]["sdk"],
                ],
                [
                    f"raw httpx x{r['concurrency']}",
                    f"{median(r['raw_seconds']):.2f}",
                    f"{rate['raw']:,}",
                    " ".join(f"{x:.2f}" for x in r["raw_seconds"]),
                    r["server_cpu_s"]["raw"],
                    r["client_cpu_s"]["raw"],
                ],
                [
                    "seatable-api (sequential)",
                    f"{r['official_seconds']:.2f}",
                    f"{rate['official']:,}",
                    f"{r['official_seconds']:.2f}",
                    r["server_cpu_s"]["official"],
                    r["client_cpu_s"]["official"],
                ],
            ],
        )
    )
    v1 = "PASS" if r["passed_vs_official"] else "MISS"
    v2 = "PASS" if r["passed_vs_raw"] else "MISS"
    print(
        f"SDK/official = {r['vs_official']:.2f}x (target >= {r['target_vs_official']}x) {v1}; "
        f"SDK/raw = {r['vs_raw']:.3f}x (target >= {r['target_vs_raw']}x) {v2}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--no-encode", action="store_true", help="import_rows(encode=False): rows sent as given"
    )
    args = parser.parse_args()
    run(args.quick, encode=not args.no_encode)


if __name__ == "__main__":
    main()
