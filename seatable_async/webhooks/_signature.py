"""The ``X-SeaTable-Signature`` header: what SeaTable signs and how a receiver checks it.

Current servers send ``sha256=<hex>``, the HMAC-SHA256 of the raw request body keyed with the
webhook's secret (SeaTable's help page "The secret key of a webhook" verifies it with
``hmac.new(secret, body, "sha256")`` and ``compare_digest``). Old ``dtable-events`` sent the
bare SHA-1 hex digest of the secret alone: the same value on every request, so anyone who saw
one request can forge any other. That form is accepted only when the caller opts in.
"""

from __future__ import annotations

import hashlib
import hmac
import string

from seatable_async._secret import Secret
from seatable_async.errors import ConfigurationError

__all__ = ["SIGNATURE_HEADER", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-SeaTable-Signature"
_PREFIX = "sha256="
_HEX = frozenset(string.hexdigits)


def _key(secret: str | Secret) -> bytes:
    if isinstance(secret, Secret):
        return secret.get_secret().encode()
    if not isinstance(secret, str):
        raise ConfigurationError(
            f"the webhook secret must be a string, not {type(secret).__name__}"
        )
    if not secret:
        raise ConfigurationError("the webhook secret is empty")
    return secret.encode()


def _raw(body: bytes) -> bytes:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    # A decoded or re-serialised body is not what SeaTable signed: refuse it loudly rather
    # than answer False for every genuine request.
    raise ConfigurationError(
        f"body must be the raw request bytes, not {type(body).__name__} "
        "(read it with `await request.body()`, before any JSON parsing)"
    )


def sign(body: bytes, secret: str | Secret) -> str:
    """The header value SeaTable sends for ``body`` with ``secret``: ``sha256=<hex>``.

    Raises:
        ConfigurationError: ``body`` is not bytes, or the secret is empty.
    """
    digest = hmac.new(_key(secret), _raw(body), hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(
    body: bytes,
    header: str | None,
    secret: str | Secret,
    *,
    allow_legacy_sha1: bool = False,
) -> bool:
    """Whether ``header`` is SeaTable's signature of exactly these ``body`` bytes.

    The comparison takes the same time whatever the header holds, so it reveals nothing about
    the expected value. A missing, empty or malformed header (anything but ``sha256=`` and 64
    hex digits) is refused.

    Args:
        body: the request body as received, byte for byte (not parsed and re-encoded).
        header: the ``X-SeaTable-Signature`` header, or None when the request had none.
        secret: the webhook's secret, as set in SeaTable.
        allow_legacy_sha1: also accept the old servers' header, the SHA-1 hex digest of the
            secret alone. **Weaker**: it does not depend on the body, so one captured request
            lets anyone forge any event. Turn it on only for a server that sends nothing
            else.

    Returns:
        True when the signature matches.

    Raises:
        ConfigurationError: ``body`` is not bytes or the secret is empty (a programming
            error, not a bad request).
    """
    key = _key(secret)
    raw = _raw(body)
    if not isinstance(header, str):
        return False
    value = header.strip()
    if value[: len(_PREFIX)].lower() == _PREFIX:
        given = value[len(_PREFIX) :].lower()
        if len(given) != 64 or not _HEX.issuperset(given):
            return False
        expected = hmac.new(key, raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, given)
    if allow_legacy_sha1 and len(value) == 40 and _HEX.issuperset(value):
        legacy = hashlib.sha1(key).hexdigest()
        return hmac.compare_digest(legacy, value.lower())
    return False
