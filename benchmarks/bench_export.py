"""Export: read 100,000 rows x 10 columns with 100 ms latency per request; and the memory of a
1,000,000-row export to Parquet (not a test).

The emulator runs in its own process on loopback (seeded without latency, then ``latency`` set
to 0.1 s through its control endpoint). Competitors read the same table, timed from the first
token request to the last row, requests counted by the emulator (base operations only):

* this SDK: ``async for batch in base.export("T")`` with its defaults (``COUNT(*)``, then SQL
  pages of 10,000 ordered by ``_id``, 4 in flight);
* the official ``seatable-api`` client at its best: ``query`` in ``LIMIT 10000 OFFSET n`` pages
  ordered by ``_id`` until a short page (it is synchronous: one page after the other), and its
  ``list_rows`` in 1,000-row pages;
* raw httpx: one ``AsyncClient``, one Base-Token fetched once, the SDK's plan (the count, then
  the same pages with the same concurrency) with a fixed header: the practical limit.

The SDK and raw httpx run several times, interleaved; medians are compared.
Targets: <= 11 requests for 100,000 rows, SDK >= 5x the official client's rows/s, >= 0.9x raw.

Memory (``--memory``): peak RSS of ``base.arrow_batches`` streamed into a ``ParquetWriter``, for
10,000 and 1,000,000 rows, each in a fresh child process, against a minimal gateway on
``httpx.MockTransport`` that makes each SQL page on demand (the emulator would hold the table in
the same process). Target: the difference stays within 100 MB.

    python benchmarks/bench_export.py [--quick] [--memory]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import COLUMNS as IMPORT_COLUMNS
from benchmarks._common import (
    EmulatorProcess,
    fmt_table,
    load_average,
    median,
    quiet_official_client,
)
from benchmarks._common import make_row as import_row  # the first five columns

ROWS = 100_000
PAGE = 10_000
LATENCY = 0.1
TARGET_REQUESTS = 11
TARGET_VS_OFFICIAL = 5.0
TARGET_VS_RAW = 0.9
TARGET_MEMORY_MB = 100.0
CONCURRENCY = int(__import__("os").environ.get("EXPORT_CONCURRENCY", "4"))
COLUMNS = {
    **IMPORT_COLUMNS,
    "Joined": "date",
    "Active": "checkbox",
    "Tier": "single-select",
    "Notes": "long-text",
    "Visits": "number",
}


def make_row(i: int) -> dict[str, Any]:
    """Row ``i``: the import scenarios' five columns and five more types."""
    return {
        **import_row(i),
        "Joined": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
        "Active": i % 3 == 0,
        "Tier": ("gold", "silver", "bronze")[i % 3],
        "Notes": f"note {i}",
        "Visits": i % 1000,
    }


def base_operations(stats: Any) -> int:
    return sum(
        v for k, v in stats.get("requests", {}).items() if k.split(".")[0] in ("gateway", "legacy")
    )


async def token(http: httpx.AsyncClient, api_token: str) -> tuple[dict[str, str], str]:
    r = await http.get(
        "/api/v2.1/dtable/app-access-token/", headers={"Authorization": f"Token {api_token}"}
    )
    r.raise_for_status()
    info = r.json()
    return {"Authorization": f"Bearer {info['access_token']}"}, info["dtable_uuid"]


async def seed(url: str, api_token: str, rows: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        headers, uuid = await token(http, api_token)
        path = f"/api-gateway/api/v2/dtables/{uuid}/rows/"

        async def send(start: int) -> None:
            batch = [make_row(i) for i in range(start, min(rows, start + 1000))]
            (
                await http.post(path, json={"table_name": "T", "rows": batch}, headers=headers)
            ).raise_for_status()

        for wave in range(0, rows, 8000):
            async with anyio.create_task_group() as tg:
                for start in range(wave, min(rows, wave + 8000), 1000):
                    tg.start_soon(send, start)


async def sdk_export(url: str, api_token: str) -> tuple[float, int]:
    from seatable_async import Client

    started = time.perf_counter()
    rows = 0
    async with Client(url) as client:
        async for batch in client.base(api_token).export("T"):
            rows += len(batch)
    return time.perf_counter() - started, rows


async def raw_export(url: str, api_token: str, concurrency: int) -> tuple[float, int]:
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    rows = 0
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        headers, uuid = await token(http, api_token)
        path = f"/api-gateway/api/v2/dtables/{uuid}/sql"

        async def query(sql: str) -> list[dict[str, Any]]:
            r = await http.post(path, json={"sql": sql, "convert_keys": True}, headers=headers)
            r.raise_for_status()
            return list(r.json()["results"])

        count = int(next(iter((await query("SELECT COUNT(*) FROM `T`"))[0].values())))
        offsets = list(range(0, count, PAGE))
        pages: dict[int, list[dict[str, Any]]] = {}

        async def page(offset: int) -> None:
            pages[offset] = await query(
                f"SELECT * FROM `T` ORDER BY `_id` LIMIT {PAGE} OFFSET {offset}"
            )

        for start in range(0, len(offsets), concurrency):
            async with anyio.create_task_group() as tg:
                for offset in offsets[start : start + concurrency]:
                    tg.start_soon(page, offset)
            for offset in offsets[start : start + concurrency]:
                rows += len(pages.pop(offset))
    return time.perf_counter() - started, rows


def official_query(url: str, api_token: str) -> tuple[float, int]:
    """The official client's SQL, paged by OFFSET as its users page it."""
    return _official_pages(
        url,
        api_token,
        PAGE,
        lambda base, offset: base.query(
            f"SELECT * FROM `T` ORDER BY `_id` LIMIT {PAGE} OFFSET {offset}"
        ),
    )


def official_list_rows(url: str, api_token: str) -> tuple[float, int]:
    """The official client's list_rows, 1,000 rows a page."""
    return _official_pages(
        url, api_token, 1000, lambda base, start: base.list_rows("T", start=start, limit=1000)
    )


def _official_pages(
    url: str, api_token: str, size: int, fetch: Callable[[Any, int], list[Any]]
) -> tuple[float, int]:
    quiet_official_client()
    from seatable_api import Base

    started = time.perf_counter()
    base = Base(api_token, url)
    base.auth()
    rows, offset = 0, 0
    while True:
        page = fetch(base, offset)
        rows += len(page)
        if len(page) < size:
            break
        offset += size
    return time.perf_counter() - started, rows


def run(quick: bool = False, latency: float = LATENCY) -> dict[str, Any]:
    from seatable_async._base.export_job import DEFAULT_EXPORT_CONCURRENCY

    n = 20_000 if quick else ROWS
    rounds = 1 if quick else 3
    load_before = load_average()
    times: dict[str, list[float]] = {"sdk": [], "raw": [], "query": [], "list_rows": []}
    requests: dict[str, int] = {}
    client_cpu: dict[str, list[float]] = {k: [] for k in times}
    server_cpu: dict[str, list[float]] = {k: [] for k in times}
    with EmulatorProcess(version="6.0") as emu:
        info = emu.create_base("export", {"T": COLUMNS})
        anyio.run(seed, emu.url, info["api_token"], n)
        if emu.row_count(info["uuid"]) != n:
            raise RuntimeError("seeding failed")
        emu.configure(latency=latency)

        def measure(side: str, go: Any) -> None:
            emu.reset_stats()
            own, server = time.process_time(), emu.cpu_seconds()
            seconds, rows = go()
            client_cpu[side].append(time.process_time() - own)
            server_cpu[side].append(emu.cpu_seconds() - server)
            if rows != n:
                raise RuntimeError(f"{side}: read {rows} rows, expected {n}")
            times[side].append(seconds)
            requests[side] = base_operations(emu.stats())

        token_ = info["api_token"]
        for i in range(rounds):
            for side in ("sdk", "raw") if i % 2 else ("raw", "sdk"):
                if side == "sdk":
                    measure("sdk", lambda: anyio.run(sdk_export, emu.url, token_))
                else:
                    measure(
                        "raw",
                        lambda: anyio.run(raw_export, emu.url, token_, DEFAULT_EXPORT_CONCURRENCY),
                    )
        measure("query", lambda: official_query(emu.url, token_))
        measure("list_rows", lambda: official_list_rows(emu.url, token_))
    seconds = {k: median(v) for k, v in times.items()}
    rate = {k: n / v for k, v in seconds.items()}
    best_official = max(rate["query"], rate["list_rows"])
    result = {
        "scenario": "export",
        "rows": n,
        "columns": len(COLUMNS),
        "latency_s": latency,
        "concurrency": DEFAULT_EXPORT_CONCURRENCY,
        "rounds": rounds,
        "seconds": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "requests": requests,
        "rows_per_s": {k: round(v) for k, v in rate.items()},
        "client_cpu_s": {k: round(median(v), 2) for k, v in client_cpu.items()},
        "server_cpu_s": {k: round(median(v), 2) for k, v in server_cpu.items()},
        "vs_official": round(rate["sdk"] / best_official, 2),
        "vs_raw": round(rate["sdk"] / rate["raw"], 3),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    print_result(result)
    return result


def print_result(r: dict[str, Any]) -> None:
    print(
        f"\n== Export of {r['rows']:,} rows x {r['columns']} columns, "
        f"{r['latency_s'] * 1000:.0f} ms latency (load {r['load_average_before'][0]:.2f}) =="
    )
    labels = {
        "sdk": "seatable-async export (defaults)",
        "raw": f"raw httpx, same plan ({r['concurrency']} pages in flight)",
        "query": "official client: query pages",
        "list_rows": "official client: list_rows pages",
    }
    rows = [
        [labels[k], r["requests"][k], f"{median(v):.2f}", f"{r['rows_per_s'][k]:,}",
         ", ".join(f"{x:.2f}" for x in v), r["server_cpu_s"][k], r["client_cpu_s"][k]]
        for k, v in r["seconds"].items()
    ]  # fmt: skip
    headers = [
        "client",
        "requests",
        "seconds",
        "rows/s",
        "runs (s)",
        "server CPU s",
        "client CPU s",
    ]
    print(fmt_table(headers, rows))
    print(
        f"requests: {r['requests']['sdk']} (target <= {TARGET_REQUESTS}); "
        f"SDK / best official: {r['vs_official']}x (target >= {TARGET_VS_OFFICIAL}x); "
        f"SDK / raw httpx: {r['vs_raw']}x (target >= {TARGET_VS_RAW}x)"
    )


# -- memory --------------------------------------------------------------------------------


def _memory_child(rows: int, out: str) -> None:
    import base64
    import time as _time

    import jwt
    import pyarrow.parquet as pq

    from seatable_async import Client

    uuid = "1b7f3c1a-6a2e-4b3d-9f5e-0c2d4e6f8a10"
    metadata_columns = [{"key": f"k{i:03d}", "name": name, "type": kind, "data": None}
                        for i, (name, kind) in enumerate(COLUMNS.items())]  # fmt: skip
    page = re.compile(r"LIMIT (\d+) OFFSET (\d+)")

    def row_id(i: int) -> str:  # sorted like the ids: zero-padded, 22 url-safe characters
        return base64.urlsafe_b64encode(i.to_bytes(16, "big")).decode()[:22]

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/app-access-token/"):
            claims = {"exp": int(_time.time()) + 86400, "dtable_uuid": uuid, "permission": "r"}
            access = jwt.encode(claims, "k" * 32, algorithm="HS256")
            gateway = "http://127.0.0.1/api-gateway/"
            return httpx.Response(200, json={
                "app_name": "bench", "access_token": access, "dtable_uuid": uuid,
                "dtable_server": gateway, "use_api_gateway": True})  # fmt: skip
        if path.endswith("/metadata/"):
            table = {"_id": "0000", "name": "T", "columns": metadata_columns, "views": []}
            return httpx.Response(200, json={"metadata": {"tables": [table]}})
        if path.endswith("/sql"):
            sql = json.loads(request.content)["sql"]
            if sql.startswith("SELECT COUNT(*)"):
                return httpx.Response(
                    200, json={"success": True, "metadata": [], "results": [{"COUNT(*)": rows}]}
                )
            limit, offset = map(int, page.search(sql).groups())  # type: ignore[union-attr]
            results = []
            for i in range(offset, min(rows, offset + limit)):
                stamp = "2030-01-01T10:00:00.000+00:00"
                results.append({"_id": row_id(i), "_ctime": stamp, "_mtime": stamp, **make_row(i)})
            return httpx.Response(
                200, json={"success": True, "metadata": metadata_columns, "results": results}
            )
        return httpx.Response(404, json={"error_message": f"unexpected {path}"})

    async def main() -> None:
        written = 0
        async with Client("http://127.0.0.1", transport=httpx.MockTransport(handler)) as client:
            writer = None
            async for batch in client.base("a" * 40).arrow_batches("T", concurrency=CONCURRENCY):
                if writer is None:
                    writer = pq.ParquetWriter(out, batch.schema)
                writer.write_batch(batch)
                written += batch.num_rows
            assert writer is not None
            writer.close()
        assert written == rows == pq.ParquetFile(out).metadata.num_rows

    started = _time.perf_counter()
    anyio.run(main)
    peak_mb = _peak_rss_mb()
    print(
        json.dumps(
            {
                "rows": rows,
                "peak_mb": round(peak_mb, 1),
                "seconds": round(_time.perf_counter() - started, 1),
            }
        )
    )


def _peak_rss_mb() -> float:
    """This process's peak RSS. ``VmHWM`` belongs to the process image: unlike ``ru_maxrss``,
    it does not carry over the parent's size through fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory() -> dict[str, Any]:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for rows in (10_000, 1_000_000):
            out = str(Path(folder) / f"export-{rows}.parquet")
            line = subprocess.run(
                [sys.executable, __file__, "--memory-child", str(rows), out],
                check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]  # fmt: skip
            results[rows] = json.loads(line)
            peak, seconds = results[rows]["peak_mb"], results[rows]["seconds"]
            print(f"{rows:>9,} rows to Parquet: peak RSS {peak:7.1f} MB ({seconds} s)")
    diff = results[1_000_000]["peak_mb"] - results[10_000]["peak_mb"]
    verdict = "OK" if diff <= TARGET_MEMORY_MB else "OVER TARGET"
    print(f"difference: {diff:.1f} MB (target: within {TARGET_MEMORY_MB:.0f} MB) {verdict}")
    return {
        "peak_mb": {str(k): v["peak_mb"] for k, v in results.items()},
        "difference_mb": round(diff, 1),
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--memory-child":
        _memory_child(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, one round")
    parser.add_argument("--memory", action="store_true", help="only the memory scenario")
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds per request")
    args = parser.parse_args()
    if not args.memory:
        run(quick=args.quick, latency=args.latency)
    if args.memory or not args.quick:
        memory()


if __name__ == "__main__":
    main()
