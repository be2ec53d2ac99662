"""Naming what went wrong with one attempt: httpx's exceptions, bounds that ran out, bodies
that broke a rule — each turned into the SDK's typed error (pure functions, no I/O).

Whether a failure may be retried is decided by the pipeline; these functions only say what
happened, in words that carry no URL, header or credential.
"""

from __future__ import annotations

import ssl

import httpx

from seatable_async._http.body import BodyProblem
from seatable_async._http.call import Call
from seatable_async.errors import (
    MaybeAppliedError,
    MaybeAppliedTimeoutError,
    RequestTimeoutError,
    ResponseFormatError,
    ResponseTooLargeError,
    TransportError,
)

__all__ = [
    "MAYBE_SENT",
    "NOT_SENT",
    "body_error",
    "describe",
    "is_certificate_error",
    "not_sent_error",
    "sent_error",
    "timeout_error",
]

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.ProtocolError)

_SCOPE_WORDS = {
    "phase": "no progress within Client(timeout={limit:g})",
    "attempt": "the attempt took longer than its bound ({limit:g} s: attempt_timeout plus "
    "time for the request body)",
    "operation": "the operation took longer than RetryPolicy.deadline ({limit:g} s)",
    "download": "the download broke its rule ({detail})",
}


def describe(exc: httpx.HTTPError) -> str:
    """The failure's kind and its own words (httpx's messages carry no URL or header)."""
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_certificate_error(exc: BaseException) -> bool:
    """A TLS verification failure is a configuration problem: retrying cannot help."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def not_sent_error(exc: httpx.HTTPError, call: Call, limit: float) -> TransportError:
    """The request provably never reached the server (connect failed, no connection free)."""
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(
            f"request not sent: {describe(exc)}",
            method=call.method,
            path=call.template,
            sent=False,
            limit=limit,
            scope="phase",
        )
    return TransportError(
        f"request not sent: {describe(exc)}", method=call.method, path=call.template, sent=False
    )


def sent_error(exc: httpx.HTTPError, call: Call, limit: float) -> TransportError:
    """The request may have reached the server; a non-idempotent write may have landed."""
    reason = f"{describe(exc)} after the request was sent"
    timed_out = isinstance(exc, httpx.TimeoutException)
    if call.idempotent:
        if timed_out:
            return RequestTimeoutError(
                reason, method=call.method, path=call.template, limit=limit, scope="phase"
            )
        return TransportError(reason, method=call.method, path=call.template)
    reason += "; the write may have been applied and was not replayed"
    if timed_out:
        return MaybeAppliedTimeoutError(
            reason, method=call.method, path=call.template, limit=limit, scope="phase"
        )
    return MaybeAppliedError(reason, method=call.method, path=call.template)


def timeout_error(
    call: Call, scope: str, limit: float, *, on_wire: bool, detail: str = ""
) -> RequestTimeoutError:
    """A bound of the SDK's own ran out (``scope``: attempt, operation or download).

    ``on_wire``: the request had been handed to the connection, so a non-idempotent write
    may have landed (`MaybeAppliedTimeoutError`).
    """
    reason = _SCOPE_WORDS[scope].format(limit=limit, detail=detail)
    if on_wire and not call.idempotent:
        return MaybeAppliedTimeoutError(
            f"{reason}; the write may have been applied and was not replayed",
            method=call.method,
            path=call.template,
            limit=limit,
            scope=scope,
        )
    return RequestTimeoutError(
        reason, method=call.method, path=call.template, sent=on_wire, limit=limit, scope=scope
    )


def body_error(
    problem: BodyProblem, call: Call, status: int, *, token_request: bool
) -> ResponseFormatError | RequestTimeoutError:
    """A body that could not be read within its bounds."""
    if problem.kind == "too_large":
        kind = "token" if token_request else "data"
        option = "max_token_response_bytes" if token_request else "max_response_bytes"
        limit = int(problem.limit or 0)
        return ResponseTooLargeError(
            f"{problem.detail}: more than the {limit:,} bytes Client({option}=...) accepts "
            f"(HTTP {status})",
            limit=limit,
            kind=kind,
            method=call.method,
            path=call.template,
            status=status,
        )
    if problem.kind in ("stalled", "download_total"):
        return timeout_error(
            call, "download", float(problem.limit or 0), on_wire=True, detail=problem.detail
        )
    return ResponseFormatError(
        f"{problem.detail} (HTTP {status})", method=call.method, path=call.template, status=status
    )
