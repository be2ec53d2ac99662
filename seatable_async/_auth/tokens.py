"""Base-Token values and lifetime rules.

A Base-Token's lifetime is read from its JWT claims and anchored to the local monotonic clock
when the token request was sent, so a skewed wall clock cannot make a token look fresh. The
server's claims are whole seconds, so every rule below errs on the short side:

* ``exp`` and ``iat``: ``exp - iat``, one second less when both are whole seconds (the token was
  issued up to a second after ``iat``);
* ``exp`` only (SeaTable's own tokens) and the answer's ``Date`` header: ``exp - Date - 1`` — the
  server's own clock, so local clock skew does not matter;
* (a token with less than 2 s by these rules keeps half of it rather than nothing);
* ``exp`` only, no ``Date``: ``exp - local now - 5 s`` (`CLOCK_SKEW_MARGIN`): a local clock up
  to 5 s behind the server's still never sends an expired token. A token with less than 10 s
  to live by the local clock is given half of that;
* no readable ``exp``: SeaTable's documented 3 days (a refusal by the server renews it anyway).
"""

from __future__ import annotations

import time
from typing import Any

import attrs
import jwt

from seatable_async._secret import Secret
from seatable_async.models import TokenFacts

__all__ = [
    "CLOCK_SKEW_MARGIN",
    "DEFAULT_BASE_TOKEN_LIFETIME",
    "BaseToken",
    "TokenGrant",
    "already_expired",
    "lifetime_from_jwt",
]

DEFAULT_BASE_TOKEN_LIFETIME = 3 * 86400.0
"""SeaTable documents Base-Tokens as valid for 3 days."""

CLOCK_SKEW_MARGIN = 5.0
"""Seconds the local clock may lag the server's when a token's lifetime rests on it."""

_ADVISORY_FRACTION = 0.10
_MANDATORY_FRACTION = 0.05
_MANDATORY_CAP = 300.0
_SHORT_TOKEN_FLOOR = 1.0
_GRANULARITY = 1.0


def lifetime_from_jwt(
    token: str, *, now: float | None = None, server_date: float | None = None
) -> tuple[float, float]:
    """Return ``(lifetime_seconds, expires_at_unix)`` read from a JWT without verifying it.

    Args:
        token: the JWT.
        now: the local Unix time (default: ``time.time()``).
        server_date: the Unix time of the answer's ``Date`` header, if it had one.

    The lifetime counts from when the token was requested (see the module docstring for the
    rules); a token without a readable, plausible ``exp`` gets `DEFAULT_BASE_TOKEN_LIFETIME`.
    """
    now = time.time() if now is None else now
    claims = _claims(token)
    exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
    if exp is not None:
        if iat is not None:
            lifetime = exp - iat
            if exp.is_integer() and iat.is_integer():
                lifetime -= min(_GRANULARITY, lifetime / 2)
        elif server_date is not None:
            apparent = exp - server_date
            lifetime = apparent - min(_GRANULARITY, apparent / 2)
        else:
            apparent = exp - now
            lifetime = apparent - min(CLOCK_SKEW_MARGIN, apparent / 2)
        if 0 < lifetime <= 10 * DEFAULT_BASE_TOKEN_LIFETIME:
            return lifetime, now + lifetime
    return DEFAULT_BASE_TOKEN_LIFETIME, now + DEFAULT_BASE_TOKEN_LIFETIME


def already_expired(token: str, *, now: float, server_date: float | None = None) -> bool:
    """True if the JWT's ``exp`` has passed when the server answered.

    Judged by the answer's ``Date`` (the server's own clock) when there is one; without it only
    for a token without ``iat``, whose lifetime rests on the local clock anyway (a local clock
    that runs ahead must not make every token with ``iat`` look expired).
    """
    claims = _claims(token)
    exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
    if exp is None:
        return False
    if server_date is not None:
        return exp <= server_date
    return iat is None and exp <= now


def permission_claim(token: str) -> str | None:
    """The JWT's ``permission`` claim when it is ``"r"`` or ``"rw"``."""
    value = _claims(token).get("permission")
    return value if isinstance(value, str) and value in ("r", "rw") else None


def _claims(token: str) -> dict[str, Any]:
    try:
        claims: Any = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return float(value)
    return None


@attrs.frozen(kw_only=True)
class TokenGrant(TokenFacts):
    """A Base-Token as the server issued it: its `TokenFacts` (shared with the stored token and
    the public ``BaseTokenInfo``), the token itself, its lifetime and the answer's routing.

    Attributes:
        secret: the JWT, wrapped.
        lifetime: seconds from the token request until expiry (already on the short side).
        use_api_gateway, dtable_server, dtable_db: the answer's routing fields.
    """

    secret: Secret
    lifetime: float
    use_api_gateway: bool | None = None
    dtable_server: str | None = None
    dtable_db: str | None = None


@attrs.frozen
class BaseToken:
    """A pooled Base-Token: a `TokenGrant` anchored to the local monotonic clock.

    Attributes:
        grant: what the server issued.
        received_at: monotonic time from which the lifetime counts (when it was requested).
        generation: increases by one each time the pool takes a new token for the same base.
    """

    grant: TokenGrant
    received_at: float
    generation: int = 0

    @property
    def secret(self) -> Secret:
        return self.grant.secret

    @property
    def dtable_uuid(self) -> str:
        return self.grant.dtable_uuid

    @property
    def permission(self) -> str:
        return self.grant.permission

    @property
    def writable(self) -> bool:
        return self.grant.writable

    @property
    def lifetime(self) -> float:
        return self.grant.lifetime

    @property
    def expiry(self) -> float:
        """Monotonic time of expiry."""
        return self.received_at + self.grant.lifetime

    @property
    def refresh_at(self) -> float:
        """Advisory point: from here one background task renews the token."""
        margin = max(_ADVISORY_FRACTION * self.lifetime, 2 * self._mandatory_margin)
        return self.expiry - margin

    @property
    def must_refresh_at(self) -> float:
        """Mandatory point: from here callers wait for a new token."""
        return self.expiry - self._mandatory_margin

    @property
    def _mandatory_margin(self) -> float:
        # 5 % of the lifetime, at most 5 minutes; short-lived tokens keep up to a second (10 %
        # of their lifetime) so a request queued behind others is not sent too late.
        lifetime = self.lifetime
        floor = min(_SHORT_TOKEN_FLOOR, _ADVISORY_FRACTION * lifetime)
        return min(_MANDATORY_CAP, max(_MANDATORY_FRACTION * lifetime, floor))
