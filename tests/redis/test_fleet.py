"""A fleet of real processes sharing Base-Tokens and rate budgets through real Redis, in each
topology (one server, a 3-master cluster, Sentinel), against the out-of-process emulator.

Every wait is for an event a worker reported or a condition Redis reports, with a deadline. The
emulator's rate limit bounds how fast the workers can go, so work "left after an event" is a
lower bound in time, whatever the machine's speed.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seatable_async.redis._keys import KeyLayout
from tests.redis import topologies as t
from tests.redis.fleet import (
    collect,
    control,
    create_base,
    emulator,
    go,
    launch,
    new_base,
    run_fleet,
    warnings_of,
)
from tests.redis.setups import RedisSetup

pytestmark = pytest.mark.timeout(300)  # processes, rate-limited work, failovers

WORKERS = 4
LIMIT = 20  # requests per second per base (the emulator's fixed 1-second windows)


@pytest.fixture
def emu() -> Iterator[str]:
    with emulator() as url:
        yield url


def _token_requests(stats: dict[str, Any]) -> int:
    return sum(stats["token_requests"].values())


def _figures(result: dict[str, Any], bases: int) -> dict[str, float]:
    """Token requests, 429 share, and successful requests per second per base.

    The run starts on a window boundary and the server allows LIMIT per 1-second window. The
    rate is counted over the windows the run touched, the last one by the share of it the run
    used (a run that ends early in its last window did not waste the rest of it; a window
    left part-empty before that did).
    """
    stats = result["stats"]
    appends = stats["requests"].get("gateway.rows.append", 0)
    ok = appends - stats["rate_limited"]
    done = [int(x - result["start_at"]) for s in result["summaries"] for x in s["done_at"]]
    last = max(done)
    seconds = last + min(1.0, done.count(last) / (LIMIT * bases))
    return {
        "appends": appends,
        "share_429": stats["rate_limited"] / max(1, appends),
        "rate": ok / seconds / bases,
        "tokens": _token_requests(stats),
    }


def _no_trouble(result: dict[str, Any]) -> None:
    for summary, err in zip(result["summaries"], result["stderr"], strict=True):
        assert summary["store_degraded"] is False, err[-2000:]
        assert not warnings_of(err) and "Traceback" not in err, err[-2000:]


def test_fleet_makes_one_token_request_per_base(
    emu: str, topology: RedisSetup, namespace: str
) -> None:
    tokens = [new_base(emu), new_base(emu)]
    result = run_fleet(
        emu, tokens, workers=WORKERS, redis=topology.spec, namespace=namespace, rows=300, batch=50
    )
    assert result["failed"] == 0
    assert result["inserted"] == WORKERS * 300 * 2
    assert _token_requests(result["stats"]) == 2
    assert sum(s["token_requests"] for s in result["summaries"]) == 2
    _no_trouble(result)
    assert len(topology.keys(f"{namespace}:token:*")) == 2


def test_fleet_shares_the_rate_budget(emu: str, topology: RedisSetup, namespace: str) -> None:
    control(emu, "/_emulator/config", {"rate_limit": [LIMIT, 1.0]})
    token = new_base(emu)
    rows, batch = 600, 10  # 4 workers x 60 requests = 240 requests = 12 windows
    # Every process gets the fleet's token (still one request) before the start, so that
    # the measured windows are about sharing the budget, not about a loaded machine's
    # start-up.
    result = run_fleet(
        emu,
        [token],
        workers=WORKERS,
        redis=topology.spec,
        namespace=namespace,
        rows=rows,
        batch=batch,
        concurrency=4,
        prefetch_token=True,
    )
    assert result["failed"] == 0 and result["inserted"] == WORKERS * rows
    f = _figures(result, 1)
    print(
        f"\n[{topology.kind}] rate: {result['inserted']} rows, {f['tokens']} token requests, "
        f"{f['appends']} appends, {f['rate']:.2f} of {LIMIT} req/s ({f['rate'] / LIMIT:.1%}), "
        f"429 share {f['share_429']:.2%}, {result['elapsed']:.2f} s"
    )
    per_window = Counter(
        int(x - result["start_at"]) for s in result["summaries"] for x in s["done_at"]
    )
    print(f"batches done per window: {sorted(per_window.items())}")
    assert f["tokens"] == 1
    assert f["share_429"] <= 0.01
    assert f["rate"] >= 0.95 * LIMIT
    _no_trouble(result)


def test_killed_lock_holder_stalls_nobody_beyond_the_lock_expiry(
    emu: str, topology: RedisSetup, namespace: str
) -> None:
    token = new_base(emu)
    expiry = 2.0
    with tempfile.TemporaryDirectory() as workdir:
        (holder,) = launch(
            emu,
            [token],
            workdir,
            workers=1,
            first=99,
            redis=topology.spec,
            namespace=namespace,
            rows=10,
            batch=10,
            concurrency=1,
            lock_expiry=expiry,
            hang_in_refresh=True,
        )
        try:
            go([holder])
            holder.expect("HOLDING")  # it holds the refresh lock, minting
            (lock,) = topology.keys(f"{namespace}:token-lock:*")
            assert 0 < int(topology.command(lock, "PTTL", lock)) <= expiry * 1000
            procs = launch(
                emu,
                [token],
                workdir,
                workers=WORKERS,
                redis=topology.spec,
                namespace=namespace,
                rows=100,
                batch=20,
                concurrency=2,
                lock_expiry=expiry,
            )
            for w in procs:
                w.expect("READY")
            holder.proc.send_signal(signal.SIGKILL)  # dies mid-refresh, never releasing it
            result = collect(emu, procs, go(procs), timeout=60)
        finally:
            holder.kill()
    assert all(s["failed"] == 0 and s["inserted"] == 100 for s in result["summaries"])
    # The lock expired by itself and exactly one of the others minted: had it not expired,
    # every worker would have given up waiting and minted its own.
    assert _token_requests(control(emu, "/_emulator/stats")) == 1
    _no_trouble(result)


def _start_fleet_then_kill(
    emu: str, tokens: list[str], workdir: str, setup: RedisSetup, key: str, **config: Any
) -> tuple[list[Any], float, Any]:
    """Start the fleet, wait until every worker is mid-run, then kill the primary of ``key``."""
    procs = launch(emu, tokens, workdir, workers=WORKERS, redis=setup.spec, **config)
    try:
        start_at = go(procs)
        for w in procs:
            w.expect("RUNNING")
        if setup.kind != "single":
            setup.replicate(key)  # what the fleet wrote so far is on the replica
        killed = setup.kill_primary_of(key)
    except BaseException:
        for w in procs:
            w.kill()
        raise
    return procs, start_at, killed


@pytest.mark.parametrize("kind", ["sentinel", "cluster"])
def test_primary_failover_costs_no_operation(
    emu: str, kind: str, redis_setups: Any, namespace: str
) -> None:
    setup: RedisSetup = redis_setups.get(kind)
    control(emu, "/_emulator/config", {"rate_limit": [LIMIT, 1.0]})
    (t1, uuid1), (t2, _) = create_base(emu), create_base(emu)
    tokens = [t1, t2]
    rows = 600  # per worker and base: 4 x 60 requests per base = 12 s at the allowed rate
    cfg = {
        "namespace": namespace,
        "rows": rows,
        "batch": 10,
        "concurrency": 2,
        "running_after": 20,
        "cooldown": 1.0,
    }
    hot = KeyLayout(namespace).rate(uuid1)[0]  # base 1's budget: every request touches it
    with tempfile.TemporaryDirectory() as workdir:
        procs, start_at, killed = _start_fleet_then_kill(emu, tokens, workdir, setup, hot, **cfg)
        try:
            t.wait_until(lambda: setup.failover_done(killed, hot), "the failover", timeout=60)
            # A process that starts now finds the fleet's token on the new primary.
            late = launch(
                emu,
                tokens,
                workdir,
                workers=1,
                first=50,
                **{**cfg, "redis": setup.spec_avoiding(killed), "rows": 50},
            )
            go(late)
            result = collect(emu, procs + late, start_at, timeout=180)
        finally:
            for w in procs:
                w.kill()
            setup.restore(killed)
    summaries, errs = result["summaries"], result["stderr"]
    f = _figures(result, 2)
    warned = sum(len(warnings_of(e)) for e in errs)
    print(
        f"\n[{kind}] failover: {result['inserted']} rows, {f['tokens']} token requests, "
        f"{f['rate']:.2f} of {LIMIT} req/s per base ({f['rate'] / LIMIT:.1%}), "
        f"429 share {f['share_429']:.2%}, failed {result['failed']}, warnings {warned} "
        f"({len(summaries)} processes)"
    )
    assert result["failed"] == 0
    assert result["inserted"] == WORKERS * rows * 2 + 50 * 2
    for summary, err in zip(summaries, errs, strict=True):
        assert len(warnings_of(err)) <= 1 and "Traceback" not in err, err[-2000:]
        assert all("Redis" in w for w in warnings_of(err))
        assert summary["store_degraded"] is False, err[-2000:]  # shared again at the end
    assert summaries[-1]["token_requests"] == 0  # the late process adopted the stored token
    assert f["tokens"] == 2  # one per base for the whole fleet, failover included
    assert len(setup.keys(f"{namespace}:token:*")) == 2


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_redis_going_away_degrades_with_one_warning(emu: str, tmp_path: Path) -> None:
    """A single server killed for good mid-run: one warning per process, then per process."""
    env = t.start_single(tmp_path)
    setup = RedisSetup("single", env)
    control(emu, "/_emulator/config", {"rate_limit": [LIMIT, 1.0]})
    tokens = [new_base(emu), new_base(emu)]
    rows = 400  # 4 workers x 40 requests per base = 8 s at the allowed rate
    cfg = {
        "namespace": uuid.uuid4().hex,
        "rows": rows,
        "batch": 10,
        "concurrency": 2,
        "running_after": 20,
        "failover_timeout": 1.0,
    }
    try:
        with tempfile.TemporaryDirectory() as workdir:
            # When every worker reported RUNNING, each still has > 6 s of rate-limited work
            # left (>= 120 requests per base at 20 per second), all of it touching Redis.
            procs, start_at, _ = _start_fleet_then_kill(emu, tokens, workdir, setup, "k", **cfg)
            result = collect(emu, procs, start_at, timeout=120)
    finally:
        t.stop(tmp_path)
    for summary, err in zip(result["summaries"], result["stderr"], strict=True):
        assert summary["failed"] == 0 and summary["inserted"] == rows * 2
        warnings = warnings_of(err)
        assert len(warnings) == 1 and "Redis" in warnings[0], err[-2000:]
        assert "Traceback" not in err
        assert summary["store_degraded"] is True
    assert _token_requests(result["stats"]) == 2  # the tokens were minted before the outage
