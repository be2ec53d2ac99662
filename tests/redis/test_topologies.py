"""Each way to construct the store, and the cluster's hash slots, on real servers."""

from __future__ import annotations

import logging
import time

import anyio
import anyio.lowlevel
import pytest
import redis
import redis.asyncio
import redis.asyncio.sentinel

import seatable_async as sa
from seatable_async._auth.store import CredentialRef, StoredToken
from seatable_async._http.budget import BudgetEvent
from seatable_async._secret import Secret
from seatable_async.redis import RedisFleetStore
from tests.redis import topologies as t
from tests.redis.setups import RedisSetup

API = "0123456789abcdef0123456789abcdef01234567"


def _refs() -> list[CredentialRef]:
    s = Secret(API, kind="API-Token")
    return [
        CredentialRef("https://cloud.example.com", f"api:{s.fingerprint}", s),
        # Account-Token keys carry the base name: braces or spaces in it must not break tags.
        CredentialRef("https://cloud.example.com", f"account:{s.fingerprint}:7:My {{Base}}", s),
    ]


def _slot(setup: RedisSetup, key: str) -> int:
    return int(setup.command(key, "CLUSTER", "KEYSLOT", key))


@pytest.mark.anyio
async def test_every_key_family_shares_a_slot_on_a_real_cluster(
    cluster: RedisSetup, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = cluster.store(namespace=namespace)
    for ref in _refs():
        token, lock = store._token_key(ref), store._lock_key(ref)
        assert _slot(cluster, token) == _slot(cluster, lock), (token, lock)
    # Two bases whose budgets live on different primaries, to send one release for both.
    bases: list[str] = []
    primaries: set[int] = set()
    for i in range(100):
        b = f"5d5c8d7e-0000-4000-8000-{i:012d}"
        budget, inflight = store._rate_keys(b)
        assert _slot(cluster, budget) == _slot(cluster, inflight), (budget, inflight)
        if cluster.primary_of(budget) not in primaries:
            primaries.add(cluster.primary_of(budget))
            bases.append(b)
        if len(bases) == 2:
            break
    assert len(bases) == 2
    odd = store._rate_keys("a key {with} braces")
    assert _slot(cluster, odd[0]) == _slot(cluster, odd[1])

    # Every script and the lock + token pair, for real: no CROSSSLOT, no fallback.
    with caplog.at_level(logging.WARNING, logger="seatable_async"):
        now = time.time()
        for ref in _refs():
            stored = StoredToken(
                sa.TokenGrant(
                    secret=sa.Secret("a.b.c", kind="Base-Token"),
                    dtable_uuid="u",
                    permission="rw",
                    lifetime=100,
                    expires_at=now + 90,
                )
            )
            async with store.lock(ref, 5.0) as held:
                assert held
                await store.save(ref, stored, 60)
            assert (await store.load(ref)) == stored
            assert await store.discard(ref, stored.fingerprint) is True
        for i, b in enumerate(bases):
            assert await store.acquire_budget(b, now, f"t{i}") == 0
        await store.release_budget(
            [
                BudgetEvent(b, f"t{i}", now, 200, 20, 18 - i, now + 1, None, 60.0)
                for i, b in enumerate(bases)
            ]
        )
        for i, b in enumerate(bases):
            snapshot = await store.budget_snapshot(b)
            assert snapshot["limit"] == 20 and snapshot["reported"] == 18 - i
            assert cluster.command(store._rate_keys(b)[1], "ZCARD", store._rate_keys(b)[1]) == 0
    assert caplog.records == [] and not store.degraded
    await store.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_redis_asyncio_cluster_client(cluster: RedisSetup, namespace: str) -> None:
    client = redis.asyncio.RedisCluster.from_url(cluster.env[t.ENV_CLUSTER])
    store = RedisFleetStore(client, namespace=namespace)
    assert store.topology == "cluster"
    now = time.time()
    assert await store.acquire_budget("b", now, "t") == 0
    await store.release_budget([BudgetEvent("b", "t", now, 200, 20, 19, now + 1, None, 60.0)])
    assert (await store.budget_snapshot("b"))["reported"] == 19
    await store.aclose()  # the caller's client stays open
    assert await client.ping()
    await client.aclose()


@pytest.mark.anyio
async def test_a_sync_cluster_client_from_threads(cluster: RedisSetup, namespace: str) -> None:
    # host and port, not a URL: redis-py's close() leaves a URL-built client's node pools open
    seed = int(cluster.env[t.ENV_CLUSTER].rsplit(":", 1)[1])
    client = redis.RedisCluster(host="127.0.0.1", port=seed)
    store = RedisFleetStore(client, namespace=namespace)
    assert store.topology == "cluster"
    assert await store.acquire_budget("b", time.time(), "t") == 0
    await store.aclose()
    client.close()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_sentinel_managed_client(redis_setups: object, namespace: str) -> None:
    setup: RedisSetup = redis_setups.get("sentinel")  # type: ignore[attr-defined]
    spec = setup.spec
    manager = redis.asyncio.sentinel.Sentinel([tuple(a) for a in spec["sentinels"]])
    client = manager.master_for(spec["service"])
    store = RedisFleetStore(client, namespace=namespace)
    assert store.topology == "sentinel"
    assert await store.acquire_budget("b", time.time(), "t") == 0
    await store.aclose()
    await client.aclose()
    for s in manager.sentinels:
        await s.aclose()


def test_constructors_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="cluster=True"):
        RedisFleetStore(redis.Redis(), cluster=True)
    with pytest.raises(ValueError, match="braces"):
        RedisFleetStore("redis://127.0.0.1:1/0", namespace="a{b}")
    with pytest.raises(TypeError):
        RedisFleetStore(object())
    with pytest.raises(ValueError, match="Sentinel"):
        RedisFleetStore.from_sentinel([], service_name="x")


@pytest.mark.anyio
async def test_a_cluster_client_loads_its_slot_map_once_before_concurrent_use() -> None:
    """redis-py's asyncio ``RedisCluster``, first used by several tasks at once, can send on a
    node connection another task's map loading has closed (``AttributeError`` inside
    redis-py, measured here: 54 of 300 rounds of 8 concurrent lock takers under load). The
    topology loads the map once, serialised, before handing the client out."""
    from seatable_async.redis._topology import Topology

    calls = 0
    loading = 0

    class FakeCluster:
        async def initialize(self) -> None:
            nonlocal calls, loading
            calls += 1
            loading += 1
            assert loading == 1  # never two loads at once
            await anyio.lowlevel.checkpoint()
            loading -= 1

    client = FakeCluster()
    topology = Topology("cluster", cluster=True, async_client=client)
    got: list[object] = []

    async def take() -> None:
        got.append(await topology.ready_async_client())

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(take)
    assert calls == 1 and got == [client] * 8
    assert await topology.ready_async_client() is client and calls == 1
