"""RedisFleetStore against real Redis in each topology, on asyncio and trio."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
import redis

import seatable_async as sa
from seatable_async._auth.store import CredentialRef, StoredToken, StoreUnavailable, from_stored
from seatable_async._http.budget import BudgetEvent
from seatable_async._http.ratelimit import RateLimiter
from seatable_async._secret import Secret
from seatable_async.redis import RedisFleetStore, _scripts
from tests.core.fakes import FakeSeaTable, api_token
from tests.redis import topologies as t
from tests.redis.setups import RedisSetup

pytestmark = pytest.mark.anyio

API = "0123456789abcdef0123456789abcdef01234567"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJlLXNlY3JldC1wYXJ0"
# Long enough that base64 ciphertext cannot contain it by chance (a 3-character uuid could).
BASE_UUID = "5d5c8d7e-1c4b-4e52-9a43-base-under-test"


def _ref(secret: str = API) -> CredentialRef:
    s = Secret(secret, kind="API-Token")
    return CredentialRef("https://cloud.example.com", f"api:{s.fingerprint}", s)


def _stored(lifetime: float = 3600.0, now: float | None = None) -> StoredToken:
    now = time.time() if now is None else now
    grant = sa.TokenGrant(
        secret=Secret(JWT, kind="Base-Token"),
        dtable_uuid=BASE_UUID,
        permission="rw",
        lifetime=lifetime,
        expires_at=now + lifetime - 10,
        use_api_gateway=True,
    )
    return StoredToken(grant)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_round_trip_is_encrypted_and_keys_hold_no_secret(
    topology: RedisSetup, namespace: str
) -> None:
    store = topology.store(namespace=namespace)
    ref = _ref()
    await store.save(ref, _stored(), 60)
    loaded = await store.load(ref)
    assert loaded is not None and loaded.secret == JWT and loaded.grant.use_api_gateway is True
    keys = topology.keys(f"{namespace}:*")
    assert keys == [f"{namespace}:token:{{{ref.server_hash}:{ref.key}}}"]
    value = topology.command(keys[0], "GET", keys[0])
    assert value is not None
    for secret in (API, JWT, BASE_UUID, "c2lnbmF0dXJlLXNlY3JldC1wYXJ0"):
        assert secret not in keys[0] and secret.encode() not in value
    assert 0 < int(topology.command(keys[0], "PTTL", keys[0])) <= 60_000
    assert API not in repr(store) and "redis://" not in repr(store)
    assert topology.kind.replace("single", "server") in repr(store)
    assert API not in repr(ref) and JWT not in repr(loaded)
    # Someone without the API-Token cannot read it (same key, other secret).
    other = CredentialRef(ref.server, ref.key, Secret("f" * 40))
    assert await store.load(other) is None
    await store.aclose()


async def test_token_reanchored_to_local_clock(redis_url: str, namespace: str) -> None:
    store = RedisFleetStore(redis_url, namespace=namespace)
    stored = _stored(lifetime=100.0)  # 90 s left
    await store.save(_ref(), stored, 60)
    loaded = await store.load(_ref())
    assert loaded is not None and loaded.expires_at == stored.expires_at
    now = anyio.current_time()
    token = from_stored(loaded, now, stored.expires_at - 60)  # 60 s left
    assert token.expiry - now == pytest.approx(60.0, abs=0.5)
    await store.aclose()


async def test_discard_is_compare_and_delete(topology: RedisSetup, namespace: str) -> None:
    store = topology.store(namespace=namespace)
    ref, token = _ref(), _stored()
    await store.save(ref, token, 60)
    assert await store.discard(ref, "0" * 16) is False  # a late rejection of an older token
    assert await store.load(ref) is not None
    assert await store.discard(ref, token.fingerprint) is True
    assert await store.load(ref) is None
    await store.aclose()


async def test_lock_is_exclusive(topology: RedisSetup, namespace: str) -> None:
    store = topology.store(namespace=namespace)
    inside = 0
    peak = 0

    async def worker() -> None:
        nonlocal inside, peak
        async with store.lock(_ref(), 5.0) as held:
            assert held
            inside += 1
            peak = max(peak, inside)
            await anyio.sleep(0.02)
            inside -= 1

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(worker)
    assert peak == 1
    assert topology.keys(f"{namespace}:token-lock:*") == []  # released
    await store.aclose()


def _server_ms(setup: RedisSetup, key: str) -> float:
    seconds, micros = setup.command(key, "TIME")
    return int(seconds) * 1000 + int(micros) / 1000


async def test_lock_of_a_crashed_holder_expires(topology: RedisSetup, namespace: str) -> None:
    store = topology.store(namespace=namespace, lock_expiry=0.4)
    key = store._lock_key(_ref())
    await store.budget_snapshot("warm-up")  # connected before the clock starts
    # A holder that died: the lock is there, with its expiry, and nobody will release it.
    set_at = _server_ms(topology, key)  # before the SET: the key expires at >= set_at + 400
    assert topology.command(key, "SET", key, "dead-owner", "PX", 400)
    async with store.lock(_ref(), 30.0) as held:
        got_at = _server_ms(topology, key)
        owner = topology.command(key, "GET", key)
    # Taken (within the store's bounded wait: expiry + 1 s), and only once Redis expired the
    # dead holder's key (by Redis's own clock, so no guess about this machine's speed).
    assert held and owner not in (None, b"dead-owner")
    assert got_at - set_at >= 400 - 1
    await store.aclose()


async def test_scripts_may_run_twice(topology: RedisSetup, namespace: str) -> None:
    """The store retries an operation whose answer was lost: a retry changes nothing more."""
    store = topology.store(namespace=namespace)
    now = time.time()
    assert await store.acquire_budget("b", now, "t1") == 0
    await store.release_budget([BudgetEvent("b", "t1", now, 200, 5, 4, now + 30, None, 60.0)])
    assert await store.acquire_budget("b", now, "t2") == 0
    assert await store.acquire_budget("b", now, "t2") == 0  # the same ticket again
    assert (await store.budget_snapshot("b"))["reported"] == 4
    for ticket in ("t3", "t4", "t5"):  # 4 reported, t2 in flight once: 3 more fit
        assert await store.acquire_budget("b", now, ticket) == 0
    assert await store.acquire_budget("b", now, "t6") > 0
    event = BudgetEvent("b", "t2", now, 429, None, None, None, None, 60.0)
    await store.release_budget([event])
    await store.release_budget([event])
    assert (await store.budget_snapshot("b"))["c429"] == 1
    take = store._eval(_scripts.LOCK, [store._lock_key(_ref())], ["me", "5000"])
    assert await store._call(take) == 1 and await store._call(take) == 1  # still mine
    await store.aclose()


async def test_budget_script_follows_the_in_memory_rules(
    topology: RedisSetup, namespace: str
) -> None:
    """The same answers through the Python limiter and the Lua script give the same budget."""
    now = [1_000_000.0]
    local = RateLimiter(clock=lambda: now[0])
    store = topology.store(namespace=namespace)
    key = "base-uuid-1"
    steps: list[tuple[int | None, dict[str, str]]] = [
        (200, {}),
        (
            200,
            {
                "x-ratelimit-limit": "5",
                "x-ratelimit-remaining": "3",
                "x-ratelimit-reset": str(now[0] + 2),
            },
        ),
        (
            200,
            {
                "x-ratelimit-limit": "5",
                "x-ratelimit-remaining": "1",
                "x-ratelimit-reset": str(now[0] + 2),
            },
        ),
        (None, {}),
        (429, {"retry-after": "3"}),
    ]
    for status, headers in steps:
        ticket = f"t{now[0]}"
        while (wait := await store.acquire_budget(key, now[0], ticket)) > 0:
            with pytest.raises(TimeoutError), anyio.fail_after(0.05):
                await local.acquire(key)  # the shared budget says wait: so does the local one
            now[0] += wait + 0.001
        with anyio.fail_after(5):
            await local.acquire(key)
        local.release(key, status, headers)
        await store.release_budget([_event(local, key, ticket, now[0], status, headers)])
        shared = await store.budget_snapshot(key)
        in_flight = _in_flight(topology, store, key)
        limit, available, window = local.snapshot(key)
        reported = shared.get("reported")
        assert (reported - in_flight if reported is not None else None) == available
        assert shared.get("limit") == (float(limit) if limit is not None else None)
        assert shared.get("window") == window
        now[0] += 0.1
    # After the 429 both block until the reset, and answer the same wait.
    wait = await store.acquire_budget(key, now[0], "tx")
    expected = local._budget(key).blocked_until - now[0]
    assert wait == pytest.approx(expected, abs=1e-6) and wait > 1.0
    await store.aclose()


def _in_flight(topology: RedisSetup, store: RedisFleetStore, key: str) -> int:
    zset = store._rate_keys(key)[1]
    return int(topology.command(zset, "ZCARD", zset))


def _event(
    limiter: RateLimiter,
    key: str,
    ticket: str,
    now: float,
    status: int | None,
    headers: dict[str, str],
) -> BudgetEvent:
    from seatable_async._http.ratelimit import _float, _int, parse_retry_after

    return BudgetEvent(
        key,
        ticket,
        now,
        status,
        _int(headers.get("x-ratelimit-limit")),
        _int(headers.get("x-ratelimit-remaining")),
        _float(headers.get("x-ratelimit-reset")),
        parse_retry_after(headers, now=now, cap=60.0) if status == 429 else None,
        60.0,
    )


async def test_a_429_in_one_process_blocks_the_others(topology: RedisSetup, namespace: str) -> None:
    one = topology.store(namespace=namespace)
    two = topology.store(namespace=namespace)
    now = time.time()
    assert await one.acquire_budget("b", now, "a") == 0
    await one.release_budget([BudgetEvent("b", "a", now, 429, None, None, None, 2.0, 60.0)])
    assert await two.acquire_budget("b", now + 0.01, "c") == pytest.approx(1.99, abs=1e-3)
    await one.aclose()
    await two.aclose()


async def test_clients_sharing_a_store_mint_one_token(
    topology: RedisSetup, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeSeaTable(token_delay=0.05)
    store = topology.store(namespace=namespace)
    with caplog.at_level(logging.WARNING, logger="seatable_async"):
        async with (
            sa.Client("http://127.0.0.1", transport=fake.transport(), store=store) as c1,
            sa.Client("http://127.0.0.1", transport=fake.transport(), store=store) as c2,
        ):
            b1, b2 = c1.base(api_token(1)), c2.base(api_token(1))
            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(b1.list_rows, "T")
                    tg.start_soon(b2.list_rows, "T")
            assert fake.token_requests == 1
            # A refused token is re-minted once and the fresh one replaces it in the store.
            fake.revoked.update(h.split(" ", 1)[1] for h in fake.seen_authorization if "." in h)
            await b1.list_rows("T")
            await b2.list_rows("T")
            assert fake.token_requests == 2
    assert _warnings(caplog) == [] and not store.degraded
    await store.aclose()


def _dead_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.parametrize("cluster", [False, True])
async def test_unreachable_redis_degrades_with_one_warning(
    caplog: pytest.LogCaptureFixture, cluster: bool
) -> None:
    fake = FakeSeaTable()
    store = RedisFleetStore(
        _dead_url(), cluster=cluster, cooldown=30.0, timeout=0.5, failover_timeout=0.2
    )
    with caplog.at_level(logging.WARNING, logger="seatable_async"):
        async with sa.Client("http://127.0.0.1", transport=fake.transport(), store=store) as c:
            base = c.base(api_token(1))
            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(base.list_rows, "T")
        with pytest.raises(StoreUnavailable):
            await store.load(_ref())
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and "Redis" in warnings[0]
    assert fake.token_requests == 1 and store.degraded
    await store.aclose()


async def _until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` (the store's own state: no event to wait on) until it holds."""
    with anyio.fail_after(30):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.01)


async def test_a_brief_outage_costs_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis restarting within ``failover_timeout``: the operation waits, then succeeds."""
    setup = RedisSetup("single", t.start_single(tmp_path))
    store = setup.store(failover_timeout=60.0, timeout=0.5)
    try:
        with caplog.at_level(logging.WARNING, logger="seatable_async"):
            await store.save(_ref(), _stored(), 60)
            killed = setup.kill_primary_of("k")
            async with anyio.create_task_group() as tg:
                result: list[StoredToken | None] = []

                async def load() -> None:
                    result.append(await store.load(_ref()))

                tg.start_soon(load)
                await _until(lambda: store._failing_since is not None)  # it is retrying
                await anyio.to_thread.run_sync(t.restart, killed.conf)
        assert result == [None]  # the restarted server kept nothing (no persistence)
        assert _warnings(caplog) == [] and not store.degraded
    finally:
        await store.aclose()
        t.stop(tmp_path)


async def test_a_long_outage_warns_once_then_shares_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    setup = RedisSetup("single", t.start_single(tmp_path))
    store = setup.store(failover_timeout=0.2, cooldown=0.0, timeout=0.5)
    try:
        with caplog.at_level(logging.INFO, logger="seatable_async"):
            await store.save(_ref(), _stored(), 60)
            killed = setup.kill_primary_of("k")
            for _ in range(3):
                with pytest.raises(StoreUnavailable):
                    await store.load(_ref())
                assert store.degraded
            await anyio.to_thread.run_sync(t.restart, killed.conf)
            await store.save(_ref(), _stored(), 60)  # one probe: shared again
        assert not store.degraded and await store.load(_ref()) is not None
        warnings = _warnings(caplog)
        assert len(warnings) == 1 and "unavailable" in warnings[0]
        assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        await store.aclose()
        t.stop(tmp_path)


async def test_refused_credentials_are_not_waited_for(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Waiting does not fix a wrong password: no ride-through, one warning, per process."""
    url = redis_url.replace("redis://", "redis://nobody:wrong-password@")
    store = RedisFleetStore(url, failover_timeout=3600.0)
    with caplog.at_level(logging.WARNING, logger="seatable_async"), pytest.raises(StoreUnavailable):
        await store.load(_ref())
    assert store._failing_since is None and store.degraded  # gave up at the first attempt
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and "AuthenticationError" in warnings[0]
    assert "wrong-password" not in warnings[0] and "wrong-password" not in repr(store)
    await store.aclose()


async def test_a_failing_operation_gives_up_while_others_succeed(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One primary of a cluster down for good, the others fine: its operations still end."""
    store = RedisFleetStore(redis_url, failover_timeout=0.3)

    def dead_primary(client: object, is_async: bool) -> object:
        raise redis.ConnectionError("that primary is gone")

    done = anyio.Event()

    async def fine_elsewhere() -> None:
        while not done.is_set():  # successes reset the store's shared failure window
            await store.budget_snapshot("elsewhere")

    with caplog.at_level(logging.WARNING, logger="seatable_async"), anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(fine_elsewhere)
            with pytest.raises(StoreUnavailable):
                await store._call(dead_primary)
            done.set()
    assert len(_warnings(caplog)) == 1
    await store.aclose()
