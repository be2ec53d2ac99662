"""The internal interface between a `Client` and the handles it creates.

Handles (`Account`, the admin handles, `Base` and its resources) never see the `Client`; they
receive a `Session`: how to send a call through the client's pipeline, the token pool, the
server's URL and version, the wall clock and the concurrency limit. The client builds it once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import Any

import attrs

from seatable_async._auth.pool import TokenPool
from seatable_async._http.call import Call, Credential
from seatable_async._http.limits import DEFAULT_MAX_RESPONSE_BYTES
from seatable_async._http.stats import StatsRecorder

__all__ = ["Send", "Session"]

Send = Callable[[Call], Awaitable[Any]]


@attrs.frozen(kw_only=True)
class Session:
    """What handles need from their client.

    Attributes:
        server_url: the normalised server URL (no trailing slash).
        send: sends a `Call` through the client's pipeline (retries, limiter, closing rules).
        pool: the client's Base-Token pool.
        clock: the client's Unix-time source.
        max_concurrency: requests in flight at once for the client.
        server_version: the server's version as numbers, asked once (``/server-info/``).
        stats: the client's counters (handles that do their own I/O, like live events, count
            there).
        timezone: the server's time zone for typed date cells, when the client was told.
        max_response_bytes: the client's cap of an answer held in memory (downloads too).
    """

    server_url: str
    send: Send = attrs.field(repr=False)
    pool: TokenPool = attrs.field(repr=False)
    clock: Callable[[], float] = attrs.field(repr=False)
    max_concurrency: int
    server_version: Callable[[], Awaitable[tuple[int, ...]]] = attrs.field(repr=False)
    stats: StatsRecorder = attrs.field(factory=StatsRecorder, repr=False)
    timezone: tzinfo | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def url(self, path: str) -> str:
        """The absolute URL of a server path."""
        return self.server_url + path

    async def request(
        self,
        method: str,
        path: str,
        template: str | None = None,
        *,
        credential: Credential | None,
        **kwargs: Any,
    ) -> Any:
        """Send one call to ``server_url + path`` and return the decoded answer.

        Args:
            method: HTTP method.
            path: the server path (quoted), e.g. ``/api2/account/info/``.
            template: the path as logs and errors show it (default ``path``).
            credential: the token to send, or None.
            kwargs: further `Call` fields (``params``, ``json``, ``form``, ``idempotent``…).
        """
        call = Call(method, self.url(path), template or path, credential=credential, **kwargs)
        return await self.send(call)
