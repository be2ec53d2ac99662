"""Redis tests: need a real server at ``SEATABLE_ASYNC_TEST_REDIS_URL`` (``.ci/run`` starts one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

REDIS_URL = os.environ.get("SEATABLE_ASYNC_TEST_REDIS_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.redis)
            if not REDIS_URL:
                item.add_marker(pytest.mark.skip(reason="SEATABLE_ASYNC_TEST_REDIS_URL is not set"))


@pytest.fixture
def redis_url() -> str:
    assert REDIS_URL
    return REDIS_URL


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    """A fresh key namespace per test, deleted afterwards."""
    import redis

    ns = f"sa-test-{uuid.uuid4().hex[:8]}"
    yield ns
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{ns}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
