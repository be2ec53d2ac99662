"""Helpers for fleet tests and the fleet benchmark: an out-of-process emulator and workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def emulator(*args: str) -> Iterator[str]:
    """Run ``python -m seatable_async.emulator --port 0`` and yield its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "seatable_async.emulator", "--port", "0", "--version", "6.0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("URL "), line
        yield line.split(" ", 1)[1]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def control(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
        r = http.post(path, json=body) if body is not None else http.get(path)
        r.raise_for_status()
        return r.json()


def new_base(url: str) -> str:
    """Create a base with table ``T`` (k: text, n: number); return its API-Token."""
    data = control(
        url,
        "/_emulator/bases",
        {
            "name": f"fleet-{uuid.uuid4().hex[:8]}",
            "tables": {"T": {"k": "text", "n": "number"}},
        },
    )
    return str(data["api_token"])


def start_worker(config: dict[str, Any], workdir: str) -> subprocess.Popen[str]:
    path = os.path.join(workdir, f"worker-{config['worker']}-{uuid.uuid4().hex[:6]}.json")
    with open(path, "w") as fh:
        json.dump(config, fh)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.redis.fleet_worker", path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def finish(proc: subprocess.Popen[str], timeout: float) -> tuple[dict[str, Any], str]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1]), err


def run_fleet(
    url: str,
    tokens: list[str],
    *,
    workers: int,
    redis: str | None,
    namespace: str = "fleet",
    rows: int = 200,
    batch: int = 50,
    concurrency: int = 4,
    lock_expiry: float = 5.0,
    timeout: float = 60.0,
    start_delay: float = 2.0,
) -> dict[str, Any]:
    """Run ``workers`` processes at once; return their summaries plus emulator stats."""
    httpx.delete(url + "/_emulator/stats", timeout=10, trust_env=False).raise_for_status()
    start_at = float(int(time.time() + start_delay))  # a window boundary of the emulator
    with tempfile.TemporaryDirectory() as workdir:
        procs = [
            start_worker(
                {
                    "url": url,
                    "tokens": tokens,
                    "redis": redis,
                    "namespace": namespace,
                    "rows": rows,
                    "batch": batch,
                    "concurrency": concurrency,
                    "start_at": start_at,
                    "lock_expiry": lock_expiry,
                    "worker": i,
                },
                workdir,
            )
            for i in range(workers)
        ]
        results = [finish(p, timeout) for p in procs]
    summaries = [r for r, _ in results]
    stats = control(url, "/_emulator/stats")
    elapsed = max(s["ended"] for s in summaries) - start_at
    return {
        "summaries": summaries,
        "stderr": [e for _, e in results],
        "stats": stats,
        "elapsed": elapsed,
        "inserted": sum(s["inserted"] for s in summaries),
        "failed": sum(s["failed"] for s in summaries),
    }
