"""A wrapper that keeps credentials out of ``repr``, ``str``, logs and ``attrs.asdict``."""

from __future__ import annotations

import hashlib

from seatable_async.errors import ConfigurationError

__all__ = ["Secret"]


class Secret:
    """A credential string that never shows itself.

    ``repr``/``str``/f-strings print ``***``. Deliberately not an attrs class, so
    ``attrs.asdict`` of a model holding a ``Secret`` keeps the wrapper instead of unpacking it.
    Call `get_secret` only where the value goes on the wire.

    A token is stripped and may contain only printable ASCII without whitespace (it goes in an
    HTTP header); with ``exact=True`` (a shared key such as a webhook secret: every character
    counts, it is sent in a form body or used as an HMAC key, never in a header) the value is
    kept as given and only an empty one is refused.
    """

    __slots__ = ("_fingerprint", "_value")

    def __init__(self, value: str, *, kind: str = "token", exact: bool = False):
        if not isinstance(value, str):
            raise ConfigurationError(f"the {kind} must be a string, not {type(value).__name__}")
        if not exact:
            value = value.strip()
        if not value:
            raise ConfigurationError(f"the {kind} is empty")
        if not exact and any(c.isspace() for c in value):
            raise ConfigurationError(f"the {kind} contains whitespace; pass the token alone")
        if not exact and not all("!" <= c <= "~" for c in value):
            # An HTTP header carries printable ASCII only; refused here, before any request,
            # so no encoding error quoting the value can arise later.
            raise ConfigurationError(
                f"the {kind} contains characters an HTTP header cannot carry (control or "
                "non-ASCII characters); check that the whole token was copied"
            )
        self._value = value
        self._fingerprint = hashlib.sha256(value.encode()).hexdigest()[:16]

    def get_secret(self) -> str:
        """Return the raw credential (for the Authorization header only)."""
        return self._value

    @property
    def fingerprint(self) -> str:
        """A stable, non-reversible identifier, safe for cache keys and logs."""
        return self._fingerprint

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.get_secret() == self._value

    def __hash__(self) -> int:
        return hash(self._fingerprint)

    def __reduce__(self) -> str:
        raise TypeError("Secret values cannot be pickled")
