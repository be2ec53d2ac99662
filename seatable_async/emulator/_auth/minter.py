"""Minting the JWTs the emulator hands out: Base-Tokens and temporary API-Tokens."""

from __future__ import annotations

import math
from collections.abc import Callable

from .._state.records import Base
from .codec import TokenCodec

__all__ = ["TokenMinter"]


class TokenMinter:
    """Mints and keeps the codecs of Base-Tokens (``codec``) and temporary API-Tokens
    (``temp_codec``); ``ttl`` gives the Base-Token lifetime in force, ``now`` the clock."""

    def __init__(self, now: Callable[[], float], ttl: Callable[[], float]) -> None:
        self._now = now
        self._ttl = ttl
        self.codec = TokenCodec()
        self.temp_codec = TokenCodec()

    def base_token(
        self, base: Base, permission: str, app_name: str = "", username: str = ""
    ) -> str:
        """A Base-Token (HS256 JWT) valid for the lifetime in force from now."""
        now = self._now()
        ttl = self._ttl()
        # The claims of the spec's example token, in its order, and no ``iat`` (audit D5).
        # ``exp`` is whole seconds like the server's; lifetimes under a minute (tests) keep
        # the fraction so the token expires exactly then.
        claims = {
            "exp": math.floor(now + ttl) if ttl >= 60 else now + ttl,
            "dtable_uuid": base.uuid,
            "username": username,
            "permission": permission,
            "app_name": app_name,
        }
        return self.codec.encode(claims)

    def temp_api_token(self, base: Base, username: str) -> str:
        """A temporary API-Token (app "scripts"), valid for an hour."""
        return self.temp_codec.encode(
            {"username": username, "dtable_uuid": base.uuid, "exp": self._now() + 3600}
        )
