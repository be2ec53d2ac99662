"""Redis tests run against real servers in three topologies: single, cluster, sentinel.

``.ci/run`` starts them (``python -m tests.redis.topologies up DIR``) and exports their
addresses. Without those variables the tests start the missing topologies themselves under a
temporary directory when ``redis-server`` is installed, and skip with the reason otherwise. On
CI (``CI`` set) a missing topology fails the run instead: CI must test for real.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.redis import topologies as t
from tests.redis.setups import RedisSetup

_VARS = {
    "single": (t.ENV_SINGLE,),
    "cluster": (t.ENV_CLUSTER,),
    "sentinel": (t.ENV_SENTINELS,),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.redis)


class Setups:
    """Topologies from the environment, else started on first use and stopped at the end."""

    def __init__(self, home: Path):
        self._home = home
        self._setups: dict[str, RedisSetup] = {}
        self._started: list[Path] = []

    def get(self, kind: str) -> RedisSetup:
        setup = self._setups.get(kind)
        if setup is not None:
            return setup
        env = {
            v: os.environ[v]
            for v in (t.ENV_SINGLE, t.ENV_CLUSTER, t.ENV_SENTINELS, t.ENV_SERVICE)
            if os.environ.get(v)
        }
        if not all(v in env for v in _VARS[kind]):
            reason = f"{' and '.join(_VARS[kind])} not set"
            if os.environ.get("CI"):
                pytest.fail(f"{reason}: .ci/run must start the Redis topologies")
            if shutil.which("redis-server") is None:
                pytest.skip(f"{reason} and redis-server is not installed")
            home = self._home / kind
            self._started.append(home)
            env.update(t.STARTERS[kind](home))
        setup = self._setups[kind] = RedisSetup(kind, env)
        return setup

    def in_use(self) -> list[RedisSetup]:
        return list(self._setups.values())

    def close(self) -> None:
        for home in self._started:
            t.stop(home)


@pytest.fixture(scope="session")
def redis_setups(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setups]:
    setups = Setups(tmp_path_factory.mktemp("redis"))
    try:
        yield setups
    finally:
        setups.close()


@pytest.fixture(params=t.KINDS)
def topology(request: pytest.FixtureRequest, redis_setups: Setups) -> RedisSetup:
    """Each topology in turn."""
    return redis_setups.get(str(request.param))


@pytest.fixture
def single(redis_setups: Setups) -> RedisSetup:
    return redis_setups.get("single")


@pytest.fixture
def cluster(redis_setups: Setups) -> RedisSetup:
    return redis_setups.get("cluster")


@pytest.fixture
def redis_url(single: RedisSetup) -> str:
    return single.env[t.ENV_SINGLE]


def _cleanup(setup: RedisSetup, ns: str) -> None:
    with suppress(Exception):  # a test that killed a node restores it; leftovers expire anyway
        setup.delete(f"{ns}:*")


@pytest.fixture
def namespace(redis_setups: Setups) -> Iterator[str]:
    """A fresh key namespace per test, deleted afterwards from every topology in use."""
    ns = f"sa-test-{uuid.uuid4().hex[:8]}"
    yield ns
    for setup in redis_setups.in_use():
        _cleanup(setup, ns)


@pytest.fixture(autouse=True)
def _collect_garbage() -> Iterator[None]:
    """Collect after each test, so a leaked connection is blamed on the test that leaked it."""
    yield
    gc.collect()
