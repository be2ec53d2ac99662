"""Server URL validation: HTTPS unless the host is loopback or the caller opts out."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from seatable_async.errors import ConfigurationError, InsecureConnectionError

__all__ = ["is_loopback", "normalize_server_url"]

_BAD_HOST_CHARS = frozenset('<>"{}|\\^`%,;')


def is_loopback(host: str) -> bool:
    """True for ``localhost``, ``127.0.0.0/8`` and ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_server_url(url: object, *, allow_insecure_http: bool = False) -> str:
    """Return ``scheme://host[:port][/prefix]`` without a trailing slash.

    Raises:
        ConfigurationError: not an http(s) URL with a host, or it has a query, fragment or
            credentials.
        InsecureConnectionError: ``http://`` to a non-loopback host without
            ``allow_insecure_http=True``.
    """
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(
            "the server URL must be a non-empty string like https://cloud.seatable.io"
        )
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigurationError("the server URL is malformed") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            "the server URL must start with https:// and name a host, "
            "like https://cloud.seatable.io"
        )
    if any(c.isspace() or c in _BAD_HOST_CHARS for c in parts.hostname):
        raise ConfigurationError("the server URL's host name contains invalid characters")
    if parts.username or parts.password:
        raise ConfigurationError("the server URL must not contain credentials")
    if parts.query or parts.fragment:
        raise ConfigurationError("the server URL must not contain a query or fragment")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise InsecureConnectionError(
            f"refusing plain http:// to {parts.hostname}: SeaTable needs HTTPS; pass "
            "allow_insecure_http=True only for a trusted network"
        )
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"
