"""Scenario 3: token economy under Base-Token expiry (not a test).

1,000 operations (``list_rows(limit=1)``) over 10 bases, arriving in 8 bursts of 125
concurrent operations, one burst every ``ttl/3`` seconds, with a Base-Token lifetime of
``ttl`` = 3 s, so the run spans about 2.4 token lifetimes and every base's token expires twice.
Token requests are counted by the emulator (``/_emulator/stats`` -> ``token_requests``).

Competitors:

* this SDK: one ``Client``, one ``Base`` per base, all operations as tasks; run against a
  6.0 emulator (API gateway) and a 4.0 emulator (legacy dtable-server routes);
* the official ``seatable-api`` client as its docs recommend: one ``Base`` per base shared by
  threads (one thread per concurrent operation), ``except AuthExpiredError: base.auth()`` and
  retry. It only recognises expiry as 403 ``{"error_msg": "Token expired."}``, which the
  emulator answers on the legacy routes, so it runs against the 4.0 emulator.

Target: this SDK makes 10 token requests per expiry generation (10 bases x the number of token
lifetimes the run spans, a lifetime counted as the TTL less the second that the whole-second
``Date`` header, which dates ``exp``, leaves unknown: 2 s for a 3 s token).

    python benchmarks/bench_tokens.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    EmulatorProcess,
    fmt_table,
    load_average,
    quiet_official_client,
    token_requests,
)

BASES = 10
OPERATIONS = 1_000
BURSTS = 8
TTL = 3.0
LATENCY = 0.1
DATE_RESOLUTION = 1.0  # seconds: the HTTP Date header's resolution


def _plan(operations: int, bursts: int) -> list[int]:
    """Operations per burst (as even as possible)."""
    return [operations // bursts + (1 if i < operations % bursts else 0) for i in range(bursts)]


async def _sdk_run(url: str, tokens: list[str], plan: list[int], interval: float) -> dict[str, Any]:
    from seatable_async import Client

    errors: list[str] = []
    done = 0
    # Default settings (max_concurrency=32): the operations queue for the 32 connections.
    async with Client(url) as client:
        bases = [client.base(t) for t in tokens]

        async def op(i: int) -> None:
            nonlocal done
            try:
                await bases[i % len(bases)].list_rows("T", limit=1)
                done += 1
            except Exception as exc:  # counted and reported, never hidden
                errors.append(type(exc).__name__)

        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            n = 0
            for k, count in enumerate(plan):
                await anyio.sleep(max(0.0, started + k * interval - time.monotonic()))
                for _ in range(count):
                    tg.start_soon(op, n)
                    n += 1
        span = time.monotonic() - started
        stats = client.stats
    return {
        "operations_ok": done,
        "errors": errors,
        "span_s": round(span, 2),
        "client_token_requests": stats.token_requests,
        "client_retries": dict(stats.retries) if hasattr(stats, "retries") else None,
    }


def _official_run(url: str, tokens: list[str], plan: list[int], interval: float) -> dict[str, Any]:
    quiet_official_client()
    from seatable_api import Base
    from seatable_api.exception import AuthExpiredError

    bases = []
    for t in tokens:
        b = Base(t, url)
        bases.append(b)
    errors: list[str] = []
    done = 0
    reauths = 0
    lock = threading.Lock()

    def op(i: int) -> None:
        nonlocal done, reauths
        base = bases[i % len(bases)]
        try:
            try:
                base.list_rows("T", limit=1)
            except AuthExpiredError:
                with lock:
                    reauths += 1
                base.auth()
                base.list_rows("T", limit=1)
            with lock:
                done += 1
        except Exception as exc:  # counted and reported, never hidden
            with lock:
                errors.append(type(exc).__name__)

    started = time.monotonic()
    # Authorise every base first, as a user would (part of the measured run).
    for b in bases:
        b.auth()
    with ThreadPoolExecutor(max_workers=max(plan)) as pool:
        n = 0
        for k, count in enumerate(plan):
            time.sleep(max(0.0, started + k * interval - time.monotonic()))
            for _ in range(count):
                pool.submit(op, n)
                n += 1
    span = time.monotonic() - started
    return {
        "operations_ok": done,
        "errors": errors,
        "span_s": round(span, 2),
        "auth_expired_caught": reauths,
    }


def _one(name: str, version: str, official: bool, ttl: float, plan: list[int]) -> dict[str, Any]:
    interval = ttl / 3
    with EmulatorProcess(version=version, latency=LATENCY, token_ttl=ttl) as emu:
        tokens = [emu.create_base(f"tokens-{i}")["api_token"] for i in range(BASES)]
        emu.reset_stats()
        if official:
            out = _official_run(emu.url, tokens, plan, interval)
        else:
            out = anyio.run(_sdk_run, emu.url, tokens, plan, interval)
        stats = emu.stats()
    # Expiry generations: the token lifetimes the operations actually spanned (first operation
    # started -> last one finished), counted in the lifetime a client can rely on. SeaTable's
    # tokens carry ``exp`` but no ``iat``; the answer's ``Date`` header, in whole seconds, is
    # the only clock that dates ``exp``, so the last second of a lifetime is unknowable (see
    # docs/authentication.md). At least the planned span; more if the machine was slow and
    # the last operations ran into one more lifetime, which then really needs one more token.
    usable = ttl - DATE_RESOLUTION
    planned = math.ceil(((len(plan) - 1) * interval + 2 * LATENCY) / usable)
    generations = max(planned, math.ceil(out["span_s"] / usable))
    minted = token_requests(stats)
    out.update(
        {
            "client": name,
            "emulator_version": version,
            "token_requests": minted,
            "generations": generations,
            "per_generation": round(minted / generations, 1),
            "rejected_tokens": stats["rejected_tokens"],
            "requests": stats["total_requests"],
        }
    )
    out["errors"] = _summarise(out["errors"])
    return out


def _summarise(errors: list[str]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for e in errors:
        summary[e] = summary.get(e, 0) + 1
    return summary


def run(quick: bool = False) -> dict[str, Any]:
    ops = 400 if quick else OPERATIONS
    plan = _plan(ops, BURSTS)
    load_before = load_average()
    runs = [
        _one("seatable-async", "6.0", False, TTL, plan),
        _one("seatable-async", "4.0", False, TTL, plan),
        _one("seatable-api (official)", "4.0", True, TTL, plan),
    ]
    target = {r["emulator_version"]: BASES * r["generations"] for r in runs[:2]}
    passed = all(
        r["token_requests"] <= target[r["emulator_version"]] and r["operations_ok"] == ops
        for r in runs[:2]
    )
    official, sdk4 = runs[2], runs[1]
    result = {
        "scenario": "tokens",
        "bases": BASES,
        "operations": ops,
        "bursts": BURSTS,
        "ttl_s": TTL,
        "latency_s": LATENCY,
        "runs": runs,
        "target_per_generation": BASES,
        "passed": passed,
        "official_vs_sdk_legacy": round(
            official["token_requests"] / max(1, sdk4["token_requests"]), 1
        ),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    print_result(result)
    return result


def print_result(r: dict[str, Any]) -> None:
    print(
        f"\n== Scenario 3: token economy ({r['operations']:,} ops over {r['bases']} bases, "
        f"{r['bursts']} bursts, token TTL {r['ttl_s']:g} s) =="
    )
    rows = []
    for x in r["runs"]:
        rows.append(
            [
                x["client"],
                x["emulator_version"],
                x["token_requests"],
                x["generations"],
                x["per_generation"],
                x["rejected_tokens"],
                f"{x['operations_ok']}/{r['operations']}",
                ",".join(f"{k}:{v}" for k, v in x["errors"].items()) or "-",
                x["span_s"],
            ]
        )
    print(
        fmt_table(
            [
                "client",
                "server",
                "token req",
                "generations",
                "per gen",
                "rejected",
                "ok",
                "errors",
                "span s",
            ],
            rows,
        )
    )
    verdict = "PASS" if r["passed"] else "MISS"
    print(
        f"target: {r['target_per_generation']} token requests per generation -> {verdict}; "
        f"official/SDK on 4.0 = {r['official_vs_sdk_legacy']}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
