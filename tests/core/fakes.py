"""A small scriptable SeaTable stand-in for unit tests of the request machinery.

Behaviour tests use the real emulator; this fake exists to control timing and failures
precisely (slow token endpoint, rejections on demand, scripted status sequences).
"""

from __future__ import annotations

import email.utils
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import jwt

SECRET = "fake-server-secret-for-tests-only-0123456789"
API_TOKENS = {f"{i:040x}": f"0000000{i}-aaaa-bbbb-cccc-dddddddddddd"[-36:] for i in range(1, 41)}
ACCOUNT_TOKEN = "f" * 40


def api_token(i: int = 1) -> str:
    return f"{i:040x}"


class FakeSeaTable:
    """Answers token, rows and SQL requests like a 6.0 gateway (or a pre-4.0 server)."""

    def __init__(
        self,
        *,
        bearer_ok: bool = True,
        token_ttl: float = 3 * 86400,
        token_delay: float = 0.0,
        with_iat: bool = True,
        clock: Callable[[], float] = time.time,
        send_date: bool = False,
    ):
        self.bearer_ok = bearer_ok
        self.token_ttl = token_ttl
        self.token_delay = token_delay
        self.with_iat = with_iat
        self.clock = clock
        self.send_date = send_date
        self.token_requests = 0
        self.requests: Counter[str] = Counter()
        self.schemes: Counter[str] = Counter()
        self.rejected = 0
        self.revoked: set[str] = set()
        self.script: list[Callable[[httpx.Request], httpx.Response | None]] = []
        self.token_gate: anyio.Event | None = None
        self.token_failure: int | None = None
        """When set, the token endpoint answers this status (after counting the request)."""
        self.whole_seconds = False
        """Write ``exp``/``iat`` as whole seconds, as real servers do."""
        self.rows: list[dict[str, Any]] = []
        self.seen_authorization: list[str] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def mint(self, uuid: str, permission: str = "rw") -> str:
        now = self.clock()
        if self.whole_seconds:
            now = float(int(now))
        claims: dict[str, Any] = {
            "exp": int(now + self.token_ttl) if self.whole_seconds else now + self.token_ttl,
            "dtable_uuid": uuid,
            "permission": permission,
            "app_name": "tests",
            "username": "",
        }
        if self.with_iat:
            claims["iat"] = int(now) if self.whole_seconds else now
        return jwt.encode(claims, SECRET, algorithm="HS256")

    def _auth(self, request: httpx.Request) -> str | None:
        header = request.headers.get("authorization", "")
        self.seen_authorization.append(header)
        scheme, _, token = header.partition(" ")
        self.schemes[scheme] += 1
        if scheme == "Token" or (scheme == "Bearer" and self.bearer_ok):
            return token
        return None

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests[f"{request.method} {path}"] += 1
        for step in list(self.script):
            try:
                scripted = step(request)
            except Exception:
                self.script.remove(step)
                raise
            if scripted is not None:
                self.script.remove(step)
                return scripted
        if path == "/api2/ping/":
            return httpx.Response(200, json="pong")
        if path == "/server-info/":
            return httpx.Response(
                200, json={"version": "6.0.10" if self.bearer_ok else "3.5.10", "edition": "x"}
            )
        if path == "/api/v2.1/dtable/app-access-token/":
            return await self._token(request)
        if path.startswith("/api-gateway/api/v2/dtables/"):
            return self._base_op(request)
        return httpx.Response(404, json={"error_msg": "not found"})

    async def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests += 1
        if self.token_failure is not None:
            return httpx.Response(self.token_failure, json={"error_msg": "token endpoint down"})
        token = self._auth(request)
        if token is None or token not in API_TOKENS:
            return httpx.Response(403, json={"error_msg": "Permission denied."})
        if self.token_gate is not None:
            await self.token_gate.wait()
        if self.token_delay:
            await anyio.sleep(self.token_delay)
        uuid = API_TOKENS[token]
        headers = (
            {"date": email.utils.formatdate(self.clock(), usegmt=True)} if self.send_date else {}
        )
        return httpx.Response(
            200,
            headers=headers,
            json={
                "app_name": "tests",
                "access_token": self.mint(uuid),
                "dtable_uuid": uuid,
                "dtable_server": "http://127.0.0.1/api-gateway/",
                "dtable_name": "Base",
                "workspace_id": 1,
                "use_api_gateway": True,
            },
        )

    def _base_op(self, request: httpx.Request) -> httpx.Response:
        token = self._auth(request)
        if token is None:
            return httpx.Response(401, json={"error_message": "invalid token"})
        try:
            # PyJWT truncates a float exp to whole seconds; compare precisely ourselves.
            claims = jwt.decode(
                token,
                SECRET,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False},
            )
            if float(claims["exp"]) <= self.clock():
                self.rejected += 1
                return httpx.Response(403, json={"error_message": "Token expired."})
        except jwt.PyJWTError:
            self.rejected += 1
            return httpx.Response(403, json={"error_message": "invalid token"})
        if token in self.revoked:
            self.rejected += 1
            return httpx.Response(403, json={"error_message": "Token expired."})
        path = request.url.path
        if path.endswith("/rows/") and request.method == "GET":
            return httpx.Response(200, json={"rows": self.rows[:1000]})
        if path.endswith("/rows/") and request.method == "POST":
            if claims.get("permission") != "rw":
                return httpx.Response(403, json={"error_message": "no write permission"})
            body = json.loads(request.content)
            ids = []
            for row in body["rows"]:
                row_id = f"r{len(self.rows):021d}"
                self.rows.append({"_id": row_id, **row})
                ids.append({"_id": row_id})
            return httpx.Response(
                200, json={"inserted_row_count": len(ids), "row_ids": ids, "first_row": {}}
            )
        if path.endswith("/sql"):
            return httpx.Response(
                200,
                json={"success": True, "error_message": "", "metadata": [], "results": []},
            )
        return httpx.Response(404, json={"error_message": "unknown"})


Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
