"""tests/api: most tests run on asyncio; concurrency tests parametrise both backends."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
