"""Shared helpers for the reliability campaign: counting transports, task counting, secrets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpx
import sniffio

import seatable_async as sa

# Fast retries keep fault-heavy runs short; attempt caps stay well above the fault rates.
FAST_RETRY = sa.RetryPolicy(
    max_attempts=10, backoff_base=0.005, backoff_max=0.05, rate_limit_wait=0.02, deadline=30
)


class Recording(httpx.AsyncBaseTransport):
    """Wraps a transport (or a handler) and records every request that reaches it."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.requests: list[httpx.Request] = []

    @property
    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]

    @property
    def authorizations(self) -> list[str]:
        return [r.headers.get("authorization", "") for r in self.requests]

    def bearer_values(self) -> set[str]:
        """The credentials (without scheme) every request carried."""
        return {a.split(" ", 1)[1] for a in self.authorizations if " " in a}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def counting() -> Recording:
    """A transport that records requests and answers every one with 599 (none should come)."""
    return Recording(httpx.MockTransport(lambda request: httpx.Response(599)))


def running_tasks() -> int:
    """Tasks alive in the current event loop (asyncio or trio)."""
    if sniffio.current_async_library() == "asyncio":
        return len(asyncio.all_tasks())
    import trio

    def walk(task: Any) -> int:
        return 1 + sum(walk(child) for n in task.child_nurseries for child in n.child_tasks)

    return walk(trio.lowlevel.current_root_task())


def assert_no_secret(texts: Iterable[str], secrets: Iterable[str]) -> int:
    """Assert that no secret occurs in any text; return how many texts were scanned."""
    secrets = [s for s in secrets if s]
    scanned = 0
    for text in texts:
        scanned += 1
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:4]}…) leaked into: {text[:200]!r}"
    return scanned
