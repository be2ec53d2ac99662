"""Soak under seeded faults: thousands of mixed operations, nothing lost, duplicated or leaked.

``SEATABLE_SOAK_OPS`` (default 2000) sizes the loopback soak; the in-process variant runs a
quarter of it. ``SEATABLE_SOAK_REPORT=<file>`` appends each run's figures as a JSON line.
Figures are also printed (run with ``-s`` to see them)::

    SEATABLE_SOAK_OPS=20000 pytest tests/reliability/test_soak.py -s
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections import Counter
from typing import Any

import anyio
import pytest

import seatable_async as sa
from seatable_async._http.http_client import TOKEN_CONNECTIONS
from seatable_async.emulator import Emulator, Faults

from ._helpers import FAST_RETRY, running_tasks

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SOAK_OPS = int(os.environ.get("SEATABLE_SOAK_OPS", "2000"))
BASES = 10
TABLE = "T"
COLUMNS = {"Key": "text", "Value": "number", "Tag": "text"}
STABLE = 10  # rows per base that are only ever read
FAULTS = Faults(
    seed=20240607,
    rate_429=0.002,
    rate_5xx=0.02,
    rate_reset=0.015,
    rate_lost=0.02,
    latency_jitter=0.004,
)
# Every fault kind with 1-second tokens: a 429 parks the base's workers for >= 1 s, longer than
# a token lives, so requests must take a fresh token after queueing (see
# test_token_leased_before_queueing_is_sent_expired).
FAULTS_SHORT_TTL = Faults(
    seed=424242,
    rate_429=0.002,
    rate_5xx=0.025,
    rate_reset=0.02,
    rate_lost=0.025,
    latency_jitter=0.004,
)
KINDS = {"list": 14, "get": 14, "sql": 14, "import": 16, "append": 12, "update": 15, "delete": 15}


class Soak:
    """One soak run: the plan, the expected state, and what happened."""

    def __init__(self, emu: Emulator, ops: int, seed: int):
        self.emu = emu
        rng = random.Random(seed)
        self.bases: list[Any] = []
        self.tokens: list[str] = []
        # expected[b]: Key -> Value of every row base b must hold at the end
        self.expected: list[dict[str, float]] = []
        self.ids: list[dict[str, str]] = []  # Key -> row id of the seeded rows
        kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=ops)
        self.plan = [(kind, rng.randrange(BASES), n) for n, kind in enumerate(kinds)]
        for b in range(BASES):
            base = emu.add_base(owner="soak@example.com", name=f"Soak {b}", tables={TABLE: COLUMNS})
            self.bases.append(base)
            self.tokens.append(emu.add_api_token(base, app_name="soak"))
            mine = [(kind, n) for kind, bb, n in self.plan if bb == b]
            seed_rows = [{"Key": f"s{b}-{i}", "Value": i, "Tag": "stable"} for i in range(STABLE)]
            seed_rows += [
                {"Key": f"{kind[0]}{b}-{n}", "Value": -1, "Tag": kind}
                for kind, n in mine
                if kind in ("update", "delete")
            ]
            table = base.table(TABLE)
            ids, _ = emu.state.insert_rows(base, table, seed_rows, "soak@example.com")
            self.ids.append({row["Key"]: rid for row, rid in zip(seed_rows, ids, strict=True)})
            self.expected.append({row["Key"]: row["Value"] for row in seed_rows})
        self.done: Counter[str] = Counter()
        self.reconciled = 0  # ambiguous plain appends the test had to reconcile
        self.import_leftovers = 0
        self.max_connections = 0
        self.connections: dict[int, Any] = {}
        self.pool: Any = None
        self.rows_checked = 0
        self.read_checks = 0

    def sample_connections(self) -> None:
        if self.pool is None:
            return
        connections = self.pool.connections
        self.max_connections = max(self.max_connections, len(connections))
        for connection in connections:
            self.connections[id(connection)] = connection

    # -- operations ---------------------------------------------------------------------------

    async def run_op(self, client: sa.Client, kind: str, b: int, n: int) -> None:
        base = client.base(self.tokens[b])
        stable_key = f"s{b}-{n % STABLE}"
        if kind == "list":
            rows = await base.list_rows(TABLE, limit=STABLE)  # seeded first: the first page
            keys = {r.get("Key") for r in rows}
            assert {f"s{b}-{i}" for i in range(STABLE)} <= keys
            self.read_checks += len(rows)
        elif kind == "get":
            row = await base.get_row(TABLE, self.ids[b][stable_key])
            assert row["Key"] == stable_key and row["Value"] == n % STABLE
            self.read_checks += 1
        elif kind == "sql":
            result = await base.sql(f"SELECT Key, Value FROM {TABLE} WHERE Key = ?", [stable_key])
            assert [(r["Key"], r["Value"]) for r in result.rows] == [(stable_key, n % STABLE)]
            self.read_checks += 1
        elif kind == "update":
            key = f"u{b}-{n}"
            await base.update_rows(TABLE, {self.ids[b][key]: {"Value": n}})
            self.expected[b][key] = n
        elif kind == "delete":
            key = f"d{b}-{n}"
            await base.delete_rows(TABLE, [self.ids[b][key]])
            del self.expected[b][key]
        elif kind == "import":
            rows = [{"Key": f"i{b}-{n}-{j}", "Value": j, "Tag": "import"} for j in range(5)]
            report = await base.import_rows(
                TABLE, rows, key="Key", batch_size=5, raise_on_failure=False, settle=0.0
            )  # no late commits in the soak's fault mix: reconcile at once
            assert report.inserted_count + report.failed_count + report.maybe_applied_count == 5
            assert report.failed_count == 0, [f.error for f in report.failed]
            if report.maybe_applied_count:
                # More ambiguous answers in a row than MAX_RECONCILE_ROUNDS: documented as
                # "maybe applied"; settle it like a user would.
                self.import_leftovers += report.maybe_applied_count
                left = [rows[i] for m in report.maybe_applied for i in m.indices]
                await self.reconcile(base, left)
            for row in rows:
                self.expected[b][row["Key"]] = row["Value"]
        elif kind == "append":
            rows = [{"Key": f"a{b}-{n}-{j}", "Value": j, "Tag": "append"} for j in range(3)]
            try:
                ids = await base.append_rows(TABLE, rows)
                assert len(ids) == 3
            except sa.MaybeAppliedError:
                # Documented: a non-idempotent write is not replayed blindly; reconcile.
                self.reconciled += 1
                await self.reconcile(base, rows)
            for row in rows:
                self.expected[b][row["Key"]] = row["Value"]
        self.done[kind] += 1
        self.sample_connections()

    async def reconcile(self, base: sa.Base, rows: list[dict[str, Any]]) -> None:
        """What a user does after MaybeAppliedError: look the keys up, send what is missing."""
        for _ in range(20):
            marks = ", ".join("?" for _ in rows)
            found = await base.sql(
                f"SELECT Key FROM {TABLE} WHERE Key IN ({marks})", [r["Key"] for r in rows]
            )
            present = {r["Key"] for r in found.rows}
            rows = [r for r in rows if r["Key"] not in present]
            if not rows:
                return
            try:
                await base.append_rows(TABLE, rows)
                return
            except sa.MaybeAppliedError:
                continue
        raise AssertionError("reconciliation did not settle in 20 rounds")

    # -- final checks ---------------------------------------------------------------------------

    def check_tables(self) -> None:
        for b, base in enumerate(self.bases):
            stored = self.emu.rows(base, TABLE)
            keys = [row["Key"] for row in stored]
            duplicates = [k for k, c in Counter(keys).items() if c > 1]
            assert not duplicates, f"base {b}: duplicated rows {duplicates[:5]}"
            actual = {row["Key"]: row["Value"] for row in stored}
            missing = set(self.expected[b]) - set(actual)
            extra = set(actual) - set(self.expected[b])
            assert not missing, f"base {b}: lost rows {sorted(missing)[:5]}"
            assert not extra, f"base {b}: rows that should not exist {sorted(extra)[:5]}"
            assert actual == self.expected[b], f"base {b}: wrong values"
            self.rows_checked += len(stored)


WORKERS = 64


async def _soak(
    emu: Emulator, client: sa.Client, soak: Soak, workers: int = WORKERS, jumps: int = 0
) -> float:
    """Run the plan with ``workers`` concurrent tasks (more than the client's
    max_concurrency, so its limiter queues them)."""
    started = time.monotonic()
    send, receive = anyio.create_memory_object_stream[tuple[str, int, int]](len(soak.plan))
    for item in soak.plan:
        send.send_nowait(item)
    send.close()

    marks = {len(soak.plan) * (j + 1) // (jumps + 1) for j in range(jumps)}

    async def worker() -> None:
        async for kind, b, n in receive:
            await soak.run_op(client, kind, b, n)
            if sum(soak.done.values()) in marks:
                # Every Base-Token in use is now expired on the server: the next request of
                # each base is refused and the pool re-mints once for all of that base's
                # waiters.
                emu.advance(emu.token_ttl + 1)

    async with receive, anyio.create_task_group() as tg:
        for _ in range(workers):
            tg.start_soon(worker)
    return time.monotonic() - started


def _report(
    name: str, backend: str, emu: Emulator, client: sa.Client, soak: Soak, **extra: Any
) -> dict[str, Any]:
    stats = client.stats
    figures = {
        "variant": name,
        "backend": backend,
        "operations": sum(soak.done.values()),
        "by_kind": dict(soak.done),
        "faults_injected": dict(emu.stats.faults),
        "emulator_requests": emu.stats.total_requests,
        "client_retries": dict(stats.retries),
        "ambiguous_appends_reconciled_by_caller": soak.reconciled,
        "import_rows_left_maybe_applied": soak.import_leftovers,
        "rows_checked": soak.rows_checked,
        "rows_read_and_verified": soak.read_checks,
        "token_requests": emu.stats.token_requests["api"],
        "token_rejections": emu.stats.rejected_tokens,
        **extra,
    }
    print(f"\nSOAK SUMMARY {json.dumps(figures, sort_keys=True)}")
    path = os.environ.get("SEATABLE_SOAK_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(figures, sort_keys=True) + "\n")
    return figures


def _generations(client: sa.Client) -> list[int]:
    return [slot.generation for slot in client._session.pool._slots.values()]


def _leaks(soak: Soak) -> int:
    return sum(not c.is_closed() for c in soak.connections.values())


async def test_soak_over_loopback_http(anyio_backend: str) -> None:
    """2,000 mixed operations over 10 bases through uvicorn on loopback with every fault kind;
    the emulator clock jumps past the Base-Tokens' expiry three times."""
    jumps = 3
    emu = Emulator("6.0", token_ttl=3600, faults=FAULTS)
    emu.add_user("soak@example.com", "pw")
    soak = Soak(emu, SOAK_OPS, seed=7)
    baseline = running_tasks()
    max_concurrency = 16
    async with emu.serve() as url:
        async with sa.Client(url, retry=FAST_RETRY, max_concurrency=max_concurrency) as client:
            assert client._http is not None
            soak.pool = client._http._transport._pool  # type: ignore[attr-defined]
            elapsed = await _soak(emu, client, soak, jumps=jumps)
            soak.sample_connections()
            generations = _generations(client)
            stats = client.stats
        # Every connection the pool ever held is closed, and no background task is left.
        assert client._task_group is None and client._http is None
        assert soak.pool.connections == []
        assert soak.connections and _leaks(soak) == 0
        leaked_tasks = running_tasks() - baseline
    assert leaked_tasks == 0
    assert soak.max_connections <= max_concurrency + TOKEN_CONNECTIONS
    assert sum(soak.done.values()) == SOAK_OPS
    soak.check_tables()
    assert all(emu.stats.faults[k] > 0 for k in ("429", "5xx", "reset", "lost")), emu.stats.faults
    # One mint per base per generation: the first, plus at most one per clock jump, however
    # many requests were refused with the expired token.
    assert len(generations) == BASES
    assert all(1 <= g <= 1 + jumps for g in generations), generations
    assert sum(generations) > BASES  # the jumps really forced re-mints
    assert emu.stats.rejected_tokens >= 1
    assert sum(generations) == emu.stats.token_requests["api"] == stats.token_requests
    _report(
        "loopback",
        anyio_backend,
        emu,
        client,
        soak,
        seconds=round(elapsed, 2),
        clock_jumps=jumps,
        token_generations=generations,
        max_open_connections=soak.max_connections,
        connections_opened=len(soak.connections),
        leaked_connections=_leaks(soak),
        leaked_tasks=leaked_tasks,
    )


async def test_soak_in_process_with_short_token_ttl(anyio_backend: str) -> None:
    """The in-process variant: Base-Tokens live 1 s and the run spans several lifetimes, so the
    pool renews every base's token in the background again and again."""
    ttl = 1.0
    ops = max(200, SOAK_OPS // 2)
    emu = Emulator("6.0", token_ttl=ttl, latency=0.02, faults=FAULTS_SHORT_TTL)
    emu.add_user("soak@example.com", "pw")
    soak = Soak(emu, ops, seed=11)
    baseline = running_tasks()
    max_concurrency = 16
    async with sa.Client(
        "http://127.0.0.1",
        transport=emu.transport(),
        retry=FAST_RETRY,
        max_concurrency=max_concurrency,
    ) as client:
        # Every operation starts at once: most wait in the client's queue past their token's
        # renewal point and must take a fresh token before they are sent.
        elapsed = await _soak(emu, client, soak, workers=len(soak.plan))
        generations = _generations(client)
        stats = client.stats
    assert client._task_group is None and client._http is None
    leaked_tasks = running_tasks() - baseline
    assert leaked_tasks == 0
    assert sum(soak.done.values()) == ops
    soak.check_tables()
    assert all(emu.stats.faults[k] > 0 for k in ("429", "5xx", "reset", "lost")), emu.stats.faults
    # A generation lasts at least until its advisory point (90 % of the lifetime); each
    # server-side refusal may add one re-mint.
    rejections = emu.stats.rejected_tokens
    # A 1-second token is renewed in the background 0.2 s before it expires (its advisory
    # margin is twice its 0.1 s mandatory margin), i.e. every 0.8 s at the earliest.
    cap = 1 + math.floor(elapsed / (0.8 * ttl)) + rejections
    assert all(1 <= g <= cap for g in generations), (generations, elapsed)
    assert sum(generations) == emu.stats.token_requests["api"] == stats.token_requests
    assert elapsed > 2 * ttl, "the run must span several token lifetimes"
    assert stats.token_refreshes >= BASES  # the TTL really forced renewals
    _report(
        "in-process",
        anyio_backend,
        emu,
        client,
        soak,
        seconds=round(elapsed, 2),
        token_ttl=ttl,
        token_generations=generations,
        token_refreshes=stats.token_refreshes,
        leaked_tasks=leaked_tasks,
    )
