"""Storage protocol for sharing Base-Tokens between processes.

A `TokenStore` lets the `TokenPool` of several processes
share one Base-Token per base credential, and mint it single-flight across all of them. Without a
store (the default) the pool keeps tokens in memory only, exactly as before.

The pool's protocol with a store, for a token that is missing or due:

1. take the local (in-process) lock of the base;
2. `TokenStore.load`: another process may already have minted a usable token;
3. `TokenStore.lock`: the cross-process refresh lock, which expires by itself so a crashed
   holder cannot block the fleet;
4. `TokenStore.load` again, then mint, then `TokenStore.save`.

A token the server refused is removed with `TokenStore.discard`, a compare-and-delete on the
token's fingerprint, so a late rejection of an old token never evicts a fresh one.

Stores see a `CredentialRef`, which carries the credential itself (for encryption) but
renders no secret; a store must never put the credential or the token in a key, a log line or an
exception. A store signals that its backend is unavailable with `StoreUnavailable`; the
pool then carries on with its in-memory behaviour.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

import attrs

from seatable_async._auth.tokens import BaseToken, TokenGrant
from seatable_async._http.budget import BudgetStore
from seatable_async._secret import Secret
from seatable_async.errors import SeaTableError

__all__ = [
    "CredentialRef",
    "FleetStore",
    "StoreUnavailable",
    "StoredToken",
    "TokenStore",
    "from_stored",
    "to_stored",
]


class StoreUnavailable(Exception):
    """The shared store cannot be reached; callers fall back to per-process behaviour."""


@attrs.frozen
class CredentialRef:
    """What a store knows about one base credential.

    Attributes:
        server: the server URL (stores hash it for their keys).
        key: the pool key, a fingerprint of the credential (never the credential).
        secret: the credential itself, for deriving an encryption key; never rendered.
    """

    server: str
    key: str
    secret: Secret = attrs.field(repr=False, eq=False)

    @property
    def server_hash(self) -> str:
        """A short stable hash of the server URL, safe for keys."""
        return hashlib.sha256(self.server.encode()).hexdigest()[:16]


_GRANT_FIELDS = tuple(f.name for f in attrs.fields(TokenGrant))


@attrs.frozen
class StoredToken:
    """A Base-Token as kept in a shared store: its `TokenGrant`, wall-clock anchored.

    The monotonic clock of one process means nothing to another, so a stored token carries its
    wall-clock expiry (``grant.expires_at``); the pool re-anchors it to its own monotonic clock.
    """

    grant: TokenGrant

    @property
    def secret(self) -> str:
        """The raw token (for comparing with the pooled one; never log it)."""
        return self.grant.secret.get_secret()

    @property
    def fingerprint(self) -> str:
        """The token's fingerprint (`Secret.fingerprint`), for compare-and-delete."""
        return self.grant.secret.fingerprint

    @property
    def expires_at(self) -> float:
        """Unix time of expiry."""
        return self.grant.expires_at

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (holds the token: encrypt before storing)."""
        data = {name: getattr(self.grant, name) for name in _GRANT_FIELDS}
        data["secret"] = self.secret
        return data

    @classmethod
    def from_dict(cls, data: Any) -> StoredToken | None:
        """Rebuild from `to_dict` output; ``None`` if it does not fit."""
        if not isinstance(data, dict) or set(data) - set(_GRANT_FIELDS):
            return None
        secret = data.get("secret")
        if not isinstance(secret, str) or not secret:
            return None
        try:
            grant = TokenGrant(**{**data, "secret": Secret(secret, kind="Base-Token")})
        except (TypeError, SeaTableError):
            return None
        ok = (
            isinstance(grant.dtable_uuid, str)
            and isinstance(grant.permission, str)
            and isinstance(grant.lifetime, (int, float))
            and isinstance(grant.expires_at, (int, float))
            and grant.lifetime > 0
        )
        return cls(grant) if ok else None


def to_stored(token: BaseToken, now: float, now_unix: float) -> StoredToken:
    """``token`` by wall clock (its remaining lifetime measured locally), for other processes.

    Args:
        token: the pooled token.
        now: the local monotonic time.
        now_unix: the local Unix time.
    """
    remaining = token.expiry - now
    return StoredToken(attrs.evolve(token.grant, expires_at=now_unix + remaining))


def from_stored(stored: StoredToken, now: float, now_unix: float) -> BaseToken:
    """A stored token anchored to this process's monotonic clock (times as in `to_stored`)."""
    remaining = stored.expires_at - now_unix
    return BaseToken(stored.grant, now - (stored.grant.lifetime - remaining))


@runtime_checkable
class TokenStore(Protocol):
    """Shared Base-Token storage with a cross-process refresh lock.

    Every method may raise `StoreUnavailable`; the pool then uses its local state.
    """

    async def load(self, ref: CredentialRef) -> StoredToken | None:
        """The stored token of ``ref``, or ``None`` (missing, expired, unreadable)."""
        ...

    async def save(self, ref: CredentialRef, token: StoredToken, ttl: float) -> None:
        """Store ``token`` for ``ttl`` seconds (its remaining lifetime)."""
        ...

    async def discard(self, ref: CredentialRef, fingerprint: str) -> bool:
        """Delete the stored token only if its fingerprint is ``fingerprint``."""
        ...

    def lock(self, ref: CredentialRef, expiry: float) -> AbstractAsyncContextManager[bool]:
        """The cross-process refresh lock of ``ref``, held at most ``expiry`` seconds.

        Entering waits (bounded) for the lock and yields ``True`` when this process holds it,
        ``False`` when it gave up waiting (the caller then proceeds without it).
        """
        ...


@runtime_checkable
class FleetStore(TokenStore, BudgetStore, Protocol):
    """A store for both Base-Tokens and rate budgets, as ``Client(store=...)`` takes it."""
