"""Minimal request/response plumbing and the path router used by the emulator's ASGI app."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from attrs import define, field

if TYPE_CHECKING:
    from ._services import Services

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

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


class Request:
    """The parts of an ASGI request a handler needs, and the emulator's collaborators it may
    use (``services``)."""

    __slots__ = (
        "_body",
        "_receive",
        "family",
        "headers",
        "method",
        "params",
        "path",
        "query",
        "scope",
        "services",
    )

    def __init__(self, services: Services, scope: Scope, receive: Receive, path: str) -> None:
        self.services = services
        self.scope = scope
        self._receive = receive
        self.method: str = scope["method"]
        self.path = path
        self.family = ""
        self.params: dict[str, str] = {}
        self.headers: dict[str, str] = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        qs = scope.get("query_string", b"").decode("latin-1")
        self.query: dict[str, str] = dict(parse_qsl(qs, keep_blank_values=True))
        self._body: bytes | None = None

    @property
    def base_url(self) -> str:
        """``scheme://host[:port]`` as the client addressed the server."""
        scheme = self.scope.get("scheme", "http")
        host = self.headers.get("host")
        if not host:
            server = self.scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        return f"{scheme}://{host}"

    async def body(self) -> bytes:
        if self._body is None:
            chunks: list[bytes] = []
            more = True
            while more:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    break
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            self._body = b"".join(chunks)
        return self._body

    def error(self, status: int, msg: str) -> HTTPError:
        """An error in the body family of this route (gateway ``error_message``, else
        ``error_msg``)."""
        return error_message(status, msg) if self.family == "gateway" else error_msg(status, msg)

    async def json(self, *, required: bool = True) -> Any:
        """The JSON body; a 400 in the route's error family when empty or malformed."""
        raw = await self.body()
        if not raw.strip():
            if required:
                raise self.error(400, "request body is empty.")
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise self.error(400, "request body is not valid JSON.") from None

    async def json_object(self) -> dict[str, Any]:
        data = await self.json()
        if not isinstance(data, dict):
            raise self.error(400, "request body must be a JSON object.")
        return data

    async def form(self) -> dict[str, Any]:
        """Form fields (urlencoded or multipart); files come back as (filename, bytes)."""
        from starlette.datastructures import UploadFile
        from starlette.requests import Request as StarletteRequest

        body = await self.body()

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        sreq = StarletteRequest(self.scope, replay)
        try:
            form = await sreq.form()
        except Exception:
            raise error_msg(400, "request body is not a valid form.") from None
        out: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                out[key] = (value.filename or "file", await value.read())
            elif key in out and isinstance(out[key], list):
                out[key].append(value)
            elif key in out:
                out[key] = [out[key], value]
            else:
                out[key] = value
        await form.close()
        return out

    async def data(self) -> dict[str, Any]:
        """JSON object or form fields, by content type (dtable-web accepts both)."""
        ctype = self.headers.get("content-type", "")
        if "json" in ctype:
            raw = await self.body()
            if not raw.strip():
                return {}
            return await self.json_object()
        if "form" in ctype:
            return await self.form()
        raw = await self.body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        if not isinstance(data, dict):
            raise error_msg(400, "request body must be a JSON object.")
        return data


Handler = Callable[[Request], Awaitable[Response]]


@define
class Route:
    """One route: methods, path pattern (``{name}`` segments capture), family, handler."""

    name: str
    methods: frozenset[str]
    pattern: tuple[str, ...]
    family: str
    handler: Handler


#: Route families served by dtable-web (Django with ``APPEND_SLASH``): a path missing its
#: trailing slash is answered 301 to the path with the slash, whatever the method (Django's
#: ``CommonMiddleware`` in production; only DEBUG raises for POST instead).
DJANGO_FAMILIES = frozenset({"public", "account", "token", "api"})

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


class Router:
    """Matches path segments exactly: trailing slashes and empty segments count (``//`` and a
    missing ``/`` do not match); ``%2F`` inside a segment stays inside that segment."""

    _CACHE_MAX = 4096

    def __init__(self) -> None:
        self._by_len: dict[int, list[Route]] = {}
        # paths repeat (same base, same route): remember recent answers of `match`
        self._cache: dict[tuple[bytes, str], tuple[Route | None, dict[str, str], bool]] = {}

    def add(self, name: str, methods: str, path: str, family: str, handler: Handler) -> None:
        pattern = tuple(path.split("/")[1:])
        route = Route(name, frozenset(methods.split()), pattern, family, handler)
        self._by_len.setdefault(len(pattern), []).append(route)
        self._cache.clear()

    @staticmethod
    def _capture(route: Route, segments: list[str]) -> dict[str, str] | None:
        captured: dict[str, str] = {}
        for pat, seg in zip(route.pattern, segments, strict=True):
            if pat[:1] == "{":
                if not seg:
                    return None
                captured[pat[1:-1]] = seg
            elif pat != seg:
                return None
        return captured

    def _find(self, segments: list[str], method: str) -> tuple[Route | None, dict[str, str], bool]:
        path_known = False
        for route in self._by_len.get(len(segments), ()):
            captured = self._capture(route, segments)
            if captured is not None:
                if method in route.methods:
                    return route, captured, True
                path_known = True
        return None, {}, path_known

    def match(self, raw_path: bytes, method: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known): the first route matching path and method."""
        key = (raw_path, method)
        hit = self._cache.get(key)
        if hit is not None:
            return hit[0], dict(hit[1]), hit[2]
        text = raw_path.decode("latin-1")
        segments = [unquote(s) for s in text.split("/")[1:]]
        found = self._find(segments, method)
        if len(self._cache) >= self._CACHE_MAX:
            self._cache.clear()
        self._cache[key] = found
        return found[0], dict(found[1]), found[2]

    def needs_slash(self, raw_path: bytes) -> bool:
        """Whether the path plus ``/`` is a dtable-web route (Django would redirect)."""
        text = raw_path.decode("latin-1")
        if text.endswith("/"):
            return False
        segments = [unquote(s) for s in text.split("/")[1:]] + [""]
        return any(
            route.family in DJANGO_FAMILIES and self._capture(route, segments) is not None
            for route in self._by_len.get(len(segments), ())
        )
