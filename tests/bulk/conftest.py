"""Fixtures for the bulk importer tests: a seeded emulator and row generators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from seatable_async import RetryPolicy
from seatable_async.emulator import Emulator
from seatable_async.emulator.demo import DemoAccount, seed_demo

TABLE = "Contacts"

# Fast retries so fault-heavy imports stay short; the limits stay those of the product.
FAST_RETRY = RetryPolicy(max_attempts=8, backoff_base=0.005, backoff_max=0.05, rate_limit_wait=0.02)


def contacts(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` distinct demo rows; Email is the unique key."""
    for i in range(start, start + n):
        yield {"Name": f"name {i}", "Email": f"user{i}@example.com", "Age": i % 90, "City": "X"}


def demo(emu: Emulator) -> DemoAccount:
    return seed_demo(emu)


@pytest.fixture
def emu() -> Emulator:
    return Emulator("6.0")
