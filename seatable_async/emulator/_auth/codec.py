"""HS256 JWTs for Base-Tokens and temporary API-Tokens, signed with an emulator-private secret."""

from __future__ import annotations

import secrets
from typing import Any

import jwt


class TokenCodec:
    """Encode/decode JWTs; decoded claims are cached per token string (expiry checked by caller)."""

    _CACHE_MAX = 10_000

    def __init__(self) -> None:
        self._secret = secrets.token_hex(32)
        self._cache: dict[str, dict[str, Any]] = {}

    def encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def decode(self, token: str) -> dict[str, Any] | None:
        """Verified claims, or None for a malformed / badly signed token (``exp`` not checked)."""
        claims = self._cache.get(token)
        if claims is not None:
            return claims
        try:
            decoded: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidTokenError:
            return None
        if len(self._cache) >= self._CACHE_MAX:
            self._cache.clear()
        self._cache[token] = decoded
        return decoded
