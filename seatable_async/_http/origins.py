"""Where a client sends requests: its own server, and hosts the caller trusts explicitly.

URLs built from the client's server URL are always fine. A URL the server hands back — the
``dtable_server`` / ``dtable_db`` routes of a Base-Token answer, upload and download links —
is checked before anything is sent to it: the same scheme rule as the client's own URL
(``https://``, or ``http://`` to loopback, or anywhere with ``allow_insecure_http=True``) and
the client's own host and port, unless ``Client(trusted_hosts=...)`` names it (``"host"`` for
any port, ``"host:port"`` for one). Otherwise `UntrustedOriginError`, and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from seatable_async._http.urls import is_loopback
from seatable_async.errors import ConfigurationError, UntrustedOriginError

__all__ = ["OriginPolicy"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _split(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` with the default port filled in; raises ValueError."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValueError("credentials in the URL")
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(scheme)
    return scheme, host, port


def _trusted_entry(entry: object) -> tuple[str, int | None]:
    if not isinstance(entry, str) or not entry.strip() or "/" in entry or "@" in entry:
        raise ConfigurationError(
            "trusted_hosts entries must be host names, optionally with a port "
            "('files.example.com', 'db.example.com:8443')"
        )
    text = entry.strip().lower()
    if text.startswith("["):  # [ipv6]:port
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ConfigurationError("trusted_hosts entries must name a host")
    if port_text and not port_text.isdigit():
        raise ConfigurationError(f"trusted_hosts entry {entry!r} has an invalid port")
    return host, int(port_text) if port_text else None


class OriginPolicy:
    """Decides whether a URL may receive a request from this client.

    Args:
        server_url: the client's normalised server URL.
        allow_insecure_http: the client's setting.
        trusted_hosts: further hosts (``"host"`` or ``"host:port"``) that may receive requests.

    Raises:
        ConfigurationError: a malformed ``trusted_hosts`` entry.
    """

    def __init__(
        self, server_url: str, *, allow_insecure_http: bool, trusted_hosts: Iterable[str] = ()
    ):
        if isinstance(trusted_hosts, str):
            raise ConfigurationError("trusted_hosts must be a list of host names, not a string")
        self.server_url = server_url
        self._prefix = server_url + "/"
        self._allow_http = allow_insecure_http
        _, host, port = _split(server_url)
        self._own = (host, port)
        self._trusted = frozenset(_trusted_entry(entry) for entry in trusted_hosts)

    @property
    def trusted_hosts(self) -> tuple[str, ...]:
        """The extra hosts, as given (normalised)."""
        return tuple(sorted(f"{h}:{p}" if p is not None else h for h, p in self._trusted))

    def check(self, url: str, *, what: str) -> None:
        """Return if ``url`` may receive a request, else raise.

        Raises:
            UntrustedOriginError: another host (not trusted), or insecure ``http://``.
        """
        if url.startswith(self._prefix) or url == self.server_url:
            return
        try:
            scheme, host, port = _split(url)
        except ValueError:
            raise UntrustedOriginError(
                f"refusing to send a request: {what} is not a valid URL", host="", what=what
            ) from None
        shown = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
        if scheme not in ("http", "https") or not host:
            raise UntrustedOriginError(
                f"refusing to send a request: {what} is not an http(s) URL", host=shown, what=what
            )
        if scheme == "http" and not self._allow_http and not is_loopback(host):
            raise UntrustedOriginError(
                f"refusing plain http:// to {shown} ({what}): SeaTable needs HTTPS; pass "
                "allow_insecure_http=True only for a trusted network",
                host=shown,
                what=what,
            )
        if (
            (host, port) == self._own
            or (host, port) in self._trusted
            or (host, None) in (self._trusted)
        ):
            return
        raise UntrustedOriginError(
            f"refusing to send a request to {shown} ({what}): it is not this client's server "
            f"({self._own[0]}); if your deployment serves it there, pass "
            f"trusted_hosts=[{shown!r}] to the Client",
            host=shown,
            what=what,
        )
