"""One Base-Token per base credential, shared by every operation, renewed single-flight.

States of a pooled token (see `BaseToken`):

* fresh (before ``refresh_at``): returned without a lock or an await;
* stale (between ``refresh_at`` and ``must_refresh_at``): returned, and one background task in
  the client's task group renews it;
* due (after ``must_refresh_at``) or missing: callers wait on the base's lock; the first one
  fetches, the others re-check and take its token.

The lock is held only around "re-check, then fetch", bounded by ``refresh_timeout``. A token
the server refused is dropped only if it is still the current generation, so a late rejection
of an old token never evicts a fresh one.

With a `TokenStore` (e.g. Redis), a missing or due token is
first looked up in the store, then minted under the store's cross-process lock and saved there,
so a fleet of processes mints one token per base. The fast path (a fresh token in memory) never
touches the store. Any store failure falls back to the in-memory behaviour.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import anyio
import attrs

from seatable_async.auth.secret import Secret
from seatable_async.auth.store import CredentialRef, StoredToken, StoreUnavailable, TokenStore
from seatable_async.auth.tokens import BaseToken
from seatable_async.http.call import Lease

__all__ = ["PooledCredential", "TokenPool", "TokenSource"]

logger = logging.getLogger("seatable_async")

_T = TypeVar("_T")


class TokenSource(Protocol):
    """A credential that can mint Base-Tokens for one base."""

    @property
    def key(self) -> str:
        """A stable identifier of the credential that contains no secret."""
        ...

    @property
    def server_url(self) -> str:
        """The server the tokens are minted by."""
        ...

    @property
    def credential(self) -> Secret:
        """The credential tokens are minted with (a shared store derives its cipher key)."""
        ...

    async def fetch(self) -> BaseToken:
        """Mint a new Base-Token (one HTTP request)."""
        ...


@attrs.define
class _Slot:
    lock: anyio.Lock = attrs.field(factory=anyio.Lock)
    token: BaseToken | None = None
    generation: int = 0
    refreshing: bool = False
    failed_at: float = float("-inf")
    ref: CredentialRef | None = None
    rejected: str | None = None


Spawn = Callable[[Callable[[], Awaitable[None]]], None]


class TokenPool:
    """Holds the current Base-Token of every base a client talks to."""

    def __init__(
        self,
        *,
        spawn: Spawn,
        refresh_timeout: float = 30.0,
        on_fetch: Callable[[bool], None] | None = None,
        store: TokenStore | None = None,
    ):
        """Create a pool.

        Args:
            spawn: starts a background coroutine in the owning client's task group.
            refresh_timeout: seconds one fetch may take while holding a base's lock; also the
                expiry the pool asks of the store's cross-process lock.
            on_fetch: called with ``True`` for a renewal and ``False`` for a first mint.
            store: shares tokens with other processes (default: none, in memory only).
        """
        self._spawn = spawn
        self._refresh_timeout = refresh_timeout
        self._on_fetch = on_fetch
        self._slots: dict[str, _Slot] = {}
        self._store = store
        self._store_warned = False

    def _slot(self, key: str) -> _Slot:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
        return slot

    def peek(self, source: TokenSource) -> BaseToken | None:
        """The current token, if any, without fetching."""
        slot = self._slots.get(source.key)
        return slot.token if slot else None

    def current(self, source: TokenSource) -> BaseToken | None:
        """The token if it may still be sent now, without awaiting; starts a background
        renewal when the token is past its advisory point."""
        slot = self._slots.get(source.key)
        token = slot.token if slot is not None else None
        if slot is None or token is None:
            return None
        now = anyio.current_time()
        if now >= token.refresh_at:
            self._refresh_in_background(source, slot, now)
        return token if now < token.must_refresh_at else None

    async def get(self, source: TokenSource) -> BaseToken:
        """Return a usable Base-Token for ``source``, minting one only when needed."""
        slot = self._slot(source.key)
        token = slot.token
        if token is not None:
            now = anyio.current_time()
            if now < token.refresh_at:
                return token
            if now < token.must_refresh_at:
                self._refresh_in_background(source, slot, now)
                return token
        return await self._fetch_locked(source, slot)

    async def invalidate(self, source: TokenSource, generation: int) -> None:
        """Forget the token of ``generation`` if it is still the current one."""
        slot = self._slot(source.key)
        token = slot.token
        if token is not None and token.generation == generation:
            slot.token = None
            if self._store is not None:
                fingerprint = token.secret.fingerprint
                slot.rejected = fingerprint
                ref = self._ref(source, slot)
                await self._store_call(self._store.discard(ref, fingerprint))

    async def _fetch_locked(self, source: TokenSource, slot: _Slot) -> BaseToken:
        async with slot.lock:
            token = slot.token
            if token is not None and anyio.current_time() < token.must_refresh_at:
                return token
            if self._store is not None:
                ref = self._ref(source, slot)
                return await self._fetch_shared(source, slot, ref, self._store, advisory=False)
            with anyio.fail_after(self._refresh_timeout):
                return await self._fetch(source, slot, renewal=token is not None)

    # -- shared store ---------------------------------------------------------------------------

    def _ref(self, source: TokenSource, slot: _Slot) -> CredentialRef:
        if slot.ref is None:
            slot.ref = CredentialRef(source.server_url, source.key, source.credential)
        return slot.ref

    async def _store_call(self, call: Awaitable[_T]) -> _T | None:
        """Await a store call; a failure means "no store" for this call, never an error."""
        try:
            return await call
        except StoreUnavailable:
            return None
        except Exception as exc:
            if not self._store_warned:
                self._store_warned = True
                logger.warning(
                    "the shared token store failed (%s); using per-process tokens",
                    type(exc).__name__,
                )
            return None

    def _adopt(
        self, slot: _Slot, stored: StoredToken | None, *, advisory: bool
    ) -> BaseToken | None:
        """Take a stored token if it is usable now (and not the one the server refused)."""
        if stored is None or stored.fingerprint == slot.rejected:
            return None
        current = slot.token
        if current is not None and current.secret.get_secret() == stored.secret:
            return None
        token = stored.to_token()
        deadline = token.refresh_at if advisory else token.must_refresh_at
        if anyio.current_time() >= deadline:
            return None
        slot.generation += 1
        token = attrs.evolve(token, generation=slot.generation)
        slot.token = token
        return token

    async def _fetch_shared(
        self, source: TokenSource, slot: _Slot, ref: CredentialRef, store: TokenStore,
        *, advisory: bool,
    ) -> BaseToken:
        """Load from the store, else mint under the store's lock and save."""
        adopted = self._adopt(slot, await self._store_call(store.load(ref)), advisory=advisory)
        if adopted is not None:
            return adopted
        renewal = slot.token is not None
        fetching = False
        fetched: BaseToken | None = None
        try:
            async with store.lock(ref, self._refresh_timeout):
                adopted = self._adopt(
                    slot, await self._store_call(store.load(ref)), advisory=advisory
                )
                if adopted is not None:
                    return adopted
                fetching = True
                with anyio.fail_after(self._refresh_timeout):
                    fetched = await self._fetch(source, slot, renewal=renewal)
                ttl = fetched.expires_at - anyio.current_time()
                if ttl > 0:
                    await self._store_call(store.save(ref, StoredToken.from_token(fetched), ttl))
                return fetched
        except Exception as exc:
            if fetched is not None:
                return fetched  # only releasing the shared lock failed
            if fetching:
                raise  # the token request itself failed
            await self._store_call(_reraise(exc))  # logs once: the lock is unusable
        with anyio.fail_after(self._refresh_timeout):
            return await self._fetch(source, slot, renewal=renewal)

    async def _fetch(self, source: TokenSource, slot: _Slot, *, renewal: bool) -> BaseToken:
        renewal = renewal or slot.generation > 0
        fresh = await source.fetch()
        slot.generation += 1
        token = attrs.evolve(fresh, generation=slot.generation)
        slot.token = token
        if self._on_fetch is not None:
            self._on_fetch(renewal)
        return token

    def _refresh_in_background(self, source: TokenSource, slot: _Slot, now: float) -> None:
        if slot.refreshing or slot.lock.locked():
            return
        token = slot.token
        retry_gap = min(60.0, max(0.5, 0.02 * token.lifetime)) if token else 60.0
        if now - slot.failed_at < retry_gap:
            return
        slot.refreshing = True

        async def refresh() -> None:
            try:
                async with slot.lock:
                    current = slot.token
                    if current is not None and anyio.current_time() < current.refresh_at:
                        return
                    if self._store is not None:
                        ref = self._ref(source, slot)
                        await self._fetch_shared(source, slot, ref, self._store, advisory=True)
                    else:
                        with anyio.fail_after(self._refresh_timeout):
                            await self._fetch(source, slot, renewal=True)
            except Exception as exc:
                slot.failed_at = anyio.current_time()
                logger.warning(
                    "background Base-Token refresh failed (%s: %s); the current token stays "
                    "in use and the refresh is retried later",
                    type(exc).__name__,
                    exc,
                )
            finally:
                slot.refreshing = False

        self._spawn(refresh)


async def _reraise(exc: Exception) -> None:
    raise exc


@attrs.frozen
class PooledCredential:
    """A Base-Token credential for the pipeline: taken from the pool, renewed on refusal."""

    pool: TokenPool
    source: TokenSource

    @property
    def kind(self) -> str:
        return "base"

    async def acquire(self) -> Lease:
        token = await self.pool.get(self.source)
        return Lease(token.secret, token.generation, token.must_refresh_at)

    def current(self) -> Lease | None:
        token = self.pool.current(self.source)
        if token is None:
            return None
        return Lease(token.secret, token.generation, token.must_refresh_at)

    async def reject(self, lease: Lease) -> bool:
        await self.pool.invalidate(self.source, lease.generation)
        return True
