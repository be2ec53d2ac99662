"""Turn SeaTable's answers into values or typed errors (pure functions, no I/O)."""

from __future__ import annotations

import json as jsonlib
from typing import Any

from seatable_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseFormatError,
    ServerError,
    TokenExpiredError,
    TwoFactorRequiredError,
)

__all__ = [
    "decode_json",
    "error_from_response",
    "is_token_rejection",
    "looks_like_scheme_rejection",
    "server_message",
]

_MESSAGE_KEYS = ("error_msg", "error_message", "detail", "non_field_errors")
_TOKEN_REJECTED = ("token expired", "invalid token", "token invalid", "expired token")


def decode_json(body: bytes, *, content_type: str, method: str, path: str, status: int) -> Any:
    """Parse a JSON body, or raise `ResponseFormatError` with a short reason."""
    if not body.strip():
        raise ResponseFormatError(
            f"empty response body (HTTP {status})", method=method, path=path, status=status
        )
    try:
        return jsonlib.loads(body)
    except RecursionError:
        raise ResponseFormatError(
            f"the JSON answer is nested deeper than a parser accepts (HTTP {status})",
            method=method,
            path=path,
            status=status,
        ) from None
    except (ValueError, UnicodeDecodeError):
        kind = _describe(content_type, body)
        raise ResponseFormatError(
            f"expected JSON, got {kind} (HTTP {status}, {len(body)} bytes)",
            method=method,
            path=path,
            status=status,
        ) from None


def _describe(content_type: str, body: bytes) -> str:
    head = body[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or "html" in content_type:
        return "an HTML page"
    if content_type:
        return f"a {content_type.split(';')[0].strip()} body"
    return "a non-JSON body"


def _parse(body: bytes) -> Any:
    try:
        return jsonlib.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def server_message(data: Any) -> tuple[str | None, str | None]:
    """Return SeaTable's ``(message, error_type)`` from a decoded error body, if any."""
    if not isinstance(data, dict):
        return (data if isinstance(data, str) and data else None), None
    error_type = data.get("error_type")
    error_type = error_type if isinstance(error_type, str) else None
    for key in _MESSAGE_KEYS:
        value = data.get(key)
        if isinstance(value, list):
            value = " ".join(str(v) for v in value if isinstance(v, (str, int, float)))
        if isinstance(value, str) and value.strip():
            return value.strip(), error_type
    return None, error_type


def is_token_rejection(status: int, body: bytes) -> bool:
    """True if a Base-Token request was refused because of the token itself.

    401 always; 403 only when the message names the token (``Token expired.``, gateway
    ``invalid token``). A 403 that names permission (``Permission denied.``, a read-only
    token writing) is the server saying "not allowed", and a new token would not change it.
    """
    if status == 401:
        return True
    if status != 403:
        return False
    message, _ = server_message(_parse(body))
    if message is None:
        return False
    lowered = message.lower()
    return any(p in lowered for p in _TOKEN_REJECTED)


def looks_like_scheme_rejection(status: int, body: bytes, *, scheme_probe: bool) -> bool:
    """True if the answer may mean "this server does not accept this header scheme".

    Old servers treat ``Bearer`` as no credentials: DRF answers 401 (or 403 with ``detail``);
    API-Token views answer 403 ``Permission denied.``.
    """
    if status == 401:
        return True
    if status != 403:
        return False
    data = _parse(body)
    if isinstance(data, dict) and "detail" in data:
        return True
    if scheme_probe:
        message, _ = server_message(data)
        return message is not None and message.lower().rstrip(".") == "permission denied"
    return False


def error_from_response(
    status: int,
    body: bytes,
    *,
    content_type: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    retry_after: float | None = None,
) -> APIError:
    """Build the typed error for an HTTP error answer."""
    data = _parse(body)
    message, error_type = server_message(data)
    if message is None:
        message = (
            f"HTTP {status} with {_describe(content_type, body)}"
            if body.strip()
            else f"HTTP {status} with an empty body"
        )
    kwargs: dict[str, Any] = {
        "status": status,
        "method": method,
        "path": path,
        "error_msg": message,
        "error_type": error_type,
    }
    headers = headers or {}
    lowered = message.lower()
    if status == 400 and (
        headers.get("x-seafile-otp", "").lower() == "required" or "two factor" in lowered
    ):
        return TwoFactorRequiredError(message, **kwargs)
    if status == 400:
        return BadRequestError(message, **kwargs)
    if status == 401:
        return AuthenticationError(message, **kwargs)
    if status == 403:
        if any(p in lowered for p in _TOKEN_REJECTED):
            return TokenExpiredError(message, **kwargs)
        return PermissionDeniedError(message, **kwargs)
    if status == 404:
        return NotFoundError(message, **kwargs)
    if status == 429:
        if message.startswith("HTTP 429"):
            message = "rate limited by the server (HTTP 429)"
            kwargs["error_msg"] = None
        return RateLimitedError(message, retry_after=retry_after, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    return APIError(message, **kwargs)
