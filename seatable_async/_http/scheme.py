"""Which ``Authorization`` scheme a server accepts: ``Bearer`` (4.0+) or ``Token`` (all).

With ``auth_scheme="auto"`` the client sends ``Bearer`` until the server confirms it. While the
scheme is unconfirmed, authenticated requests go one at a time (so at most one request per client
is ever rejected for its scheme); if the server refuses ``Bearer`` as "no credentials", the same
request is retried with ``Token``, and ``Token`` is pinned when that works. A server that reports
a version below 4.0 gets ``Token`` up front.
"""

from __future__ import annotations

import logging
from typing import Literal

import anyio

from seatable_async.errors import ConfigurationError

__all__ = ["AuthSchemeMode", "SchemeState"]

logger = logging.getLogger("seatable_async")

AuthSchemeMode = Literal["auto", "bearer", "token"]
Scheme = Literal["Bearer", "Token"]


class SchemeState:
    """The negotiated header scheme of one server."""

    def __init__(self, mode: str):
        if mode not in ("auto", "bearer", "token"):
            raise ConfigurationError(
                f"auth_scheme must be 'auto', 'bearer' or 'token', not {mode!r}"
            )
        self.mode: AuthSchemeMode = mode  # type: ignore[assignment]
        self.candidate: Scheme = "Token" if mode == "token" else "Bearer"
        self.confirmed = mode != "auto"
        self.probe_lock = anyio.Lock()

    @property
    def scheme(self) -> Scheme:
        return self.candidate

    def confirm(self, scheme: Scheme) -> None:
        """The server accepted ``scheme``; stop probing."""
        if self.confirmed:
            return
        self.candidate = scheme
        self.confirmed = True
        if scheme == "Token":
            logger.warning(
                "this SeaTable server rejected 'Authorization: Bearer' (servers before 4.0 "
                "accept only 'Token'); using 'Token' from now on"
            )

    def bearer_rejected(self) -> bool:
        """Record a rejection of ``Bearer``; return True if ``Token`` should be tried next."""
        if self.confirmed or self.candidate != "Bearer":
            return False
        self.candidate = "Token"
        return True

    def token_also_rejected(self) -> None:
        """Both schemes were refused: the credential itself is bad; probe again next time."""
        if not self.confirmed:
            self.candidate = "Bearer"

    def pin_for_version(self, version: str) -> None:
        """Pin ``Token`` for servers older than 4.0 (from ``/server-info/``)."""
        if self.mode != "auto" or self.confirmed:
            return
        major = _major(version)
        if major is not None and major < 4:
            self.candidate = "Token"
            self.confirmed = True
            logger.info("server version %s predates Bearer support; using 'Token'", version)


def _major(version: str) -> int | None:
    head = version.strip().split(".", 1)[0]
    return int(head) if head.isdigit() else None
