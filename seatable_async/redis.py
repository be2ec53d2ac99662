"""Redis backend for a fleet: one Base-Token and one rate budget per base, shared.

``pip install "seatable-async[redis]"``, then::

    from seatable_async.redis import RedisFleetStore

    store = RedisFleetStore("redis://127.0.0.1:6379/0")
    async with Client(url, store=store) as client:
        ...

What is stored (namespace ``seatable-async`` by default):

* ``<ns>:token:<server hash>:<credential fingerprint>`` — the Base-Token, encrypted with Fernet
  under a key derived (HKDF-SHA256) from the credential itself, so only holders of the API-Token
  (or Account-Token, or link) can read it; the value is ``<token fingerprint>|<ciphertext>`` so a
  refused token can be deleted by compare-and-delete. It expires with the token.
* ``<ns>:token-lock:…`` — the cross-process refresh lock: ``SET NX PX`` with a random owner,
  released by a compare-and-delete script, expiring by itself (a crashed holder blocks nobody
  beyond the expiry).
* ``<ns>:rate:<base uuid>`` (hash) and ``…:inflight`` (sorted set) — the shared per-base budget,
  updated atomically by Lua scripts that implement the rules of
  `seatable_async._http.budget`.

No credential or token appears in a key, a log line, a repr or an exception. If Redis fails, the
store logs one WARNING, raises `StoreUnavailable` to its
callers (which then work per process) and tries Redis again after ``cooldown`` seconds.

Under asyncio it uses ``redis.asyncio``; under trio (which ``redis.asyncio`` does not support)
the synchronous client runs in worker threads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
import redis as redis_sync
import redis.asyncio as redis_asyncio
import sniffio
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from redis.exceptions import RedisError

from seatable_async._auth.store import CredentialRef, StoredToken, StoreUnavailable
from seatable_async._http.budget import RESET_MARGIN, BudgetEvent

__all__ = ["RedisFleetStore"]

logger = logging.getLogger("seatable_async")

_HKDF_SALT = b"seatable-async/token-cache/v1"
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_INFLIGHT_TTL = 120.0
_BUDGET_TTL = 3600

_DISCARD = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: budget hash, in-flight zset. ARGV: now, ticket, reset margin, in-flight ttl, key ttl.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local margin = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
local in_flight = redis.call('ZCARD', KEYS[2])
local b = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset_at', 'blocked_until')
local limit = tonumber(b[1])
local remaining = tonumber(b[2]) or 0
local reset_at = tonumber(b[3])
local blocked = tonumber(b[4]) or 0
if blocked > now then return tostring(blocked - now) end
if limit and reset_at then
  if now >= reset_at + margin then
    remaining = math.max(0, limit - in_flight)
    reset_at = nil
    redis.call('HDEL', KEYS[1], 'reset_at')
  elseif remaining <= 0 then
    return tostring(reset_at + margin - now)
  end
end
if limit and remaining <= 0 and not reset_at then
  if in_flight > 0 then return '0.05' end
  remaining = 1
end
redis.call('HSET', KEYS[1], 'remaining', tostring(remaining - 1))
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return '0'
"""

# Per event: KEYS budget hash, in-flight zset; ARGV (9 each): now, ticket, status, limit,
# remaining, reset, retry_after, max_wait, reset margin ('' = none); then in-flight ttl, key ttl.
_RELEASE = """
local n = #KEYS / 2
local inflight_ttl = tonumber(ARGV[n * 9 + 1])
local key_ttl = tonumber(ARGV[n * 9 + 2])
for i = 0, n - 1 do
  local h, z = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local a = 9 * i
  local now = tonumber(ARGV[a + 1])
  local status = tonumber(ARGV[a + 3])
  local hl, hr, hreset = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local retry_after = tonumber(ARGV[a + 7])
  local max_wait, margin = tonumber(ARGV[a + 8]), tonumber(ARGV[a + 9])
  redis.call('ZREM', z, ARGV[a + 2])
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now - inflight_ttl)
  local in_flight = redis.call('ZCARD', z)
  local b = redis.call('HMGET', h, 'limit', 'remaining', 'reset_at', 'blocked_until', 'c429')
  local limit = tonumber(b[1])
  local remaining = tonumber(b[2]) or 0
  local reset_at = tonumber(b[3])
  local blocked = tonumber(b[4]) or 0
  local c429 = tonumber(b[5]) or 0
  if hl and hl > 0 and hr and hreset then
    if hreset > now and hreset - now <= max_wait * 10 then
      if limit == nil then remaining = hr - in_flight end
      limit = hl
      if reset_at == nil or hreset > reset_at then
        if reset_at ~= nil and hreset > reset_at then remaining = hl - in_flight end
        reset_at = hreset
      end
      remaining = math.min(remaining, hr)
    elseif hr <= 0 and hreset > now then
      blocked = now + max_wait
    end
  end
  if status == 429 then
    c429 = c429 + 1
    remaining = 0
    local wait = retry_after
    if wait == nil or (reset_at ~= nil and reset_at > now) then
      if reset_at ~= nil and reset_at > now then
        wait = reset_at - now + margin
      else
        wait = math.min(max_wait, 0.5 * 2 ^ math.min(c429, 7))
      end
    end
    blocked = math.max(blocked, now + wait)
  elseif status ~= nil and status < 500 then
    c429 = 0
  end
  redis.call('HSET', h, 'remaining', tostring(remaining), 'blocked_until', tostring(blocked),
             'c429', tostring(c429))
  if limit then redis.call('HSET', h, 'limit', tostring(limit)) end
  if reset_at then redis.call('HSET', h, 'reset_at', tostring(reset_at)) end
  redis.call('EXPIRE', h, key_ttl)
  redis.call('EXPIRE', z, key_ttl)
end
return n
"""


def _arg(value: float | int | None) -> str:
    return "" if value is None else repr(value)


class RedisFleetStore:
    """Shares Base-Tokens and per-base rate budgets of a fleet of processes through Redis.

    Pass it to ``Client(..., store=store)``; one store may serve many clients.

    Args:
        redis: a ``redis://`` URL, a ``redis.asyncio.Redis`` client (asyncio only) or a
            ``redis.Redis`` client (used from worker threads).
        namespace: prefix of every key.
        lock_expiry: seconds a refresh lock lives at most (default: the pool's refresh timeout,
            30 s). A crashed holder delays the others by at most this long.
        cooldown: seconds to work per process after a Redis failure before trying Redis again.
        timeout: socket timeouts for clients this store creates from a URL.
    """

    def __init__(
        self,
        redis: str | redis_asyncio.Redis | redis_sync.Redis,
        *,
        namespace: str = "seatable-async",
        lock_expiry: float | None = None,
        cooldown: float = 30.0,
        timeout: float = 2.0,
    ):
        if not namespace or any(c.isspace() for c in namespace):
            raise ValueError("namespace must be a non-empty string without whitespace")
        self.namespace = namespace
        self.lock_expiry = lock_expiry
        self.cooldown = cooldown
        self._timeout = timeout
        self._url: str | None = redis if isinstance(redis, str) else None
        self._async: redis_asyncio.Redis | None = (
            redis if isinstance(redis, redis_asyncio.Redis) else None
        )
        self._sync: redis_sync.Redis | None = redis if isinstance(redis, redis_sync.Redis) else None
        self._down_until = float("-inf")
        self._outage = False
        self._ciphers: dict[tuple[str, str, str], Fernet] = {}
        self._scripts: dict[tuple[str, bool], Any] = {}

    def __repr__(self) -> str:
        state = "degraded" if self._outage else "ok"
        return f"<RedisFleetStore namespace={self.namespace!r} ({state})>"

    # -- plumbing -------------------------------------------------------------------------------

    def _use_async(self) -> bool:
        if self._sync is not None and self._async is None:
            return False
        try:
            return sniffio.current_async_library() == "asyncio"
        except sniffio.AsyncLibraryNotFoundError:
            return False

    def _client(self, use_async: bool) -> Any:
        if use_async:
            if self._async is None:
                assert self._url is not None
                self._async = redis_asyncio.Redis.from_url(
                    self._url,
                    socket_timeout=self._timeout,
                    socket_connect_timeout=self._timeout,
                )
            return self._async
        if self._sync is None:
            if self._url is None:
                raise StoreUnavailable("a redis.asyncio client cannot be used outside asyncio")
            self._sync = redis_sync.Redis.from_url(
                self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
            )
        return self._sync

    def _script(self, source: str, use_async: bool) -> Any:
        script = self._scripts.get((source, use_async))
        if script is None:
            script = self._scripts[(source, use_async)] = self._client(use_async).register_script(
                source
            )
        return script

    async def _call(self, op: Callable[[Any, bool], Any]) -> Any:
        """Run ``op(client, is_async)``; any Redis failure becomes `StoreUnavailable`."""
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("Redis is cooling down after a failure")
        use_async = self._use_async()
        try:
            client = self._client(use_async)
            if use_async:
                result = await op(client, True)
            else:
                result = await anyio.to_thread.run_sync(partial(op, client, False))
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self.cooldown
            if not self._outage:
                self._outage = True
                logger.warning(
                    "Redis fleet store unavailable (%s); working per process, retrying Redis "
                    "in %.0f s",
                    type(exc).__name__,
                    self.cooldown,
                )
            raise StoreUnavailable("Redis is unavailable") from None
        if self._outage:
            self._outage = False
            logger.info("Redis fleet store reachable again; sharing tokens and budgets")
        return result

    def _token_key(self, ref: CredentialRef) -> str:
        return f"{self.namespace}:token:{ref.server_hash}:{ref.key}"

    def _lock_key(self, ref: CredentialRef) -> str:
        return f"{self.namespace}:token-lock:{ref.server_hash}:{ref.key}"

    def _rate_keys(self, key: str) -> list[str]:
        name = key if _SAFE_KEY.match(key) else hashlib.sha256(key.encode()).hexdigest()[:32]
        return [f"{self.namespace}:rate:{name}", f"{self.namespace}:rate:{name}:inflight"]

    def _cipher(self, ref: CredentialRef) -> Fernet:
        cache_key = (ref.server_hash, ref.key, ref.secret.fingerprint)
        cipher = self._ciphers.get(cache_key)
        if cipher is None:
            hkdf = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=_HKDF_SALT,
                info=f"{ref.server_hash}:{ref.key}".encode(),
            )
            material = hkdf.derive(ref.secret.get_secret().encode())
            cipher = self._ciphers[cache_key] = Fernet(base64.urlsafe_b64encode(material))
        return cipher

    # -- TokenStore -----------------------------------------------------------------------------

    async def load(self, ref: CredentialRef) -> StoredToken | None:
        """The cached token of ``ref``, decrypted, or ``None``."""
        key = self._token_key(ref)
        raw = await self._call(lambda c, a: c.get(key))
        if raw is None:
            return None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        _, sep, blob = text.partition("|")
        if not sep:
            return None
        try:
            data = json.loads(self._cipher(ref).decrypt(blob.encode()))
        except (InvalidToken, ValueError):
            return None
        token = StoredToken.from_dict(data)
        if token is None or token.expires_at <= time.time():
            return None
        return token

    async def save(self, ref: CredentialRef, token: StoredToken, ttl: float) -> None:
        """Cache ``token`` encrypted for ``ttl`` seconds."""
        blob = self._cipher(ref).encrypt(json.dumps(token.to_dict()).encode()).decode()
        value = f"{token.fingerprint}|{blob}"
        key, ms = self._token_key(ref), max(1, int(ttl * 1000))
        await self._call(lambda c, a: c.set(key, value, px=ms))

    async def discard(self, ref: CredentialRef, fingerprint: str) -> bool:
        """Delete the cached token only if it is the one with ``fingerprint``."""
        key = self._token_key(ref)
        deleted = await self._call(
            lambda c, a: self._script(_DISCARD, a)(keys=[key], args=[fingerprint])
        )
        return bool(deleted)

    def lock(self, ref: CredentialRef, expiry: float) -> AbstractAsyncContextManager[bool]:
        """The refresh lock of ``ref``; waits with short sleeps until it is free or expired."""
        return self._lock(self._lock_key(ref), self.lock_expiry or expiry)

    @asynccontextmanager
    async def _lock(self, key: str, expiry: float) -> AsyncIterator[bool]:
        owner = uuid.uuid4().hex
        ms = max(1, int(expiry * 1000))
        deadline = time.monotonic() + expiry + 1.0
        pause = 0.005
        held = False
        while True:
            held = bool(await self._call(lambda c, a: c.set(key, owner, nx=True, px=ms)))
            if held or time.monotonic() >= deadline:
                break
            await anyio.sleep(pause)
            pause = min(0.05, pause * 1.5)
        try:
            yield held
        finally:
            if held:
                with anyio.CancelScope(shield=True):
                    with suppress(StoreUnavailable):  # else it expires by itself
                        await self._call(
                            lambda c, a: self._script(_UNLOCK, a)(keys=[key], args=[owner])
                        )

    # -- BudgetStore ----------------------------------------------------------------------------

    async def acquire_budget(self, key: str, now: float, ticket: str) -> float:
        """Count one request for base ``key`` (0 returned) or say how long to wait."""
        keys = self._rate_keys(key)
        args = [_arg(now), ticket, _arg(RESET_MARGIN), _arg(_INFLIGHT_TTL), str(_BUDGET_TTL)]
        result = await self._call(lambda c, a: self._script(_ACQUIRE, a)(keys=keys, args=args))
        text = result.decode() if isinstance(result, bytes) else str(result)
        try:
            return float(text)
        except ValueError:
            return 0.0

    async def release_budget(self, events: Sequence[BudgetEvent]) -> None:
        """Apply answers to the shared budgets, atomically, in order."""
        if not events:
            return
        keys: list[str] = []
        args: list[str] = []
        for e in events:
            keys.extend(self._rate_keys(e.key))
            args += [
                _arg(e.now),
                e.ticket,
                _arg(e.status),
                _arg(e.limit),
                _arg(e.remaining),
                _arg(e.reset),
                _arg(e.retry_after),
                _arg(e.max_wait),
                _arg(RESET_MARGIN),
            ]
        args += [_arg(_INFLIGHT_TTL), str(_BUDGET_TTL)]
        await self._call(lambda c, a: self._script(_RELEASE, a)(keys=keys, args=args))

    async def budget_snapshot(self, key: str) -> dict[str, float]:
        """The shared budget of ``key`` as stored (diagnostics and tests)."""
        h = self._rate_keys(key)[0]
        raw = await self._call(lambda c, a: c.hgetall(h))
        out: dict[str, float] = {}
        for k, v in dict(raw).items():
            name = k.decode() if isinstance(k, bytes) else str(k)
            out[name] = float(v.decode() if isinstance(v, bytes) else v)
        return out

    async def aclose(self) -> None:
        """Close the connections this store opened."""
        if self._async is not None and self._url is not None:
            with suppress(RedisError, OSError, RuntimeError):
                await self._async.aclose()
            self._async = None
        if self._sync is not None and self._url is not None:
            self._sync.close()
            self._sync = None
