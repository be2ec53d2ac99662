"""The base's schema, cached: what typed cells (encoding, decoding, Arrow types) are built from.

One `SchemaCache` per `BaseContext` (so per ``Base``) holds the metadata of the last fetch:

* ``base.metadata()`` always asks the server and refreshes the cache;
* typed operations read the cache, fetching once on first use (single-flight: concurrent
  callers share one request);
* the cache is dropped when the server answers a typed operation with an error that may mean
  the schema changed (unknown table or column, refused values: 400/404), and when a decoded
  value does not fit its column's cached type; the next use fetches again. Resources that
  change the schema (``base.tables``, ``base.columns``) call `SchemaCache.invalidate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import anyio

from seatable_async._base.routing import Endpoint, Route
from seatable_async.errors import BadRequestError, NotFoundError
from seatable_async.models import Metadata, Table

__all__ = ["METADATA", "MetadataSender", "SchemaCache"]

METADATA = Endpoint("base.metadata", "GET", gateway="/metadata/", legacy="/metadata/")


class MetadataSender(Protocol):
    """What the cache needs to fetch metadata: a base's `BaseContext` (declared here, so the
    context may own its cache without the two modules importing each other)."""

    async def route(self, *, write: bool = False) -> Route: ...

    async def send(self, endpoint: Endpoint, route: Route) -> Any: ...


class SchemaCache:
    """The metadata of one base, fetched once and kept until something says it changed."""

    def __init__(self, ctx: MetadataSender) -> None:
        self._ctx = ctx
        self._metadata: Metadata | None = None
        self._generation = 0
        self._lock = anyio.Lock()

    @property
    def generation(self) -> int:
        """Counts fetches: a caller can tell whether the cache was refreshed since it looked."""
        return self._generation

    def invalidate(self) -> None:
        """Forget the cached metadata; the next typed operation fetches it again."""
        self._metadata = None

    async def fetch(self) -> Metadata:
        """Ask the server for the metadata now, and cache it.

        Raises:
            AuthenticationError, PermissionDeniedError: the credential was refused.
        """
        route = await self._ctx.route()
        data = await self._ctx.send(METADATA, route)
        metadata = Metadata.from_json(data, method="GET", path=METADATA.template(route))
        self._metadata = metadata
        self._generation += 1
        return metadata

    async def metadata(self, *, newer_than: int | None = None) -> Metadata:
        """The cached metadata, fetched if there is none (or none newer than generation
        ``newer_than``); concurrent callers share one request."""
        cached = self._metadata
        if cached is not None and (newer_than is None or self._generation > newer_than):
            return cached
        async with self._lock:
            cached = self._metadata
            if cached is not None and (newer_than is None or self._generation > newer_than):
                return cached
            return await self.fetch()

    async def table(self, name: str, *, refresh: bool = False) -> Table:
        """One table's metadata; a table missing from the cache is looked up once more.

        Raises:
            NotFoundError: the base has no such table (after a fresh fetch).
        """
        seen = self._generation
        metadata = await self.metadata(newer_than=seen if refresh else None)
        try:
            return metadata.table(name)
        except KeyError:
            if self._generation == seen and not refresh:
                metadata = await self.metadata(newer_than=seen)
                try:
                    return metadata.table(name)
                except KeyError:
                    pass
        raise NotFoundError(
            f"table not found: the base has no table {name!r}",
            status=404,
            error_msg="table not found",
        )

    @contextmanager
    def watch(self) -> Iterator[None]:
        """Drop the cache when the server refuses an operation in a way that may mean the
        schema changed (400 or 404), then re-raise."""
        try:
            yield
        except (BadRequestError, NotFoundError):
            self.invalidate()
            raise
