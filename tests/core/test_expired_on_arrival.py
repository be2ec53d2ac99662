"""A Base-Token that has already expired when the server hands it over is treated as expired:
a typed `TokenExpiredError`, nothing sent with it — not three days of a dead token.

Server facts relied on (reference/seatable-api.md §2, Base-Token): SeaTable's Base-Tokens are
JWTs carrying ``exp`` (no ``iat``), valid for 3 days, and the answer carries a ``Date`` header;
the lifetime rules are in ``seatable_async._auth.tokens``. The server here is an
``httpx.MockTransport`` because no healthy server (nor the emulator) issues expired tokens.
"""

from __future__ import annotations

import time
from email.utils import formatdate

import httpx
import jwt
import pytest

import seatable_async as sa
from tests.core.fakes import api_token

pytestmark = pytest.mark.anyio

URL = "http://127.0.0.1"
UUID = "11111111-2222-3333-4444-555555555555"


def _server(claims: dict[str, float], date: float | None) -> tuple[httpx.MockTransport, list[str]]:
    token = jwt.encode({"dtable_uuid": UUID, **claims}, "k" * 32, algorithm="HS256")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if "app-access-token" in request.url.path:
            headers = {} if date is None else {"Date": formatdate(date, usegmt=True)}
            body = {"access_token": token, "dtable_uuid": UUID, "use_api_gateway": True}
            return httpx.Response(200, json=body, headers=headers)
        return httpx.Response(200, json={"rows": []})

    return httpx.MockTransport(handler), seen


@pytest.mark.parametrize(
    ("claims", "date"),
    [
        pytest.param({"exp": time.time() - 3600}, time.time(), id="exp-before-Date"),
        pytest.param({"exp": time.time() - 3600}, None, id="exp-before-local-now-no-iat"),
        pytest.param(
            {"exp": time.time() - 60, "iat": time.time() - 3 * 86400}, time.time(), id="with-iat"
        ),
    ],
)
async def test_an_expired_token_answer_is_a_typed_error_and_nothing_is_sent_with_it(
    claims: dict[str, float], date: float | None
) -> None:
    transport, seen = _server(claims, date)
    credential = api_token(1)
    async with sa.Client(URL, transport=transport) as client:
        with pytest.raises(sa.TokenExpiredError) as caught:
            await client.base(credential).list_rows("T")
    assert "already expired" in str(caught.value)
    assert credential not in repr(caught.value)
    assert all("app-access-token" in path for path in seen), seen  # no data request


async def test_a_local_clock_ahead_does_not_make_a_token_with_iat_look_expired() -> None:
    """Without a Date header, a token with ``iat`` keeps ``exp - iat`` (the local clock may be
    wrong); only the server's own clock may declare it dead on arrival."""
    now = time.time()
    transport, seen = _server({"iat": now - 86400 * 10, "exp": now - 86400 * 7}, None)
    async with sa.Client(URL, transport=transport) as client:
        base = client.base(api_token(1))
        assert await base.list_rows("T") == []
        info = await base.token_info()
    assert info.permission in ("r", "rw")
    assert any("rows" in path for path in seen)


async def test_token_info_tells_the_expiry_the_server_gave() -> None:
    now = time.time()
    transport, _ = _server({"exp": now + 3600}, now)
    async with sa.Client(URL, transport=transport) as client:
        info = await client.base(api_token(1)).token_info()
    # exp - Date - 1 s (whole-second claims), anchored at the request: within a few seconds.
    assert abs(info.expires_at - (now + 3599)) < 5
