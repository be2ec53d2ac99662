"""A scriptable ``httpx.MockTransport`` server answering with the reference's documented shapes.

Token endpoints answer per version: "4.0" (legacy dtable-server/dtable-db routing, no
``use_api_gateway``), "5.0" (gateway flag, ``dtable_server`` still the old component) and "6.0"
(``dtable_server`` ends with ``/api-gateway/``). Tests register other routes with ``on()``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt

SERVER = "https://seatable.test"
UUID = "650d8a0d-7e27-46a8-8b18-6cc6f3db2057"
API_TOKEN = "a" * 40
RO_API_TOKEN = "b" * 40
ACCOUNT_TOKEN = "c" * 40
GW = f"/api-gateway/api/v2/dtables/{UUID}"
LEGACY = f"/dtable-server/api/v1/dtables/{UUID}"
LEGACY_SQL = f"/dtable-db/api/v1/query/{UUID}/"

Handler = Callable[[httpx.Request], "httpx.Response | Awaitable[httpx.Response]"]


def reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=data, headers=headers)


def base_token(permission: str = "rw", ttl: float = 3 * 86400) -> str:
    claims = {
        "exp": time.time() + ttl,
        "dtable_uuid": UUID,
        "username": "",
        "permission": permission,
        "app_name": "test",
    }
    return jwt.encode(claims, "server-secret-for-tests-only-0123456789", algorithm="HS256")


def token_answer(version: str, permission: str = "rw") -> dict[str, Any]:
    body: dict[str, Any] = {
        "app_name": "test",
        "access_token": base_token(permission),
        "dtable_uuid": UUID,
        "workspace_id": 7,
        "dtable_name": "Demo",
    }
    if version == "4.0":
        body |= {
            "dtable_server": f"{SERVER}/dtable-server/",
            "dtable_socket": f"{SERVER}/",
            "dtable_db": f"{SERVER}/dtable-db/",
        }
    elif version in ("4.4", "5.0"):
        body |= {
            "dtable_server": f"{SERVER}/dtable-server/",
            "dtable_socket": f"{SERVER}/",
            "dtable_db": f"{SERVER}/dtable-db/",
            "use_api_gateway": True,
        }
    else:
        body |= {"dtable_server": f"{SERVER}/api-gateway/", "use_api_gateway": True}
    return body


class Recorded:
    """One request as the server saw it."""

    def __init__(self, request: httpx.Request, body: bytes):
        self.method = request.method
        self.path = request.url.path
        self.raw_path = request.url.raw_path.decode().split("?", 1)[0]
        self.params = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        self.headers = request.headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return {k: v for k, v in parse_qs(self.body.decode()).items()}


class MockServer:
    """Routes by (method, path); records every request."""

    def __init__(self, version: str = "6.0", *, permission: str = "rw"):
        self.version = version
        self.permission = permission
        self.requests: list[Recorded] = []
        self.routes: dict[tuple[str, str], Handler] = {}
        self.on("GET", "/api/v2.1/dtable/app-access-token/", self._app_access_token)
        self.on(
            "GET",
            "/server-info/",
            lambda r: reply({"version": version + ".3", "edition": "enterprise edition"}),
        )

    def _app_access_token(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").split(" ", 1)[-1]
        permission = "r" if token == RO_API_TOKEN else self.permission
        return reply(token_answer(self.version, permission))

    def on(self, method: str, path: str, handler: Handler | Any, status: int = 200) -> None:
        """Register a handler, or a JSON body to answer with ``status``."""
        if not callable(handler):
            body = handler
            self.routes[(method, path)] = lambda r: reply(body, status)
        else:
            self.routes[(method, path)] = handler

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path == path)
        ]

    def base_calls(self) -> list[Recorded]:
        """Requests other than token minting and server-info."""
        return [
            r
            for r in self.requests
            if r.path not in ("/api/v2.1/dtable/app-access-token/", "/server-info/")
        ]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.requests.append(Recorded(request, body))
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return reply({"error_msg": f"no route {request.method} {request.url.path}"}, 404)
        result = handler(request)
        if isinstance(result, httpx.Response):
            return result
        return await result

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)
