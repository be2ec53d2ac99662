"""Shared fixtures: anyio tests run on asyncio and trio unless a folder narrows it."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
