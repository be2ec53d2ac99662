"""Keeping credentials out of what the SDK says: error messages and httpx's request log.

* A server may echo what it was sent (``"invalid token 'eyJ…'"``). Every message built from an
  answer passes through `redact` with the credentials the SDK sent on that request.
* SeaTable puts two capabilities in URL paths: the external-link token
  (``/external-link-tokens/<token>/…``) and the file-server link tokens
  (``/seafhttp/files/<token>/…``, ``/seafhttp/upload-api/<token>``). httpx logs every URL at
  INFO; while a client is open, `UrlTokenFilter` masks those path segments in httpx's records.
  It changes no level and no handler: it only rewrites the SDK's own capabilities.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote

__all__ = ["MASK", "install_url_filter", "redact", "redact_url", "remove_url_filter"]

MASK = "***"
_MIN_SECRET = 6

_URL_TOKENS = re.compile(
    r"(/external-link-tokens/|/external-links/|/seafhttp/[A-Za-z-]+/)([^/?#\s\"']+)"
)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its URL-quoted form) replaced by ``***``."""
    for secret in secrets:
        if len(secret) < _MIN_SECRET:
            continue
        if secret in text:
            text = text.replace(secret, MASK)
        quoted = quote(secret, safe="")
        if quoted != secret and quoted in text:
            text = text.replace(quoted, MASK)
    return text


def redact_url(text: str) -> str:
    """``text`` with SeaTable's URL-path capabilities masked."""
    return _URL_TOKENS.sub(lambda m: m.group(1) + MASK, text)


class UrlTokenFilter(logging.Filter):
    """Masks SeaTable's URL-path tokens in a logger's records (see the module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True  # a broken record is not ours to fix
        masked = redact_url(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = UrlTokenFilter()
_LOCK = threading.Lock()
_USERS = 0


def install_url_filter() -> None:
    """Attach the filter to httpx's logger (reference-counted: one per open client)."""
    global _USERS
    with _LOCK:
        _USERS += 1
        if _USERS == 1:
            logging.getLogger("httpx").addFilter(_FILTER)


def remove_url_filter() -> None:
    """Detach it when the last open client closes."""
    global _USERS
    with _LOCK:
        _USERS = max(0, _USERS - 1)
        if _USERS == 0:
            logging.getLogger("httpx").removeFilter(_FILTER)
