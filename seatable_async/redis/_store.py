"""`RedisFleetStore`: the fleet's Base-Tokens and rate budgets in Redis.

What is stored (namespace ``seatable-async`` by default; ``{…}`` is a hash tag, see ``_keys``):

* ``<ns>:token:{<server hash>:<credential fingerprint>}`` — the Base-Token, encrypted with
  Fernet under a key derived (HKDF-SHA256) from the credential itself, so only holders of the
  API-Token (or Account-Token, or link) can read it; the value is ``<token fingerprint>|
  <ciphertext>`` so a refused token can be deleted by compare-and-delete. It expires with the
  token.
* ``<ns>:token-lock:{…same tag…}`` — the cross-process refresh lock: a random owner set with
  ``NX PX``, released by compare-and-delete, expiring by itself (a crashed holder blocks nobody
  beyond the expiry).
* ``<ns>:rate:{<base>}`` (hash) and ``…:inflight`` (sorted set) — the shared per-base budget,
  updated atomically by Lua scripts that implement the rules of `BudgetStore`.

No credential or token appears in a key, a log line, a repr or an exception.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

import anyio
import anyio.to_thread
import sniffio
from redis.exceptions import NoScriptError

from seatable_async._auth.store import CredentialRef, StoredToken, StoreUnavailable
from seatable_async._http.budget import RESET_MARGIN, BudgetEvent
from seatable_async.redis import _scripts
from seatable_async.redis._crypto import TokenSealer
from seatable_async.redis._keys import KeyLayout
from seatable_async.redis._topology import (
    Topology,
    cluster_topology,
    given_topology,
    is_transient,
    sentinel_topology,
    server_topology,
    store_errors,
)

__all__ = ["RedisFleetStore"]

logger = logging.getLogger("seatable_async")

_INFLIGHT_TTL = 120.0
_BUDGET_TTL = 3600
_FIRST_PAUSE = 0.02
_MAX_PAUSE = 0.25

_Op = Callable[[Any, bool], Any]


def _arg(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class RedisFleetStore:
    """Shares Base-Tokens and per-base rate budgets of a fleet of processes through Redis.

    Pass it to ``Client(..., store=store)``; one store may serve many clients.

    Args:
        redis: a ``redis://`` (or ``rediss://``) URL; a ``redis.asyncio.Redis`` or
            ``redis.asyncio.RedisCluster`` client (asyncio only); or a ``redis.Redis`` or
            ``redis.RedisCluster`` client (used from worker threads). For Sentinel see
            `from_sentinel`.
        cluster: the URL names a seed node of a Redis Cluster.
        namespace: prefix of every key.
        lock_expiry: seconds a refresh lock lives at most (default: the pool's refresh timeout,
            30 s). A crashed holder delays the others by at most this long.
        cooldown: seconds to work per process after Redis failed before trying it again.
        timeout: socket timeouts for clients this store creates.
        failover_timeout: seconds a store that was working keeps retrying a failing Redis
            (operations wait) before it works per process: long enough to ride out a
            replica's promotion without a fallback.
    """

    def __init__(
        self,
        redis: Any,
        *,
        cluster: bool = False,
        namespace: str = "seatable-async",
        lock_expiry: float | None = None,
        cooldown: float = 30.0,
        timeout: float = 2.0,
        failover_timeout: float = 5.0,
    ):
        if isinstance(redis, Topology):  # from_sentinel
            topology = redis
        elif isinstance(redis, str):
            topology = (cluster_topology if cluster else server_topology)(redis, timeout)
        else:
            topology = given_topology(redis, cluster=cluster)
        self._setup(topology, namespace, lock_expiry, cooldown, failover_timeout)

    @classmethod
    def from_sentinel(
        cls,
        sentinels: Sequence[tuple[str, int]],
        service_name: str,
        *,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        sentinel_kwargs: Mapping[str, Any] | None = None,
        connection_kwargs: Mapping[str, Any] | None = None,
        namespace: str = "seatable-async",
        lock_expiry: float | None = None,
        cooldown: float = 30.0,
        timeout: float = 2.0,
        failover_timeout: float = 5.0,
    ) -> RedisFleetStore:
        """A store on the primary that the Sentinels at ``sentinels`` name for ``service_name``.

        Args:
            sentinels: ``(host, port)`` of one or more Sentinels.
            service_name: the monitored primary's name (``sentinel monitor <name> …``).
            db: the database number on the primary (and its replicas).
            username: the ACL user for the primary (and its replicas), if any.
            password: the password for the primary (and its replicas), if any.
            sentinel_kwargs: connection options for the Sentinels themselves (e.g. their
                ``password``); default: the socket timeouts.
            connection_kwargs: further options for the primary's connections (e.g. ``ssl``).

        The other arguments are those of `RedisFleetStore`.
        """
        topology = sentinel_topology(
            sentinels,
            service_name,
            timeout=timeout,
            db=db,
            username=username,
            password=password,
            sentinel_kwargs=sentinel_kwargs,
            connection_kwargs=connection_kwargs,
        )
        return cls(
            topology,
            namespace=namespace,
            lock_expiry=lock_expiry,
            cooldown=cooldown,
            failover_timeout=failover_timeout,
        )

    def _setup(
        self,
        topology: Topology,
        namespace: str,
        lock_expiry: float | None,
        cooldown: float,
        failover_timeout: float,
    ) -> None:
        if cooldown < 0 or failover_timeout < 0:
            raise ValueError("cooldown and failover_timeout must be >= 0")
        self._keys = KeyLayout(namespace)
        self.namespace = namespace
        self.lock_expiry = lock_expiry
        self.cooldown = cooldown
        self.failover_timeout = failover_timeout
        self._topology = topology
        self._down_until = float("-inf")
        self._outage = False
        self._failing_since: float | None = None
        self._sealer = TokenSealer()

    @property
    def topology(self) -> str:
        """``"server"``, ``"cluster"`` or ``"sentinel"``."""
        return self._topology.kind

    @property
    def degraded(self) -> bool:
        """True while Redis failed and the processes work by themselves (until it answers)."""
        return self._outage

    def __repr__(self) -> str:
        state = "degraded" if self._outage else "ok"
        return f"<RedisFleetStore {self.topology} namespace={self.namespace!r} ({state})>"

    # -- plumbing -------------------------------------------------------------------------------

    def _use_async(self) -> bool:
        if self._topology.prefers_threads():
            return False
        try:
            return sniffio.current_async_library() == "asyncio"
        except sniffio.AsyncLibraryNotFoundError:
            return False

    async def _run(self, op: _Op) -> Any:
        if self._use_async():
            return await op(await self._topology.ready_async_client(), True)

        def in_thread() -> Any:
            return op(self._topology.sync_client(), False)

        return await anyio.to_thread.run_sync(in_thread)

    async def _call(self, op: _Op) -> Any:
        """Run ``op(client, is_async)``; Redis failing for good becomes `StoreUnavailable`.

        A store that was working retries transient failures (a failover) with short pauses for
        up to ``failover_timeout`` counted from the first failure, shared by all callers; then,
        or at once for other errors, it logs one WARNING and works per process for
        ``cooldown`` seconds. After that one attempt decides: back to shared, or another
        cool-down without a new warning.
        """
        pause = _FIRST_PAUSE
        mine: float | None = None  # this operation's first failure
        while True:
            if self._outage and time.monotonic() < self._down_until:
                raise StoreUnavailable("Redis is unavailable; working per process")
            probing = self._outage
            try:
                result = await self._run(op)
            except store_errors() as exc:
                now = time.monotonic()
                if not probing and is_transient(exc):
                    mine = now if mine is None else mine
                    if self._failing_since is None:
                        self._failing_since = mine
                    # Successes elsewhere (another cluster primary) reset the shared window,
                    # so this operation also keeps its own.
                    since = min(mine, self._failing_since)
                    if now + pause - since < self.failover_timeout:
                        await anyio.sleep(pause * random.uniform(0.5, 1.0))
                        pause = min(_MAX_PAUSE, pause * 2)
                        continue
                self._give_up(exc)
                raise StoreUnavailable("Redis is unavailable") from None
            self._failing_since = None
            if self._outage:
                self._outage = False
                logger.info("Redis fleet store reachable again; sharing tokens and budgets")
            return result

    def _give_up(self, exc: BaseException) -> None:
        self._down_until = time.monotonic() + self.cooldown
        self._failing_since = None
        if not self._outage:
            self._outage = True
            logger.warning(
                "Redis fleet store unavailable (%s); working per process, retrying Redis in %.0f s",
                type(exc).__name__,
                self.cooldown,
            )

    @staticmethod
    def _eval(script: _scripts.Script, keys: list[str], args: list[str]) -> _Op:
        """An op running ``script`` by SHA, loading it where the node does not know it yet."""
        n = len(keys)

        def op(client: Any, is_async: bool) -> Any:
            if is_async:

                async def run() -> Any:
                    try:
                        return await client.evalsha(script.sha, n, *keys, *args)
                    except NoScriptError:
                        return await client.eval(script.source, n, *keys, *args)

                return run()
            try:
                return client.evalsha(script.sha, n, *keys, *args)
            except NoScriptError:
                return client.eval(script.source, n, *keys, *args)

        return op

    def _token_key(self, ref: CredentialRef) -> str:
        return self._keys.token(ref.server_hash, ref.key)

    def _lock_key(self, ref: CredentialRef) -> str:
        return self._keys.lock(ref.server_hash, ref.key)

    def _rate_keys(self, key: str) -> list[str]:
        return list(self._keys.rate(key))

    # -- TokenStore -----------------------------------------------------------------------------

    async def load(self, ref: CredentialRef) -> StoredToken | None:
        """The cached token of ``ref``, decrypted, or ``None``."""
        key = self._token_key(ref)
        raw = await self._call(lambda c, a: c.get(key))
        return None if raw is None else self._sealer.open(ref, _text(raw))

    async def save(self, ref: CredentialRef, token: StoredToken, ttl: float) -> None:
        """Cache ``token`` encrypted for ``ttl`` seconds."""
        value = self._sealer.seal(ref, token)
        key, ms = self._token_key(ref), max(1, int(ttl * 1000))
        await self._call(lambda c, a: c.set(key, value, px=ms))

    async def discard(self, ref: CredentialRef, fingerprint: str) -> bool:
        """Delete the cached token only if it is the one with ``fingerprint``."""
        op = self._eval(_scripts.DISCARD, [self._token_key(ref)], [fingerprint])
        return bool(await self._call(op))

    def lock(self, ref: CredentialRef, expiry: float) -> AbstractAsyncContextManager[bool]:
        """The refresh lock of ``ref``; waits with short sleeps until it is free or expired."""
        return self._lock(self._lock_key(ref), self.lock_expiry or expiry)

    @asynccontextmanager
    async def _lock(self, key: str, expiry: float) -> AsyncIterator[bool]:
        owner = uuid.uuid4().hex
        take = self._eval(_scripts.LOCK, [key], [owner, str(max(1, int(expiry * 1000)))])
        deadline = time.monotonic() + expiry + 1.0
        pause = 0.005
        held = False
        while True:
            held = bool(await self._call(take))
            if held or time.monotonic() >= deadline:
                break
            await anyio.sleep(pause)
            pause = min(0.05, pause * 1.5)
        try:
            yield held
        finally:
            if held:
                with anyio.CancelScope(shield=True), suppress(StoreUnavailable):
                    # If Redis is gone the lock expires by itself.
                    await self._call(self._eval(_scripts.UNLOCK, [key], [owner]))

    # -- BudgetStore ----------------------------------------------------------------------------

    async def acquire_budget(self, key: str, now: float, ticket: str) -> float:
        """Count one request for base ``key`` (0 returned) or say how long to wait."""
        args = [_arg(now), ticket, _arg(RESET_MARGIN), _arg(_INFLIGHT_TTL), str(_BUDGET_TTL)]
        result = await self._call(self._eval(_scripts.ACQUIRE, self._rate_keys(key), args))
        try:
            return float(_text(result))
        except ValueError:
            return 0.0

    async def release_budget(self, events: Sequence[BudgetEvent]) -> None:
        """Apply answers to the shared budgets, atomically per base, in order."""
        if not events:
            return
        # A script may only touch keys of one slot on a cluster: one call per base there.
        if self._topology.cluster:
            per_base: dict[str, list[BudgetEvent]] = {}
            for e in events:
                per_base.setdefault(e.key, []).append(e)
            batches = list(per_base.values())
        else:
            batches = [list(events)]
        for batch in batches:
            keys: list[str] = []
            args: list[str] = []
            for e in batch:
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
                    "1" if e.sent else "0",
                ]
            args += [_arg(_INFLIGHT_TTL), str(_BUDGET_TTL)]
            await self._call(self._eval(_scripts.RELEASE, keys, args))

    async def budget_snapshot(self, key: str) -> dict[str, float]:
        """The shared budget of ``key`` as stored (diagnostics and tests)."""
        h = self._rate_keys(key)[0]
        raw = await self._call(lambda c, a: c.hgetall(h))
        return {_text(k): float(_text(v)) for k, v in dict(raw).items()}

    async def aclose(self) -> None:
        """Close the connections this store opened (clients passed in stay open)."""
        await self._topology.aclose()
