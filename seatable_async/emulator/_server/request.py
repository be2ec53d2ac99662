"""A request as a handler sees it: method, path, query, headers, body, and ``services``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .responses import HTTPError, error_message, error_msg

if TYPE_CHECKING:
    from .services import Services

__all__ = ["Message", "Receive", "Request", "Scope", "Send"]

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


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
