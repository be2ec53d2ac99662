"""How the store reaches Redis: one server, a Redis Cluster, or a primary behind Sentinel.

Under asyncio the store uses ``redis.asyncio`` clients; under trio (which ``redis.asyncio`` does
not support) the synchronous ones, from worker threads. A `Topology` builds the client it is
asked for on first use (from a URL or Sentinel addresses), or hands out the one it was given.

Clients built here retry a failed command once at once (a pooled connection may be stale after
a failover); longer waits are the store's business (``failover_timeout``), so that one policy
holds for every topology.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any

import anyio
import redis as redis_sync
import redis.asyncio as redis_asyncio
import redis.asyncio.retry
import redis.asyncio.sentinel
import redis.retry
import redis.sentinel
from redis.backoff import NoBackoff
from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    ClusterError,
    ConnectionError,
    ReadOnlyError,
    RedisClusterException,
    RedisError,
    TimeoutError,
    TryAgainError,
)

from seatable_async._auth.store import StoreUnavailable

# A failover shows up as one of these (a dead primary, a cluster still electing, a demoted
# primary answering READONLY, a Sentinel still naming the old primary); worth waiting for.
# ClusterDownError and MasterDownError are ClusterErrors; BusyLoadingError (a restarted node
# loading its data) and MasterNotFoundError are ConnectionErrors.
_TRANSIENT: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    ClusterError,
    TryAgainError,
    ReadOnlyError,
    RedisClusterException,  # no reachable node, slots not covered yet
    OSError,
)

_Factory = Callable[[], tuple[Any, list[Any]]]


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` may go away by itself once a failover completes."""
    # Refused credentials are ConnectionErrors too, but waiting does not fix them.
    if isinstance(exc, (AuthenticationError, AuthorizationError)):
        return False
    return isinstance(exc, _TRANSIENT)


def store_errors() -> tuple[type[BaseException], ...]:
    """Every error a Redis call may raise that means "Redis failed", not "bug here"."""
    return (RedisError, RedisClusterException, OSError)


class Topology:
    """The clients of one Redis deployment, built lazily, closed if built here."""

    def __init__(
        self,
        kind: str,
        *,
        async_factory: _Factory | None = None,
        sync_factory: _Factory | None = None,
        async_client: Any = None,
        sync_client: Any = None,
        cluster: bool = False,
    ):
        self.kind = kind
        self.cluster = cluster
        self._async_factory = async_factory
        self._sync_factory = sync_factory
        self._async = async_client
        self._sync = sync_client
        self._built: list[tuple[Any, list[Any]]] = []  # (client, helpers) built here
        self._sync_lock = threading.Lock()
        self._cluster_ready = False
        self._cluster_lock: anyio.Lock | None = None

    def prefers_threads(self) -> bool:
        """Only a synchronous client was given: use it from threads, even under asyncio."""
        return self._async is None and self._async_factory is None

    def async_client(self) -> Any:
        """The ``redis.asyncio`` client (built on first use)."""
        if self._async is None:
            if self._async_factory is None:
                raise StoreUnavailable("a synchronous Redis client was given")
            self._async, helpers = self._async_factory()
            self._built.append((self._async, helpers))
        return self._async

    async def ready_async_client(self) -> Any:
        """`async_client`, with a cluster's slot map loaded once before anyone sends.

        redis-py's asyncio ``RedisCluster`` loads the map on first use; first used by several
        tasks at once, one task can send on a node connection that another task's loading
        has just closed (``AttributeError`` from inside redis-py; seen under load in
        ``tests/redis/test_store.py::test_lock_is_exclusive``). Loading it once, serialised,
        before handing the client out keeps concurrent first use out of that path.
        """
        client = self.async_client()
        if self.cluster and not self._cluster_ready:
            if self._cluster_lock is None:
                self._cluster_lock = anyio.Lock()
            async with self._cluster_lock:
                if not self._cluster_ready:
                    await client.initialize()
                    self._cluster_ready = True
        return client

    def sync_client(self) -> Any:
        """The synchronous client (built on first use; may connect, so call it in a thread)."""
        with self._sync_lock:
            if self._sync is None:
                if self._sync_factory is None:
                    raise StoreUnavailable("a redis.asyncio client cannot be used outside asyncio")
                self._sync, helpers = self._sync_factory()
                self._built.append((self._sync, helpers))
            return self._sync

    async def aclose(self) -> None:
        """Close the clients built here (given clients belong to the caller)."""
        built, self._built = self._built, []
        for client, helpers in built:
            for c in [client, *helpers]:
                await _close(c)
            if client is self._async:
                self._async = None
                self._cluster_ready = False
            if client is self._sync:
                self._sync = None


async def _close(client: Any) -> None:
    with suppress(RedisError, OSError, RuntimeError):
        closer = getattr(client, "aclose", None)
        if closer is not None:
            await closer()
        else:
            client.close()
    pool = getattr(client, "connection_pool", None)
    if pool is not None:  # redis < 5.0.1 leaves a pool it was given open
        await _maybe_await(pool.disconnect)
    # redis-py leaves node connections of a RedisCluster open: the synchronous one's when built
    # from a URL, the asyncio one's while it waits to re-initialise after a failure.
    manager = getattr(client, "nodes_manager", None)
    for attr in ("nodes_cache", "startup_nodes"):
        for node in list(getattr(manager, attr, {}).values()):
            if hasattr(node, "redis_connection"):
                node_pool = getattr(node.redis_connection, "connection_pool", None)
                if node_pool is not None:
                    await _maybe_await(node_pool.disconnect)
            elif hasattr(node, "disconnect"):
                await _maybe_await(node.disconnect)


async def _maybe_await(call: Callable[[], Any]) -> None:
    with suppress(RedisError, OSError, RuntimeError):
        result = call()
        if hasattr(result, "__await__"):
            await result


def _options(timeout: float, *, is_async: bool) -> dict[str, Any]:
    retry_class = redis.asyncio.retry.Retry if is_async else redis.retry.Retry
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": retry_class(NoBackoff(), 1),
    }


def server_topology(url: str, timeout: float) -> Topology:
    """One Redis server at ``url``."""
    return Topology(
        "server",
        async_factory=lambda: (
            redis_asyncio.Redis.from_url(url, **_options(timeout, is_async=True)),
            [],
        ),
        sync_factory=lambda: (
            redis_sync.Redis.from_url(url, **_options(timeout, is_async=False)),
            [],
        ),
    )


def cluster_topology(url: str, timeout: float) -> Topology:
    """A Redis Cluster discovered from the seed node at ``url``."""
    # Any on purpose, as for Sentinel below: RedisCluster.from_url is untyped in some redis-py
    # releases and typed in others; neither a call nor an ignore holds on both.
    async_cluster: Any = redis_asyncio.RedisCluster
    sync_cluster: Any = redis_sync.RedisCluster
    return Topology(
        "cluster",
        cluster=True,
        async_factory=lambda: (
            async_cluster.from_url(url, **_options(timeout, is_async=True)),
            [],
        ),
        sync_factory=lambda: (
            sync_cluster.from_url(url, **_options(timeout, is_async=False)),
            [],
        ),
    )


def sentinel_topology(
    sentinels: Sequence[tuple[str, int]],
    service_name: str,
    *,
    timeout: float,
    db: int,
    username: str | None,
    password: str | None,
    sentinel_kwargs: Mapping[str, Any] | None,
    connection_kwargs: Mapping[str, Any] | None,
) -> Topology:
    """The primary of ``service_name`` as the Sentinels at ``sentinels`` name it."""
    addresses = [(str(host), int(port)) for host, port in sentinels]
    if not addresses:
        raise ValueError("from_sentinel needs at least one (host, port) Sentinel address")
    to_sentinels = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        **(sentinel_kwargs or {}),
    }
    extra = {"db": db, "username": username, "password": password, **(connection_kwargs or {})}

    # Typed as Any on purpose: redis-py's own annotations on Sentinel changed between releases
    # (untyped in 5.0, typed in 8.x), and an ignore that one release needs is an error (unused
    # ignore) under another. Any holds on both.
    async_sentinel: Any = redis.asyncio.sentinel.Sentinel
    sync_sentinel: Any = redis.sentinel.Sentinel

    def build_async() -> tuple[Any, list[Any]]:
        manager = async_sentinel(
            addresses,
            sentinel_kwargs=dict(to_sentinels),
            **_options(timeout, is_async=True),
            **extra,
        )
        return manager.master_for(service_name), list(manager.sentinels)

    def build_sync() -> tuple[Any, list[Any]]:
        manager = sync_sentinel(
            addresses,
            sentinel_kwargs=dict(to_sentinels),
            **_options(timeout, is_async=False),
            **extra,
        )
        master = manager.master_for(service_name)
        return master, list(manager.sentinels)

    return Topology("sentinel", async_factory=build_async, sync_factory=build_sync)


def given_topology(client: Any, *, cluster: bool) -> Topology:
    """A topology around a client the caller built (and will close)."""
    if isinstance(client, redis_asyncio.RedisCluster):
        return Topology("cluster", cluster=True, async_client=client)
    if isinstance(client, redis_sync.RedisCluster):
        return Topology("cluster", cluster=True, sync_client=client)
    if cluster:
        raise ValueError("cluster=True takes a redis:// URL or a RedisCluster client")
    # A client from Sentinel.master_for() finds the primary through its pool.
    sentinel_pools = (
        redis.asyncio.sentinel.SentinelConnectionPool,
        redis.sentinel.SentinelConnectionPool,
    )
    kind = (
        "sentinel"
        if isinstance(getattr(client, "connection_pool", None), sentinel_pools)
        else "server"
    )
    if isinstance(client, redis_asyncio.Redis):
        return Topology(kind, async_client=client)
    if isinstance(client, redis_sync.Redis):
        return Topology(kind, sync_client=client)
    raise TypeError(
        "RedisFleetStore takes a redis:// URL, a redis.asyncio.Redis or RedisCluster client, "
        "or a redis.Redis or RedisCluster client"
    )
