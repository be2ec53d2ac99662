"""Print the hostile cases as a Markdown table: what the server did, what the SDK did, how
long (virtual seconds) and the peak of Python allocations (``python -m tests.hostile.table``)."""

from __future__ import annotations

import asyncio
import time

from tests.virtual_time import VirtualTimeLoop

from .cases import CASES
from .harness import leaked, run_case


async def _table() -> None:
    print("| # | case | the server did | the SDK did | virtual s | wall s | peak memory |")
    print("|---|---|---|---|---|---|---|")
    for n, case in enumerate(CASES, 1):
        wall = time.perf_counter()
        outcome = await run_case(case)
        wall = time.perf_counter() - wall
        if outcome.error is None:
            did = f"returned {type(outcome.value).__name__}"
        else:
            scope = getattr(outcome.error, "scope", None)
            did = type(outcome.error).__name__ + (f" (scope {scope})" if scope else "")
        if leaked(outcome.error):
            did += " — LEAKED A SECRET"
        print(
            f"| {n} | {case.name} | {case.did} | {did} | {outcome.seconds:.2f} | {wall:.2f} | "
            f"{outcome.peak / 1024:,.0f} KiB |"
        )


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        runner.run(_table())
