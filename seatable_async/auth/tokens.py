"""Token value objects and Base-Token lifetime rules.

A Base-Token's lifetime comes from its JWT ``exp`` (and ``iat`` when present) and is anchored to
the local monotonic clock at receipt, so a skewed wall clock cannot make a token look fresh or
stale. A token without a readable ``exp`` gets SeaTable's documented lifetime of 3 days.
"""

from __future__ import annotations

import time
from typing import Any

import attrs
import jwt

from seatable_async.auth.secret import Secret

__all__ = [
    "DEFAULT_BASE_TOKEN_LIFETIME",
    "AccountToken",
    "ApiToken",
    "BaseToken",
    "lifetime_from_jwt",
]

DEFAULT_BASE_TOKEN_LIFETIME = 3 * 86400.0
"""SeaTable documents Base-Tokens as valid for 3 days."""

_ADVISORY_FRACTION = 0.10
_MANDATORY_FRACTION = 0.05
_MANDATORY_CAP = 300.0
_SHORT_TOKEN_FLOOR = 1.0


@attrs.frozen
class AccountToken:
    """An Account-Token (40 chars, never expires): account, team- and system-admin operations."""

    secret: Secret


@attrs.frozen
class ApiToken:
    """An API-Token of one base (``r`` or ``rw``): mints Base-Tokens, used for file operations."""

    secret: Secret


def lifetime_from_jwt(token: str, *, now: float | None = None) -> tuple[float, float]:
    """Return ``(lifetime_seconds, expires_at_unix)`` read from a JWT without verifying it.

    Uses ``exp - iat`` when both claims exist (immune to local clock skew), else ``exp - now``.
    A token that is not a JWT, lacks ``exp``, or whose computed lifetime is not positive gets
    `DEFAULT_BASE_TOKEN_LIFETIME`; the rejected-token path renews it if the server
    disagrees.
    """
    now = time.time() if now is None else now
    try:
        claims: Any = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        claims = None
    if isinstance(claims, dict):
        exp, iat = claims.get("exp"), claims.get("iat")
        if isinstance(exp, (int, float)) and _is_number(exp):
            start = float(iat) if isinstance(iat, (int, float)) and _is_number(iat) else now
            lifetime = float(exp) - start
            if 0 < lifetime <= 10 * DEFAULT_BASE_TOKEN_LIFETIME:
                return lifetime, now + lifetime
    return DEFAULT_BASE_TOKEN_LIFETIME, now + DEFAULT_BASE_TOKEN_LIFETIME


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


@attrs.frozen
class BaseToken:
    """A Base-Token with what the server said about routing, and when it must be renewed.

    Attributes:
        secret: the JWT, wrapped.
        dtable_uuid: the base's UUID.
        permission: ``"rw"`` or ``"r"``.
        received_at: ``anyio.current_time()`` when the token arrived.
        lifetime: seconds from receipt until expiry.
        expires_at_unix: wall-clock expiry, for display only.
        generation: increases by one each time the pool mints a token for the same base.
    """

    secret: Secret
    dtable_uuid: str
    permission: str
    received_at: float
    lifetime: float
    expires_at_unix: float
    app_name: str | None = None
    workspace_id: int | None = None
    dtable_name: str | None = None
    use_api_gateway: bool | None = None
    dtable_server: str | None = None
    dtable_db: str | None = None
    generation: int = 0

    @property
    def expires_at(self) -> float:
        """Monotonic time of expiry."""
        return self.received_at + self.lifetime

    @property
    def refresh_at(self) -> float:
        """Advisory point: from here one background task renews the token."""
        margin = max(_ADVISORY_FRACTION * self.lifetime, 2 * self._mandatory_margin)
        return self.expires_at - margin

    @property
    def must_refresh_at(self) -> float:
        """Mandatory point: from here callers wait for a new token."""
        return self.expires_at - self._mandatory_margin

    @property
    def _mandatory_margin(self) -> float:
        # 5 % of the lifetime, at most 5 minutes; short-lived tokens keep up to a second (10 %
        # of their lifetime) so a request queued behind others is not sent too late.
        lifetime = self.lifetime
        floor = min(_SHORT_TOKEN_FLOOR, _ADVISORY_FRACTION * lifetime)
        return min(_MANDATORY_CAP, max(_MANDATORY_FRACTION * lifetime, floor))

    @property
    def writable(self) -> bool:
        return self.permission == "rw"
