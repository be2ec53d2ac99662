"""The exception hierarchy.

Every failure the SDK raises is a `SeaTableError`. Errors carry the HTTP status, method,
*path template* (``/api-gateway/api/v2/dtables/{base_uuid}/rows/``, never a URL with query
string) and SeaTable's own message. They never carry headers, tokens, request bodies or raw
HTML pages.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from seatable_async._partial_write import PartialWrite

if TYPE_CHECKING:
    from typing_extensions import Self

    from seatable_async.bulk import ImportReport

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BulkImportError",
    "CellValueError",
    "ClientClosedError",
    "ConfigurationError",
    "EventsUnavailableError",
    "InsecureConnectionError",
    "MaybeAppliedError",
    "MaybeAppliedTimeoutError",
    "NotFoundError",
    "PartialWrite",
    "PermissionDeniedError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "SeaTableError",
    "ServerError",
    "TokenExpiredError",
    "TokenRefreshTimeoutError",
    "TransportError",
    "TwoFactorRequiredError",
    "UnsupportedOperationError",
    "UntrustedOriginError",
    "WebhookPayloadError",
    "may_have_landed",
]

_MAX_MESSAGE = 300


def _short(text: str, limit: int = _MAX_MESSAGE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rebuild(cls: type[SeaTableError], state: dict[str, Any]) -> SeaTableError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = (state.get("message", ""),)
    return error


class SeaTableError(Exception):
    """Base class of every error raised by seatable-async.

    Attributes:
        message: a short, human-readable description (never contains secrets).
        method: HTTP method of the failed request, when there was one.
        path: path template of the failed request, when there was one.
        partial: for batched writes, what landed before the failure (`PartialWrite`), else
            None.
    """

    partial: PartialWrite | None = None

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None):
        self.message = _short(message)
        self.method = method
        self.path = path
        super().__init__(self.message)

    def with_message(self, message: str) -> Self:
        """A copy of this error with another message (same type, status and context)."""
        error = copy.copy(self)
        error.message = _short(message)
        error.args = (error.message,)
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors defeat Exception's default pickling and copying; rebuild
        # from the attributes instead (errors cross process pools and are copied per waiter).
        return (_rebuild, (type(self), dict(self.__dict__)))

    def __str__(self) -> str:
        where = f"{self.method} {self.path}: " if self.method and self.path else ""
        return f"{where}{self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ConfigurationError(SeaTableError, ValueError):
    """Invalid arguments or configuration, detected before any request is sent."""


class ClientClosedError(SeaTableError):
    """The `Client` was closed before or while this operation was sent.

    Attributes:
        maybe_sent: True when the request was in flight, so a write may have been applied.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        maybe_sent: bool = False,
    ):
        super().__init__(message, method=method, path=path)
        self.maybe_sent = maybe_sent


class InsecureConnectionError(ConfigurationError):
    """Plain ``http://`` to a host that is not loopback, without ``allow_insecure_http=True``."""


class UntrustedOriginError(InsecureConnectionError):
    """A URL the server handed back (a route in the Base-Token answer, an upload or download
    link) names another host than the client's own and its ``trusted_hosts``, or plain
    ``http://`` to a non-loopback host without ``allow_insecure_http``. Nothing was sent there.

    Attributes:
        host: the host the URL names (``host`` or ``host:port``; never its path or query).
        what: what named it, e.g. ``"dtable_server in the Base-Token answer"``.
    """

    def __init__(self, message: str, *, host: str, what: str):
        super().__init__(message)
        self.host = host
        self.what = what


class EventsUnavailableError(ConfigurationError):
    """Live events (``base.events()``) cannot run here; raised on entry, before connecting.

    Attributes:
        reason: ``"backend"`` (not running on asyncio: the Socket.IO client is asyncio-only,
            e.g. under trio) or ``"extra"`` (``seatable-async[events]`` is not installed).
    """

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class TransportError(SeaTableError):
    """The request failed below HTTP: connection refused or reset, timeout, protocol error.

    Attributes:
        sent: False when the request provably never reached the server.
    """

    def __init__(
        self, message: str, *, method: str | None = None, path: str | None = None, sent: bool = True
    ):
        super().__init__(message, method=method, path=path)
        self.sent = sent


class RequestTimeoutError(TransportError):
    """A request or the operation around it ran out of time (see "Time limits" in the
    errors guide for every bound and its default).

    Attributes:
        limit: the bound that was reached, in seconds.
        scope: which bound: ``"phase"`` (connect, or no byte for ``Client(timeout=...)``),
            ``"attempt"`` (one attempt's total, ``attempt_timeout``), ``"operation"``
            (``RetryPolicy.deadline``), ``"download"`` (the download rule) or ``"token"``
            (``refresh_timeout``).
        sent: False when the request provably never reached the server.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        sent: bool = True,
        limit: float | None = None,
        scope: str = "attempt",
    ):
        super().__init__(message, method=method, path=path, sent=sent)
        self.limit = limit
        self.scope = scope


class TokenRefreshTimeoutError(RequestTimeoutError):
    """A Base-Token could not be obtained within ``Client(refresh_timeout=...)``.

    The operation waiting for it was never sent, so nothing was written. Every caller waiting
    for the same token gets this error.
    """

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None):
        super().__init__(message, method=method, path=path, sent=False, scope="token")


class MaybeAppliedError(TransportError):
    """A non-idempotent write failed after it may have reached the server.

    The server may or may not have applied it; it was not replayed blindly. Reconcile (for
    example by querying a key column) before sending it again. ``status`` is the HTTP status
    when the failure was a 5xx answer, else None.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message, method=method, path=path, sent=True)
        self.status = status


class MaybeAppliedTimeoutError(MaybeAppliedError, RequestTimeoutError):
    """A non-idempotent write ran out of time after it was sent: both a `MaybeAppliedError`
    (reconcile before sending it again) and a `RequestTimeoutError` (``limit``, ``scope``)."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        limit: float | None = None,
        scope: str = "attempt",
    ):
        super().__init__(message, method=method, path=path)
        self.limit = limit
        self.scope = scope


class ResponseFormatError(SeaTableError):
    """The server answered with a body the SDK cannot interpret (HTML, truncated JSON, …)."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message, method=method, path=path)
        self.status = status


class ResponseTooLargeError(ResponseFormatError):
    """An answer was larger than the client accepts for its kind; reading stopped at the cap
    (memory stays bounded). A write whose success answer was too large may have landed.

    Attributes:
        limit: the cap in bytes (``Client(max_response_bytes=...)`` for data answers,
            ``max_token_response_bytes`` for token answers).
        kind: ``"data"`` or ``"token"``.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        kind: str,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message, method=method, path=path, status=status)
        self.limit = limit
        self.kind = kind


class APIError(SeaTableError):
    """The server answered with an error status.

    Attributes:
        status: the HTTP status code.
        error_msg: SeaTable's own message (``error_msg``, ``error_message``, ``detail`` or
            ``non_field_errors``), or None when the body had none.
        error_type: SeaTable's ``error_type`` when present.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str | None = None,
        path: str | None = None,
        error_msg: str | None = None,
        error_type: str | None = None,
    ):
        super().__init__(message, method=method, path=path)
        self.status = status
        self.error_msg = error_msg
        self.error_type = error_type

    def __str__(self) -> str:
        where = f"{self.method} {self.path} -> " if self.method and self.path else ""
        return f"{where}{self.status}: {self.message}"


class BadRequestError(APIError):
    """400: the server rejected the request's content."""


class AuthenticationError(APIError):
    """401, or a credential SeaTable refused (bad password, unknown or revoked token)."""


class TokenExpiredError(AuthenticationError):
    """A Base-Token was rejected as expired or invalid, and one re-mint did not help."""


class TwoFactorRequiredError(AuthenticationError):
    """Login needs a (valid) two-factor code: pass ``otp=`` to ``Client.login``."""


class PermissionDeniedError(APIError):
    """403: the credential is valid but not allowed to do this (read-only token, not admin…)."""


class NotFoundError(APIError):
    """404: the workspace, base, table, row or token does not exist."""


class RateLimitedError(APIError):
    """429 after every retry: the server's rate limit was not lifted in time.

    Attributes:
        retry_after: seconds the server asked to wait, when it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx from an idempotent request, after every retry."""


class UnsupportedOperationError(SeaTableError):
    """The server's version has no endpoint for this operation (raised before any request).

    Attributes:
        operation: what was asked, e.g. ``"base.comments.list"``.
        server_version: the server version the decision was based on, when known.
    """

    def __init__(self, message: str, *, operation: str = "", server_version: str | None = None):
        super().__init__(message)
        self.operation = operation
        self.server_version = server_version


class BulkImportError(SeaTableError):
    """``Base.import_rows`` could not insert every row.

    Attributes:
        report: the `ImportReport` accounting for every row.
    """

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report


class WebhookPayloadError(SeaTableError, ValueError):
    """A webhook request's body is not a SeaTable event (``webhooks.parse_event``).

    Attributes:
        field: the part of the body that does not fit (``"data.op_time"``), or None when the
            body as a whole is unreadable (not UTF-8 JSON, not an object).
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def may_have_landed(error: BaseException) -> bool:
    """True if the write that failed with ``error`` may still have been applied.

    That is a `MaybeAppliedError`, a transport failure after sending, a client closed while
    the request was in flight, or a success answer the SDK could not read.
    """
    if isinstance(error, MaybeAppliedError):
        return True
    if isinstance(error, ClientClosedError):
        return error.maybe_sent
    if isinstance(error, TransportError):
        return error.sent
    return isinstance(error, ResponseFormatError) and (error.status is None or error.status < 300)


class CellValueError(ConfigurationError):
    """A cell value cannot be written to its column; raised before anything is sent.

    Attributes:
        row: the row's 0-based position in the input, or None for a single cell.
        column: the column's name.
        value_repr: a short ``repr`` of the offending value (truncated).
    """

    _MAX_VALUE = 60

    def __init__(self, reason: str, *, row: int | None, column: str, value: object):
        self.row = row
        self.column = column
        self.value_repr = _short(_safe_repr(value), self._MAX_VALUE)
        where = f"row {row}, " if row is not None else ""
        super().__init__(f"{where}column {column!r}: {reason} (value: {self.value_repr})")


def _safe_repr(value: object) -> str:
    # A hostile __repr__ must not replace the real error.
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__}>"
