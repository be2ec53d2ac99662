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
import time
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

import anyio
import attrs

from seatable_async.auth.secret import Secret
from seatable_async.auth.tokens import BaseToken
from seatable_async.http.budget import BudgetStore

__all__ = ["CredentialRef", "FleetStore", "StoreUnavailable", "StoredToken", "TokenStore"]


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


@attrs.frozen
class StoredToken:
    """A Base-Token as kept in a shared store: wall-clock anchored, no monotonic time.

    The monotonic clock of one process means nothing to another, so a stored token carries its
    wall-clock expiry; `to_token` re-anchors it to the local monotonic clock.
    """

    secret: str = attrs.field(repr=False)
    dtable_uuid: str
    permission: str
    lifetime: float
    expires_at_unix: float
    app_name: str | None = None
    workspace_id: int | None = None
    dtable_name: str | None = None
    use_api_gateway: bool | None = None
    dtable_server: str | None = None
    dtable_db: str | None = None

    @property
    def fingerprint(self) -> str:
        """The token's fingerprint (as `Secret.fingerprint`), for compare-and-delete."""
        return hashlib.sha256(self.secret.encode()).hexdigest()[:16]

    @classmethod
    def from_token(cls, token: BaseToken, *, now_unix: float | None = None) -> StoredToken:
        """Describe ``token`` by wall clock: its remaining lifetime is measured locally."""
        now_unix = time.time() if now_unix is None else now_unix
        remaining = token.expires_at - anyio.current_time()
        return cls(
            secret=token.secret.get_secret(),
            dtable_uuid=token.dtable_uuid,
            permission=token.permission,
            lifetime=token.lifetime,
            expires_at_unix=now_unix + remaining,
            app_name=token.app_name,
            workspace_id=token.workspace_id,
            dtable_name=token.dtable_name,
            use_api_gateway=token.use_api_gateway,
            dtable_server=token.dtable_server,
            dtable_db=token.dtable_db,
        )

    def to_token(self, *, generation: int = 0, now_unix: float | None = None) -> BaseToken:
        """A `BaseToken` anchored to this process's monotonic clock."""
        now_unix = time.time() if now_unix is None else now_unix
        remaining = self.expires_at_unix - now_unix
        return BaseToken(
            secret=Secret(self.secret, kind="Base-Token"),
            dtable_uuid=self.dtable_uuid,
            permission=self.permission,
            received_at=anyio.current_time() - (self.lifetime - remaining),
            lifetime=self.lifetime,
            expires_at_unix=self.expires_at_unix,
            app_name=self.app_name,
            workspace_id=self.workspace_id,
            dtable_name=self.dtable_name,
            use_api_gateway=self.use_api_gateway,
            dtable_server=self.dtable_server,
            dtable_db=self.dtable_db,
            generation=generation,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (holds the token: encrypt before storing)."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> StoredToken | None:
        """Rebuild from `to_dict` output; ``None`` if it does not fit."""
        if not isinstance(data, dict):
            return None
        try:
            token = cls(**data)
        except TypeError:
            return None
        ok = (
            isinstance(token.secret, str)
            and bool(token.secret)
            and isinstance(token.dtable_uuid, str)
            and isinstance(token.permission, str)
            and isinstance(token.lifetime, (int, float))
            and isinstance(token.expires_at_unix, (int, float))
            and token.lifetime > 0
        )
        return token if ok else None


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
