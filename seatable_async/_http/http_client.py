"""The one pooled ``httpx.AsyncClient`` a `Client` owns."""

from __future__ import annotations

from typing import Any

import httpx

from seatable_async._http.body import ACCEPT_ENCODING
from seatable_async._version import __version__

__all__ = ["new_http_client"]

USER_AGENT = f"seatable-async/{__version__}"
TOKEN_CONNECTIONS = 4
"""Connections beyond ``max_concurrency`` for Base-Token requests, which skip the queue."""


def new_http_client(
    *,
    transport: httpx.AsyncBaseTransport | None,
    timeout: float,
    max_connections: int,
    verify: Any,
) -> httpx.AsyncClient:
    """Build the HTTP connection pool.

    Redirects are never followed (credentials and bodies must not travel to another host),
    the environment's proxy settings are ignored, and the pool timeout is unlimited because the
    client's own concurrency limiter queues requests before they reach the pool (token
    requests bypass that queue and get a few connections of their own).
    """
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout, pool=None),
        limits=httpx.Limits(
            max_connections=max_connections + TOKEN_CONNECTIONS,
            max_keepalive_connections=max_connections,
        ),
        follow_redirects=False,
        verify=verify,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        trust_env=False,
    )
