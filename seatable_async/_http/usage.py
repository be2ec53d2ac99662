"""Count the HTTP requests made on behalf of one piece of work (e.g. one bulk import).

`counting` opens a scope in the current context; tasks started inside it inherit the scope, so
every request the pipeline sends for that work is counted there too — and requests of
unrelated work sharing the client are not.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import attrs

__all__ = ["RequestCount", "count_request", "counting"]


@attrs.define
class RequestCount:
    """Requests sent within one `counting` scope (every attempt counts)."""

    requests: int = 0


_scope: contextvars.ContextVar[RequestCount | None] = contextvars.ContextVar(
    "seatable_async_request_count", default=None
)


@contextlib.contextmanager
def counting() -> Iterator[RequestCount]:
    """Count the requests sent from this context (and tasks started in it) until exit."""
    count = RequestCount()
    token = _scope.set(count)
    try:
        yield count
    finally:
        _scope.reset(token)


def count_request() -> None:
    """Called by the pipeline for every request it sends."""
    count = _scope.get()
    if count is not None:
        count.requests += 1
