"""Redis backend for a fleet: one Base-Token and one rate budget per base, shared.

``pip install "seatable-async[redis]"``, then one of::

    from seatable_async.redis import RedisFleetStore

    store = RedisFleetStore("redis://127.0.0.1:6379/0")              # one server
    store = RedisFleetStore("redis://10.0.0.5:7000", cluster=True)   # a cluster's seed node
    store = RedisFleetStore.from_sentinel([("10.0.0.7", 26379)], service_name="fleet")
    async with Client(url, store=store) as client:
        ...

See `RedisFleetStore` and ``docs/fleet.md`` for what is stored and what holds during a failover.
"""

from seatable_async.redis._store import RedisFleetStore

__all__ = ["RedisFleetStore"]
