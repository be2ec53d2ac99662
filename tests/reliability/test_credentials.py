"""A whole session at DEBUG logging never leaks a credential; tokens never travel in URLs."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import attrs
import httpx
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator, Faults

from ._helpers import FAST_RETRY, Recording, assert_no_secret

pytestmark = pytest.mark.anyio

PASSWORD = "Corr3ct-Horse-Battery-Staple"
OTP = "123456"


def _texts(value: Any) -> list[str]:
    out = [repr(value), str(value)]
    if attrs.has(type(value)):
        out.append(repr(attrs.asdict(value, recurse=True)))
    if isinstance(value, list):
        for item in value:
            out += _texts(item)
    return out


async def test_whole_session_at_debug_leaks_no_credential(caplog: pytest.LogCaptureFixture) -> None:
    emu = Emulator("6.0", token_ttl=0.6, faults=Faults(seed=5, rate_5xx=0.1, rate_reset=0.05))
    user = emu.add_user("alice@example.com", PASSWORD, otp=OTP)
    base = emu.add_base(owner="alice@example.com", name="Secrets", tables={"T": {"Name": "text"}})
    ro_token = emu.add_api_token(base, app_name="reader", permission="r")
    recorder = Recording(emu.transport())
    texts: list[str] = []
    errors: list[BaseException] = []
    created: list[str] = []

    async def expect_error(coro: Any) -> None:
        try:
            await coro
        except sa.SeaTableError as exc:
            errors.append(exc)
        else:
            raise AssertionError("expected a SeaTableError")

    caplog.set_level(logging.DEBUG)  # the root logger: every library, httpx and httpcore too
    async with sa.Client("http://127.0.0.1", transport=recorder, retry=FAST_RETRY) as client:
        await expect_error(client.login("alice@example.com", "wrong-" + PASSWORD, otp=OTP))
        await expect_error(client.login("alice@example.com", PASSWORD))  # 2FA missing
        account = await client.login("alice@example.com", PASSWORD, otp=OTP)
        info = await account.info()
        workspaces = await account.workspaces()
        ws = base.workspace_id
        token_info = await account.create_api_token(ws, "Secrets", "session", "rw")
        created.append(token_info.api_token.get_secret())
        listed = await account.list_api_tokens(ws, "Secrets")
        temp = await account.temp_api_token(ws, "Secrets")
        created.append(temp.get_secret())
        # Base-Tokens via API-Token, temporary API-Token and Account-Token; short TTL renewals
        by_api = client.base(token_info.api_token.get_secret())
        by_temp = client.base(temp.get_secret())
        by_account = account.base(ws, "Secrets")
        for handle in (by_api, by_temp, by_account):
            await handle.append_rows("T", [{"Name": "a"}])
            texts += _texts(await handle.list_rows("T"))
            texts += _texts(await handle.token_info())
        for _ in range(3):  # span several token lifetimes: background refresh and due renewal
            await anyio.sleep(0.35)
            await by_api.list_rows("T")
            await by_account.sql("SELECT Name FROM T")
        asset = await by_api.upload_file("notes.txt", b"hello")
        assert await by_api.download_file(asset.url) == b"hello"
        texts += _texts(asset)
        # Failures: read-only write, unknown table, revoked credential.
        await expect_error(client.base(ro_token).append_rows("T", [{"Name": "x"}]))
        await expect_error(by_api.list_rows("No such table"))
        await expect_error(client.base("0" * 40).list_rows("T"))
        await expect_error(client.account("1" * 40).info())
        emu.advance(10)  # server-side expiry: the rejected-token path re-mints
        await by_api.list_rows("T")
        stats = client.stats
        texts += [repr(client), repr(account), repr(by_api), repr(by_account), repr(stats)]
        texts += _texts(info) + _texts(workspaces) + _texts(token_info) + _texts(listed)
        texts += _texts(temp) + _texts(stats)
    assert stats.token_refreshes >= 1 and stats.token_rejections >= 1 and stats.total_retries > 0
    secrets = {PASSWORD, user.account_token, ro_token, *created, *recorder.bearer_values()}
    base_tokens = {v for v in recorder.bearer_values() if v.count(".") == 2}
    assert len(base_tokens) >= 4  # several Base-Tokens were really minted and used
    texts += [r.getMessage() for r in caplog.records]
    texts += [str(r.args) for r in caplog.records] + [r.name for r in caplog.records]
    for exc in errors:
        texts += [repr(exc), str(exc), repr(exc.args), repr(vars(exc))]
    # DEBUG logging of the SDK and of httpx really happened (httpx logs every full URL).
    assert {r.name.split(".")[0] for r in caplog.records} >= {"seatable_async", "httpx"}
    assert_no_secret(texts, secrets)
    # No credential of any kind ever travelled in a URL (query string or path).
    assert_no_secret(recorder.urls, secrets)
    assert len(errors) == 6


@pytest.mark.parametrize(
    "family",
    ["ping", "server-info", "login", "account", "api-token-mint", "account-mint", "rows", "sql"],
)
async def test_redirect_to_another_host_is_not_followed_by_any_family(family: str) -> None:
    """Every family: a redirect is a typed error; nothing is ever sent to the other host."""
    seen: list[httpx.Request] = []
    uuid = "11111111-2222-3333-4444-555555555555"
    import jwt

    grant = {
        "access_token": jwt.encode({"exp": 4_000_000_000, "iat": 1}, "k" * 32, algorithm="HS256"),
        "dtable_uuid": uuid,
        "use_api_gateway": True,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        minting = path.endswith("access-token/")
        if minting and family not in ("api-token-mint", "account-mint"):
            return httpx.Response(200, json=grant)
        return httpx.Response(
            307, headers={"location": f"https://evil.example{path}?{request.url.query.decode()}"}
        )

    async with sa.Client("http://127.0.0.1", transport=httpx.MockTransport(handler)) as client:
        account = client.account("a" * 40)
        api_base = client.base("b" * 40)
        operation = {
            "ping": client.ping,
            "server-info": client.server_info,
            "login": lambda: client.login("u@example.com", PASSWORD),
            "account": account.info,
            "api-token-mint": lambda: api_base.list_rows("T"),
            "account-mint": lambda: account.base(1, "B").list_rows("T"),
            "rows": lambda: api_base.append_rows("T", [{"a": 1}]),
            "sql": lambda: api_base.sql("SELECT 1 FROM T"),
        }[family]
        with anyio.fail_after(5), pytest.raises(sa.SeaTableError) as info:
            await operation()
    assert "redirect" in str(info.value) and len(str(info.value)) < 600
    assert PASSWORD not in repr(info.value)
    assert all(r.url.host == "127.0.0.1" for r in seen)
    assert len([r for r in seen if not r.url.path.endswith("access-token/")]) <= 1


@pytest.mark.parametrize(
    "url", ["http://cloud.seatable.io", "http://10.0.0.5:8000", "http://seatable.local/"]
)
async def test_plain_http_to_non_loopback_is_refused_before_any_request(url: str) -> None:
    with pytest.raises(sa.InsecureConnectionError) as info:
        sa.Client(url)
    assert "http" in str(info.value).lower()
