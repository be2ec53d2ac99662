"""Malformed, hostile and surprising answers become short typed errors, never crashes or hangs."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seatable_async as sa
from seatable_async._auth.tokens import DEFAULT_BASE_TOKEN_LIFETIME
from tests.core.fakes import FakeSeaTable, api_token

URL = "http://127.0.0.1"
UUID = "11111111-2222-3333-4444-555555555555"
POLICY = sa.RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_max=0.001, deadline=5)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"   ",
            b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>"
            + b"x" * 5000
            + b"</body></html>",
            b'{"access_token": ',
            b'{"rows": "not a list"}',
            b'{"rows": [1, 2, 3]}',
            b"[]",
            b"null",
            b'"pong"',
            b"\xff\xfe\x00",
            json.dumps({"x": "y" * 200_000}).encode(),
        ]
    ),
)
content_types = st.sampled_from(
    ["application/json", "text/html; charset=utf-8", "text/plain", "", "application/octet-stream"]
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 403, 404, 418, 429, 500, 502, 503])


def _run(scenario: Any, *args: Any) -> None:
    anyio.run(scenario, *args)


def _classify(exc: BaseException) -> None:
    assert isinstance(exc, sa.SeaTableError), f"{type(exc).__name__}: {exc}"
    assert len(str(exc)) < 600
    assert "<html" not in str(exc).lower()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=statuses,
    body=bodies,
    content_type=content_types,
    target=st.sampled_from(["token", "rows", "sql", "append", "ping", "info"]),
)
def test_any_answer_yields_a_value_or_a_typed_error(
    status: int, body: bytes, content_type: str, target: str
) -> None:
    good_token = jwt.encode(
        {"exp": 4_000_000_000, "dtable_uuid": UUID}, "k" * 32, algorithm="HS256"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        hostile = httpx.Response(status, content=body, headers={"content-type": content_type})
        if "app-access-token" in path:
            if target == "token":
                return hostile
            return httpx.Response(
                200, json={"access_token": good_token, "dtable_uuid": UUID, "use_api_gateway": True}
            )
        return hostile

    async def scenario() -> None:
        async with sa.Client(URL, transport=httpx.MockTransport(handler), retry=POLICY) as client:
            base = client.base(api_token(1))
            with anyio.fail_after(10):
                try:
                    if target in ("token", "rows"):
                        rows = await base.list_rows("T")
                        assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
                    elif target == "sql":
                        result = await base.sql("SELECT 1 FROM T")
                        assert isinstance(result.rows, list)
                    elif target == "append":
                        ids = await base.append_rows("T", [{"a": 1}])
                        assert all(isinstance(i, str) for i in ids)
                    elif target == "ping":
                        assert isinstance(await client.ping(), bool)
                    else:
                        info = await client.server_info()
                        assert isinstance(info.version, str)
                except sa.SeaTableError as exc:
                    _classify(exc)

    _run(scenario)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answer",
    [
        {"dtable_uuid": UUID},  # no access_token
        {"access_token": "", "dtable_uuid": UUID},
        {"access_token": 42, "dtable_uuid": UUID},
        {
            "access_token": "x.y.z",
            "dtable_uuid": UUID,
            "use_api_gateway": False,
            "dtable_server": ["not", "a", "string"],
        },
        {"access_token": "x.y.z"},  # no dtable_uuid
        ["a", "list"],
        "a string",
    ],
)
async def test_malformed_token_answers_raise_response_format_error(answer: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    async with sa.Client(URL, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(sa.ResponseFormatError):
            await client.base(api_token(1)).list_rows("T")


@pytest.mark.anyio
@pytest.mark.parametrize("raw", ["not-a-jwt-at-all", None])
async def test_token_without_exp_gets_three_days_and_is_renewed_on_rejection(
    raw: str | None,
) -> None:
    fake = FakeSeaTable()
    opaque = raw or jwt.encode(
        {"dtable_uuid": UUID, "permission": "rw"}, "k" * 32, algorithm="HS256"
    )
    state = {"minted": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if "app-access-token" in request.url.path:
            state["minted"] += 1
            token = opaque if state["minted"] == 1 else fake.mint(UUID)
            return httpx.Response(
                200, json={"access_token": token, "dtable_uuid": UUID, "use_api_gateway": True}
            )
        header = request.headers["authorization"]
        if header.endswith(opaque):
            return httpx.Response(403, json={"error_message": "invalid token"})
        return httpx.Response(200, json={"rows": []})

    async with sa.Client(URL, transport=httpx.MockTransport(handler)) as client:
        base = client.base(api_token(1))
        token = await base._ctx.token()
        assert token.lifetime == DEFAULT_BASE_TOKEN_LIFETIME
        assert await base.list_rows("T") == []
        assert state["minted"] == 2
        assert client.stats.token_rejections == 1
