"""Tokens at rest: Fernet under a key derived (HKDF-SHA256) from the credential itself.

Only holders of the API-Token (or Account-Token, or link) can read the Base-Token minted with
it. The stored value is ``<token fingerprint>|<ciphertext>``, so a refused token can be deleted
by compare-and-delete without decrypting.
"""

from __future__ import annotations

import base64
import json
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from seatable_async._auth.store import CredentialRef, StoredToken

_HKDF_SALT = b"seatable-async/token-cache/v1"


class TokenSealer:
    """Encrypts and decrypts stored tokens; caches one cipher per credential."""

    def __init__(self) -> None:
        self._ciphers: dict[tuple[str, str, str], Fernet] = {}

    def _cipher(self, ref: CredentialRef) -> Fernet:
        cache_key = (ref.server_hash, ref.key, ref.secret.fingerprint)
        cipher = self._ciphers.get(cache_key)
        if cipher is None:
            hkdf = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=_HKDF_SALT,
                info=f"{ref.server_hash}:{ref.key}".encode(),
            )
            material = hkdf.derive(ref.secret.get_secret().encode())
            cipher = self._ciphers[cache_key] = Fernet(base64.urlsafe_b64encode(material))
        return cipher

    def seal(self, ref: CredentialRef, token: StoredToken) -> str:
        """The value to store for ``token``."""
        blob = self._cipher(ref).encrypt(json.dumps(token.to_dict()).encode()).decode()
        return f"{token.fingerprint}|{blob}"

    def open(self, ref: CredentialRef, value: str) -> StoredToken | None:
        """The token in ``value`` if ``ref`` can read it and it has not expired, else ``None``."""
        _, sep, blob = value.partition("|")
        if not sep:
            return None
        try:
            data = json.loads(self._cipher(ref).decrypt(blob.encode()))
        except (InvalidToken, ValueError):
            return None
        token = StoredToken.from_dict(data)
        if token is None or token.expires_at <= time.time():
            return None
        return token
