"""One Base-Token per base credential, shared by every operation, renewed single-flight.

States of a pooled token (see `BaseToken`):

* fresh (before ``refresh_at``): returned without a lock or an await;
* stale (between ``refresh_at`` and ``must_refresh_at``): returned, and a renewal *flight*
  starts in the background;
* due (after ``must_refresh_at``) or missing: callers wait for the flight.

A flight is the one token request of a base at a time. It runs in the client's task group, not
in any caller's task, so a caller that is cancelled stops waiting at once and the others still
get the flight's outcome: the token, or the same typed error. A failed flight is remembered for
a short, growing gap (the negative cache), so a burst of callers against a failing token
endpoint causes one flight — with its own retries — instead of one per caller. A flight that
exceeds ``refresh_timeout`` fails with `TokenRefreshTimeoutError`.

A token the server refused is dropped only if it is still the current generation, so a late
rejection of an old token never evicts a fresh one.

With a `TokenStore` (e.g. Redis), a flight first looks in the store, then mints under the
store's cross-process lock and saves there, so a fleet of processes mints one token per base.
The fast path (a fresh token in memory) never touches the store. Any store failure falls back
to the in-memory behaviour.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

import anyio
import attrs

from seatable_async._auth.store import (
    CredentialRef,
    StoredToken,
    StoreUnavailable,
    TokenStore,
    from_stored,
    to_stored,
)
from seatable_async._auth.tokens import BaseToken, TokenGrant
from seatable_async._secret import Secret
from seatable_async.errors import (
    ClientClosedError,
    SeaTableError,
    TokenRefreshTimeoutError,
)

__all__ = ["Spawn", "TokenPool", "TokenSource"]

logger = logging.getLogger("seatable_async")

_T = TypeVar("_T")

Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]
"""Starts a coroutine in the owning client's task group; raises `ClientClosedError` when the
client is not open."""

_FAILURE_GAP_FIRST = 1.0
_FAILURE_GAP_MAX = 30.0
_SWEEP_AT = 1024
_TEMPLATE = "Base-Token"


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

    async def fetch(self) -> TokenGrant:
        """Mint a new Base-Token (one HTTP request, retried per the client's policy)."""
        ...


@attrs.define
class _Flight:
    done: anyio.Event = attrs.field(factory=anyio.Event)
    token: BaseToken | None = None
    error: SeaTableError | None = None


@attrs.define
class _Slot:
    token: BaseToken | None = None
    generation: int = 0
    flight: _Flight | None = None
    failure: SeaTableError | None = None
    failed_until: float = float("-inf")
    failures: int = 0
    ref: CredentialRef | None = None
    rejected: str | None = None


class TokenPool:
    """Holds the current Base-Token of every base a client talks to."""

    def __init__(
        self,
        *,
        spawn: Spawn,
        refresh_timeout: float = 30.0,
        on_fetch: Callable[[bool], None] | None = None,
        store: TokenStore | None = None,
        clock: Callable[[], float] = anyio.current_time,
        wall_clock: Callable[[], float] = time.time,
    ):
        """Create a pool.

        Args:
            spawn: starts a flight in the owning client's task group.
            refresh_timeout: seconds one flight may take (its retries included); also the
                expiry the pool asks of the store's cross-process lock.
            on_fetch: called with ``True`` for a renewal and ``False`` for a first mint.
            store: shares tokens with other processes (default: none, in memory only).
            clock: monotonic time source (tests pass a mock clock).
            wall_clock: Unix time source (tokens in a shared store carry Unix expiries).
        """
        self._spawn = spawn
        self._refresh_timeout = refresh_timeout
        self._on_fetch = on_fetch
        self._slots: dict[str, _Slot] = {}
        self._store = store
        self._store_warned = False
        self._clock = clock
        self._wall_clock = wall_clock

    def _slot(self, key: str) -> _Slot:
        slot = self._slots.get(key)
        if slot is None:
            if len(self._slots) >= _SWEEP_AT:
                self._sweep()
            slot = self._slots[key] = _Slot()
        return slot

    def _sweep(self) -> None:
        """Forget idle bases whose token has expired (a service may see many API-Tokens)."""
        now = self._clock()
        for key, slot in list(self._slots.items()):
            if slot.flight is None and (slot.token is None or slot.token.expiry <= now):
                del self._slots[key]

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
        now = self._clock()
        if now >= token.refresh_at:
            self._renew_in_background(source, slot, now)
        return token if now < token.must_refresh_at else None

    async def get(self, source: TokenSource) -> BaseToken:
        """Return a usable Base-Token for ``source``, minting one only when needed.

        Raises:
            SeaTableError: the flight's error (the same for every waiter), e.g.
                `TokenRefreshTimeoutError`, or the credential's refusal.
        """
        slot = self._slot(source.key)
        token = slot.token
        now = self._clock()
        if token is not None:
            if now < token.refresh_at:
                return token
            if now < token.must_refresh_at:
                self._renew_in_background(source, slot, now)
                return token
        if slot.flight is None and slot.failure is not None and now < slot.failed_until:
            raise _copy(slot.failure)
        flight = slot.flight or self._take_off(source, slot)
        await flight.done.wait()
        if flight.error is not None:
            raise _copy(flight.error)
        assert flight.token is not None
        return flight.token

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

    # -- flights --------------------------------------------------------------------------------

    def _renew_in_background(self, source: TokenSource, slot: _Slot, now: float) -> None:
        if slot.flight is not None or now < slot.failed_until:
            return
        try:
            self._take_off(source, slot, advisory=True)
        except ClientClosedError:
            return  # closing: the current token stays usable until it is due

    def _take_off(self, source: TokenSource, slot: _Slot, *, advisory: bool = False) -> _Flight:
        flight = _Flight()

        async def fly() -> None:
            try:
                with anyio.move_on_after(self._refresh_timeout) as scope:
                    flight.token = await self._obtain(source, slot, advisory=advisory)
                if scope.cancelled_caught:
                    flight.error = TokenRefreshTimeoutError(
                        f"no Base-Token within refresh_timeout={self._refresh_timeout:g}s; "
                        "the operation was not sent",
                        method="GET",
                        path=_TEMPLATE,
                    )
            except SeaTableError as exc:
                flight.error = exc
            except Exception as exc:  # a bug or a library error: still a typed error for all
                error = SeaTableError(f"the Base-Token request failed: {type(exc).__name__}")
                error.__cause__ = exc
                flight.error = error
            except BaseException:
                flight.error = ClientClosedError("the Client closed while a Base-Token was due")
                raise
            finally:
                self._land(slot, flight, advisory=advisory)

        self._spawn(fly)
        slot.flight = flight
        return flight

    def _land(self, slot: _Slot, flight: _Flight, *, advisory: bool) -> None:
        if slot.flight is flight:
            slot.flight = None
        error = flight.error
        if error is None:
            slot.failure, slot.failures = None, 0
        elif not isinstance(error, ClientClosedError):
            slot.failures += 1
            slot.failure = error
            slot.failed_until = self._clock() + _failure_gap(slot, advisory=advisory)
            if advisory:
                logger.warning(
                    "background Base-Token refresh failed (%s: %s); the current token stays "
                    "in use and the refresh is retried later",
                    type(error).__name__,
                    error,
                )
        flight.done.set()

    async def _obtain(self, source: TokenSource, slot: _Slot, *, advisory: bool) -> BaseToken:
        if self._store is None:
            return await self._mint(source, slot)
        store = self._store
        ref = self._ref(source, slot)
        adopted = self._adopt(slot, await self._store_call(store.load(ref)), advisory=advisory)
        if adopted is not None:
            return adopted
        minted: BaseToken | None = None
        try:
            async with store.lock(ref, self._refresh_timeout):
                adopted = self._adopt(
                    slot, await self._store_call(store.load(ref)), advisory=advisory
                )
                if adopted is not None:
                    return adopted
                minted = await self._mint(source, slot)
                ttl = minted.expiry - self._clock()
                if ttl > 0:
                    stored = to_stored(minted, self._clock(), self._wall_clock())
                    await self._store_call(store.save(ref, stored, ttl))
                return minted
        except SeaTableError:
            if minted is not None:
                return minted  # only releasing the shared lock failed
            raise  # the token request itself failed
        except Exception as exc:
            if minted is not None:
                return minted
            self._warn_store(exc)  # the lock is unusable: mint without it
        return await self._mint(source, slot)

    async def _mint(self, source: TokenSource, slot: _Slot) -> BaseToken:
        requested_at = self._clock()
        grant = await source.fetch()
        # The server issued the token between request and answer; counting its lifetime from
        # the request errs on the safe side. A request delayed by its own retries is counted
        # from at most a quarter of the lifetime before the answer.
        received_at = max(requested_at, self._clock() - 0.25 * grant.lifetime)
        renewal = slot.generation > 0
        slot.generation += 1
        token = BaseToken(grant, received_at, slot.generation)
        slot.token = token
        if self._on_fetch is not None:
            self._on_fetch(renewal)
        return token

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
            self._warn_store(exc)
            return None

    def _warn_store(self, exc: Exception) -> None:
        if not self._store_warned and not isinstance(exc, StoreUnavailable):
            self._store_warned = True
            logger.warning(
                "the shared token store failed (%s); using per-process tokens",
                type(exc).__name__,
            )

    def _adopt(
        self, slot: _Slot, stored: StoredToken | None, *, advisory: bool
    ) -> BaseToken | None:
        """Take a stored token if it is usable now (and not the one the server refused)."""
        if stored is None or stored.fingerprint == slot.rejected:
            return None
        current = slot.token
        if current is not None and current.secret.get_secret() == stored.secret:
            return None
        token = from_stored(stored, self._clock(), self._wall_clock())
        deadline = token.refresh_at if advisory else token.must_refresh_at
        if self._clock() >= deadline:
            return None
        slot.generation += 1
        token = attrs.evolve(token, generation=slot.generation)
        slot.token = token
        return token


def _failure_gap(slot: _Slot, *, advisory: bool) -> float:
    """How long a failed flight is remembered: doubling per consecutive failure, from 1 s.

    A failed background renewal (the token is still usable) waits at least 2 % of the token's
    lifetime before the next attempt, since there is time; both are capped at 30 s.
    """
    gap = _FAILURE_GAP_FIRST * 2.0 ** min(slot.failures - 1, 8)
    if advisory and slot.token is not None:
        gap = max(gap, 0.02 * slot.token.lifetime)
    return min(_FAILURE_GAP_MAX, gap)


def _copy(error: SeaTableError) -> SeaTableError:
    # Each waiter raises its own copy: one exception object raised in many tasks would
    # collect every task's traceback.
    duplicate = copy.copy(error)
    duplicate.__traceback__ = None
    return duplicate
