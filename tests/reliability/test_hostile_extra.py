"""Hostile answers tests/core/test_hostile_responses.py does not cover: huge bodies, wrong content
types per family, legacy routes, account and admin endpoints with junk. Each must end in a short
typed SeaTableError (never KeyError/TypeError/AttributeError) and never hang."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import jwt
import pytest

import seatable_async as sa

pytestmark = pytest.mark.anyio

UUID = "11111111-2222-3333-4444-555555555555"
POLICY = sa.RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_max=0.001, deadline=5)
GOOD = jwt.encode({"exp": 4_000_000_000, "iat": 1, "dtable_uuid": UUID}, "k" * 32, "HS256")
GATEWAY_GRANT = {"access_token": GOOD, "dtable_uuid": UUID, "use_api_gateway": True}
LEGACY_GRANT = {
    "access_token": GOOD,
    "dtable_uuid": UUID,
    "dtable_server": "http://127.0.0.1/dtable-server/",
    "dtable_db": "http://127.0.0.1/dtable-db/",
}
HUGE_HTML = b"<html><body>" + b"A" * (8 * 1024 * 1024) + b"</body></html>"
HUGE_JSON = json.dumps({"rows": [{"x": "y" * 100}] * 40_000}).encode()[:-2]  # truncated ~4 MB


def _resp(status: int, body: bytes | Any, ctype: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"content-type": ctype})


def _op(target: str) -> Callable[[sa.Client], Any]:
    def run(client: sa.Client) -> Any:
        account = client.account("a" * 40)
        base = client.base("b" * 40)
        return {
            "token": lambda: base.list_rows("T"),
            "metadata": base.metadata,
            "sql": lambda: base.sql("SELECT * FROM T"),
            "rows": lambda: base.list_rows("T"),
            "get_row": lambda: base.get_row("T", "r1"),
            "append": lambda: base.append_rows("T", [{"a": 1}]),
            "account_info": account.info,
            "workspaces": account.workspaces,
            "api_tokens": lambda: account.list_api_tokens(1, "B"),
            "create_api_token": lambda: account.create_api_token(1, "B", "app"),
            "temp_token": lambda: account.temp_api_token(1, "B"),
            "login": lambda: client.login("u@example.com", "pw"),
            "sys_users": lambda: account.system_admin().list_users(),
            "sys_info": lambda: account.system_admin().sysinfo(),
            "team_users": lambda: account.team_admin(1).list_users(),
            "team_bases": lambda: account.team_admin(1).list_bases(),
        }[target]()

    return run


CASES = [
    # huge bodies near and above any sensible limit
    ("token", _resp(502, HUGE_HTML, "text/html")),
    ("rows", _resp(500, HUGE_HTML, "text/html")),
    ("rows", _resp(200, HUGE_JSON)),
    ("sql", _resp(200, HUGE_JSON)),
    ("account_info", _resp(200, HUGE_HTML, "text/html")),
    # wrong content types with a 200
    ("token", _resp(200, b"<html>login page</html>", "text/html")),
    ("token", _resp(200, json.dumps(GATEWAY_GRANT).encode(), "text/html")),
    ("metadata", _resp(200, b"<html>maintenance</html>", "text/html; charset=utf-8")),
    ("metadata", _resp(200, {"metadata": "not an object"})),
    ("metadata", _resp(200, {"metadata": {"tables": [1, "x", None]}})),
    ("sql", _resp(200, b"results: none", "text/plain")),
    ("sql", _resp(200, {"results": {"a": 1}})),
    ("sql", _resp(200, {"success": False})),
    ("get_row", _resp(200, [1, 2])),
    ("append", _resp(200, {"row_ids": "abc"})),
    ("append", _resp(200, {"row_ids": [None]})),
    # account and admin endpoints with junk
    ("account_info", _resp(200, [])),
    ("account_info", _resp(200, {"email": 42})),
    ("workspaces", _resp(200, {"workspace_list": "nope"})),
    ("workspaces", _resp(200, {"workspace_list": [1, None]})),
    ("api_tokens", _resp(200, {"api_tokens": {"a": 1}})),
    ("create_api_token", _resp(201, {"api_token": 7})),
    ("create_api_token", _resp(200, b"", "")),
    ("temp_token", _resp(200, {"api_token": None})),
    ("login", _resp(200, {"token": ["x"]})),
    ("login", _resp(200, b"<html>SSO</html>", "text/html")),
    ("sys_users", _resp(200, {"data": "x"})),
    ("sys_users", _resp(200, {"user_list": [["nested"]]})),
    ("sys_info", _resp(200, "just a string")),
    ("team_users", _resp(200, {"user_list": 3})),
    ("team_bases", _resp(200, None)),
    ("team_bases", _resp(403, b"<html>Forbidden</html>", "text/html")),
]


@pytest.mark.parametrize(("target", "answer"), CASES, ids=lambda v: v if isinstance(v, str) else "")
async def test_junk_answers_become_short_typed_errors(target: str, answer: httpx.Response) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/app-access-token/") and target != "token":
            return _resp(200, GATEWAY_GRANT)
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    transport = httpx.MockTransport(handler)
    async with sa.Client("http://127.0.0.1", transport=transport, retry=POLICY) as client:
        with anyio.fail_after(10), pytest.raises(sa.SeaTableError) as caught:
            await _op(target)(client)
    message = str(caught.value)
    assert len(message) < 600, message[:100]
    assert "<html" not in message.lower() and "AAAA" not in message


@pytest.mark.parametrize(
    "rows_body",
    [{"rows": {"a": 1}}, {"rows": "x"}, {"rows": [1, 2]}, {"rows": None}, [[1]], "rows"],
)
async def test_legacy_routes_with_rows_not_a_list(rows_body: Any) -> None:
    """A pre-gateway server (dtable-server / dtable-db routes) answering junk rows."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/app-access-token/"):
            return _resp(200, LEGACY_GRANT)
        if request.url.path.startswith("/dtable-db/"):
            return _resp(200, {"success": True, "results": rows_body})
        return _resp(200, rows_body)

    transport = httpx.MockTransport(handler)
    async with sa.Client("http://127.0.0.1", transport=transport, retry=POLICY) as client:
        base = client.base("b" * 40)
        for call in (lambda: base.list_rows("T"), lambda: base.sql("SELECT * FROM T")):
            with anyio.fail_after(5), pytest.raises(sa.ResponseFormatError):
                await call()
    assert any(p.startswith("/dtable-server/") for p in seen)
    assert any(p.startswith("/dtable-db/") for p in seen)
