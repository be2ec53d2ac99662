"""RedisFleetStore against a real Redis, on asyncio and trio."""

from __future__ import annotations

import logging
import socket
import time

import anyio
import pytest
import redis

import seatable_async as sa
from seatable_async._auth.store import CredentialRef, StoredToken, StoreUnavailable
from seatable_async._http.budget import BudgetEvent
from seatable_async._http.ratelimit import RateLimiter
from seatable_async._secret import Secret
from seatable_async.redis import RedisFleetStore
from tests.core.fakes import FakeSeaTable, api_token

pytestmark = pytest.mark.anyio

API = "0123456789abcdef0123456789abcdef01234567"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJlLXNlY3JldC1wYXJ0"


def _ref(secret: str = API) -> CredentialRef:
    s = Secret(secret, kind="API-Token")
    return CredentialRef("https://cloud.example.com", f"api:{s.fingerprint}", s)


def _stored(lifetime: float = 3600.0) -> StoredToken:
    return StoredToken(
        secret=JWT,
        dtable_uuid="u-1",
        permission="rw",
        lifetime=lifetime,
        expires_at_unix=time.time() + lifetime - 10,
        use_api_gateway=True,
    )


def _raw(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


async def test_round_trip_is_encrypted_and_keys_hold_no_secret(
    redis_url: str, namespace: str
) -> None:
    store = RedisFleetStore(redis_url, namespace=namespace)
    ref = _ref()
    await store.save(ref, _stored(), 60)
    loaded = await store.load(ref)
    assert loaded is not None and loaded.secret == JWT and loaded.use_api_gateway is True
    raw = _raw(redis_url)
    try:
        keys = [k.decode() for k in raw.scan_iter(f"{namespace}:*")]
        assert keys == [f"{namespace}:token:{ref.server_hash}:{ref.key}"]
        value = raw.get(keys[0])
        assert value is not None
        for secret in (API, JWT, "u-1", "signature"):
            assert secret not in keys[0] and secret.encode() not in value
        assert 0 < raw.pttl(keys[0]) <= 60_000
    finally:
        raw.close()
    assert "***" not in repr(store) and API not in repr(ref) and JWT not in repr(loaded)
    # Someone without the API-Token cannot read it (same key, other secret).
    other = CredentialRef(ref.server, ref.key, Secret("f" * 40))
    assert await store.load(other) is None
    await store.aclose()


async def test_token_reanchored_to_local_clock(redis_url: str, namespace: str) -> None:
    store = RedisFleetStore(redis_url, namespace=namespace)
    await store.save(_ref(), _stored(lifetime=100.0), 60)
    loaded = await store.load(_ref())
    assert loaded is not None
    token = loaded.to_token(generation=3)
    remaining = token.expires_at - anyio.current_time()
    assert 89 < remaining <= 90.5 and token.generation == 3
    await store.aclose()


async def test_discard_is_compare_and_delete(redis_url: str, namespace: str) -> None:
    store = RedisFleetStore(redis_url, namespace=namespace)
    ref, token = _ref(), _stored()
    await store.save(ref, token, 60)
    assert await store.discard(ref, "0" * 16) is False  # a late rejection of an older token
    assert await store.load(ref) is not None
    assert await store.discard(ref, token.fingerprint) is True
    assert await store.load(ref) is None
    await store.aclose()


async def test_lock_is_exclusive(redis_url: str, namespace: str) -> None:
    store = RedisFleetStore(redis_url, namespace=namespace)
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
    await store.aclose()


async def test_lock_of_a_crashed_holder_expires(redis_url: str, namespace: str) -> None:
    store = RedisFleetStore(redis_url, namespace=namespace, lock_expiry=0.4)
    raw = _raw(redis_url)
    try:  # a holder that died: the lock is there, with its expiry, and nobody will release it
        raw.set(store._lock_key(_ref()), "dead-owner", px=400)
    finally:
        raw.close()
    started = time.monotonic()
    async with store.lock(_ref(), 30.0) as held:
        waited = time.monotonic() - started
    assert held and 0.2 < waited < 1.0
    await store.aclose()


async def test_budget_script_follows_the_in_memory_rules(redis_url: str, namespace: str) -> None:
    """The same answers through the Python limiter and the Lua script give the same budget."""
    now = [1_000_000.0]
    local = RateLimiter(clock=lambda: now[0])
    store = RedisFleetStore(redis_url, namespace=namespace)
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
        with anyio.fail_after(0.5):
            await local.acquire(key)
        local.release(key, status, headers)
        await store.release_budget([_event(local, key, ticket, now[0], status, headers)])
        shared = await store.budget_snapshot(key)
        limit, remaining, reset = local.snapshot(key)
        assert shared.get("remaining") == remaining
        assert shared.get("limit") == (float(limit) if limit is not None else None)
        assert shared.get("reset_at") == reset
        now[0] += 0.1
    # After the 429 both block until the reset, and answer the same wait.
    wait = await store.acquire_budget(key, now[0], "tx")
    expected = local._budget(key).blocked_until - now[0]
    assert wait == pytest.approx(expected, abs=1e-6) and wait > 1.0
    await store.aclose()


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


async def test_a_429_in_one_process_blocks_the_others(redis_url: str, namespace: str) -> None:
    one = RedisFleetStore(redis_url, namespace=namespace)
    two = RedisFleetStore(redis_url, namespace=namespace)
    now = time.time()
    assert await one.acquire_budget("b", now, "a") == 0
    await one.release_budget([BudgetEvent("b", "a", now, 429, None, None, None, 2.0, 60.0)])
    assert 1.9 < await two.acquire_budget("b", now + 0.01, "c") <= 2.0
    await one.aclose()
    await two.aclose()


async def test_clients_sharing_a_store_mint_one_token(redis_url: str, namespace: str) -> None:
    fake = FakeSeaTable(token_delay=0.05)
    store = RedisFleetStore(redis_url, namespace=namespace)
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
    await store.aclose()


def _dead_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"redis://127.0.0.1:{port}/0"


async def test_unreachable_redis_degrades_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeSeaTable()
    store = RedisFleetStore(_dead_url(), cooldown=30.0, timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="seatable_async"):
        async with sa.Client("http://127.0.0.1", transport=fake.transport(), store=store) as c:
            base = c.base(api_token(1))
            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(base.list_rows, "T")
        with pytest.raises(StoreUnavailable):
            await store.load(_ref())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Redis" in warnings[0].getMessage()
    assert fake.token_requests == 1
    await store.aclose()
