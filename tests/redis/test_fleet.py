"""A fleet of real processes sharing Base-Tokens and rate budgets through a real Redis."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.redis.fleet import control, emulator, finish, new_base, run_fleet, start_worker

WORKERS = 4


@pytest.fixture
def emu() -> Iterator[str]:
    with emulator() as url:
        yield url


def _token_requests(stats: dict[str, object]) -> int:
    counts = stats["token_requests"]
    assert isinstance(counts, dict)
    return sum(counts.values())


def test_fleet_makes_one_token_request_per_base(emu: str, redis_url: str, namespace: str) -> None:
    tokens = [new_base(emu), new_base(emu)]
    result = run_fleet(
        emu, tokens, workers=WORKERS, redis=redis_url, namespace=namespace, rows=300, batch=50
    )
    assert result["failed"] == 0
    assert result["inserted"] == WORKERS * 300 * 2
    assert _token_requests(result["stats"]) == 2
    assert sum(s["token_requests"] for s in result["summaries"]) == 2


def test_fleet_shares_the_rate_budget(emu: str, redis_url: str, namespace: str) -> None:
    limit, window = 20, 1.0
    control(emu, "/_emulator/config", {"rate_limit": [limit, window]})
    token = new_base(emu)
    rows, batch = 600, 10  # 4 workers x 60 requests = 240 requests = 12 s at the allowed rate
    result = run_fleet(
        emu,
        [token],
        workers=WORKERS,
        redis=redis_url,
        namespace=namespace,
        rows=rows,
        batch=batch,
        concurrency=4,
    )
    assert result["failed"] == 0 and result["inserted"] == WORKERS * rows
    stats = result["stats"]
    appends = stats["requests"].get("gateway.rows.append", 0)
    share_429 = stats["rate_limited"] / max(1, appends)
    successful = appends - stats["rate_limited"]
    achieved = successful / result["elapsed"]
    print(
        f"fleet: {appends} appends, 429 share {share_429:.1%}, {achieved:.1f} req/s "
        f"of {limit / window:.0f} allowed, {result['elapsed']:.2f} s"
    )
    assert share_429 <= 0.02
    assert achieved >= 0.85 * limit / window


def test_killed_lock_holder_stalls_nobody_beyond_the_lock_expiry(
    emu: str, redis_url: str, namespace: str
) -> None:
    token = new_base(emu)
    expiry = 2.0
    with tempfile.TemporaryDirectory() as workdir:
        holder = start_worker(
            {
                "url": emu,
                "tokens": [token],
                "redis": redis_url,
                "namespace": namespace,
                "rows": 10,
                "batch": 10,
                "concurrency": 1,
                "lock_expiry": expiry,
                "worker": 99,
                "hang_in_refresh": True,
            },
            workdir,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "HOLDING"  # it holds the lock, minting
            raw = redis.Redis.from_url(redis_url)
            assert list(raw.scan_iter(f"{namespace}:token-lock:*"))
            raw.close()
            started = time.time()
            procs = [
                start_worker(
                    {
                        "url": emu,
                        "tokens": [token],
                        "redis": redis_url,
                        "namespace": namespace,
                        "rows": 100,
                        "batch": 20,
                        "concurrency": 2,
                        "lock_expiry": expiry,
                        "worker": i,
                    },
                    workdir,
                )
                for i in range(WORKERS)
            ]
            holder.send_signal(signal.SIGKILL)  # dies mid-refresh, never releasing the lock
            results = [finish(p, 30) for p in procs]
        finally:
            holder.kill()
            holder.communicate()
    took = max(r["ended"] for r, _ in results) - started
    assert all(r["failed"] == 0 and r["inserted"] == 100 for r, _ in results)
    assert _token_requests(control(emu, "/_emulator/stats")) == 1
    # Process start-up (~1-2 s) plus at most the lock expiry, not the 30 s refresh timeout.
    assert took < expiry + 6.0


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_redis_going_away_degrades_with_one_warning(emu: str) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.time() + 10
        while True:
            probe = redis.Redis.from_url(url)
            try:
                probe.ping()
                break
            except redis.RedisError:
                assert time.time() < deadline
                time.sleep(0.05)
            finally:
                probe.close()
        control(emu, "/_emulator/config", {"latency": 0.02})
        tokens = [new_base(emu), new_base(emu)]
        with tempfile.TemporaryDirectory() as workdir:
            procs = [
                start_worker(
                    {
                        "url": emu,
                        "tokens": tokens,
                        "redis": url,
                        "namespace": uuid.uuid4().hex,
                        "rows": 400,
                        "batch": 10,
                        "concurrency": 2,
                        "lock_expiry": 5.0,
                        "worker": i,
                        "start_at": time.time() + 1.5,
                    },
                    workdir,
                )
                for i in range(WORKERS)
            ]
            time.sleep(2.5)  # mid-run
            server.send_signal(signal.SIGKILL)
            server.wait()
            results = [finish(p, 60) for p in procs]
    finally:
        server.kill()
        server.wait()
        control(emu, "/_emulator/config", {"latency": 0.0})
    for summary, err in results:
        assert summary["failed"] == 0 and summary["inserted"] == 800
        warnings = [line for line in err.splitlines() if line.startswith("WARNING")]
        assert len(warnings) == 1 and "Redis" in warnings[0], err[-2000:]
        assert "Traceback" not in err
