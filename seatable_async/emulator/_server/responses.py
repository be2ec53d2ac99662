"""Responses as the emulator sends them, and the error a handler raises to answer early."""

from __future__ import annotations

import json
from typing import Any

from attrs import define, field

__all__ = [
    "HTTPError",
    "Response",
    "empty_response",
    "error_message",
    "error_msg",
    "json_response",
    "not_found",
    "slash_redirect",
]

JSON_CT = b"application/json"


@define
class Response:
    """An HTTP response as the emulator will send it."""

    status: int
    body: bytes = b""
    content_type: bytes | None = JSON_CT
    headers: list[tuple[bytes, bytes]] = field(factory=list)


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response with compact, ASCII-safe encoding."""
    return Response(status, json.dumps(data, separators=(",", ":")).encode())


def empty_response(status: int) -> Response:
    """A response without body (e.g. 429 from the rate limiter)."""
    return Response(status, b"", None)


class HTTPError(Exception):
    """Raised by handlers to answer with an error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response

    @classmethod
    def json(cls, status: int, data: Any) -> HTTPError:
        return cls(json_response(data, status))


def error_msg(status: int, msg: str) -> HTTPError:
    """dtable-web style error: ``{"error_msg": msg}``."""
    return HTTPError.json(status, {"error_msg": msg})


def error_message(status: int, msg: str) -> HTTPError:
    """API-gateway style error: ``{"error_message": msg}``."""
    return HTTPError.json(status, {"error_message": msg})


NOT_FOUND_PAGE = (
    b'<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n'
    b"  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n"
    b"</body>\n</html>\n"
)


def not_found() -> Response:
    """What an unknown path gets: an HTML page, not JSON."""
    return Response(404, NOT_FOUND_PAGE, b"text/html; charset=utf-8")


def slash_redirect(location: str) -> Response:
    """Django's ``HttpResponsePermanentRedirect`` to the path with its trailing slash."""
    return Response(301, b"", b"text/html; charset=utf-8", [(b"location", location.encode())])
