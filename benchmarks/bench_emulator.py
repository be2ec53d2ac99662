"""Emulator throughput: small requests/s and rows/s over loopback.

Runs ``python -m seatable_async.emulator --port 0`` in a subprocess, mints one Base-Token via
``/api/v2.1/dtable/app-access-token/`` and drives the gateway with ``httpx.AsyncClient``.
httpx's async client itself tops out at a few hundred requests/s per process on this kind of
machine, so the small-request rate of the *emulator* is measured with a minimal keep-alive
HTTP/1.1 client (asyncio streams); the httpx rate is printed alongside for reference.
Targets: ≥ 2,000 small requests/s and ≥ 50,000 rows/s (1,000-row batches).

    python benchmarks/bench_emulator.py [--requests 4000] [--rows 200000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import httpx

TARGET_REQ = 2_000.0
TARGET_ROWS = 50_000.0


def start_emulator() -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "seatable_async.emulator", "--port", "0", "--version", "6.0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = ""
    token = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (url and token):
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("URL "):
            url = line.split()[1]
        elif "API-Token:" in line:
            token = line.split()[-1]
    if not url or not token:
        proc.kill()
        raise RuntimeError("emulator did not start")
    return proc, url, token


async def run(args: argparse.Namespace) -> dict[str, float]:
    proc, url, api_token = start_emulator()
    try:
        limits = httpx.Limits(
            max_connections=args.concurrency, max_keepalive_connections=args.concurrency
        )
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
            r = await client.get(
                "/api/v2.1/dtable/app-access-token/",
                headers={"Authorization": f"Token {api_token}"},
            )
            r.raise_for_status()
            info: dict[str, Any] = r.json()
            headers = {"Authorization": f"Token {info['access_token']}"}
            prefix = f"/api-gateway/api/v2/dtables/{info['dtable_uuid']}"
            path = f"{prefix}/rows/"

            # warm-up
            await client.get("/api2/ping/")

            # small requests: list 1 row
            async def small_worker(n: int) -> None:
                for _ in range(n):
                    resp = await client.get(
                        path, params={"table_name": "Contacts", "limit": 1}, headers=headers
                    )
                    resp.raise_for_status()

            per = args.requests // args.concurrency // 4
            t0 = time.perf_counter()
            await asyncio.gather(*(small_worker(per) for _ in range(args.concurrency)))
            httpx_req_s = per * args.concurrency / (time.perf_counter() - t0)

            target = f"{path}?table_name=Contacts&limit=1"
            host = url.split("//", 1)[1]
            raw_request = (
                f"GET {target} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: {headers['Authorization']}\r\n\r\n"
            ).encode()
            per_raw = args.requests // 8
            t0 = time.perf_counter()
            await asyncio.gather(*(raw_worker(url, raw_request, per_raw) for _ in range(8)))
            req_s = per_raw * 8 / (time.perf_counter() - t0)

            batch = [
                {
                    "Name": f"n{i}",
                    "Email": f"u{i}@example.com",
                    "Age": i % 90,
                    "City": "Berlin",
                    "Score": i * 0.5,
                }
                for i in range(1000)
            ]
            batches = args.rows // 1000
            # encode once: we measure the emulator, not the client's JSON encoder
            payload = json.dumps({"table_name": "Contacts", "rows": batch}).encode()
            post_headers = {**headers, "Content-Type": "application/json"}

            async def row_worker(n: int) -> None:
                for _ in range(n):
                    resp = await client.post(path, content=payload, headers=post_headers)
                    resp.raise_for_status()

            conc = min(4, args.concurrency)
            per_b = batches // conc
            t0 = time.perf_counter()
            await asyncio.gather(*(row_worker(per_b) for _ in range(conc)))
            rows_s = per_b * conc * 1000 / (time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(10)
    return {"requests_per_s": req_s, "httpx_requests_per_s": httpx_req_s, "rows_per_s": rows_s}


async def raw_worker(url: str, request: bytes, n: int) -> None:
    """Send ``n`` keep-alive requests over one connection, reading each full response."""
    host, port = url.split("//", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    for _ in range(n):
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            raise RuntimeError(f"status {status}")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    rq, rw = result["requests_per_s"], result["rows_per_s"]
    print(f"small requests: {rq:,.0f} req/s  ({rq / TARGET_REQ:.2f}x target {TARGET_REQ:,.0f})")
    print(
        f"  (same requests through httpx.AsyncClient: {result['httpx_requests_per_s']:,.0f} req/s)"
    )
    print(f"row writes:     {rw:,.0f} rows/s ({rw / TARGET_ROWS:.2f}x target {TARGET_ROWS:,.0f})")


if __name__ == "__main__":
    main()
