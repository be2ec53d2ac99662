"""Secrets never show in repr, str, attrs.asdict, logs, errors or stats."""

from __future__ import annotations

import logging
import pickle

import anyio
import attrs
import httpx
import pytest

import seatable_async as sa
from seatable_async._auth.sources import parse_token_grant
from seatable_async._auth.store import StoredToken
from seatable_async._auth.tokens import BaseToken
from seatable_async._secret import Secret
from tests.core.fakes import FakeSeaTable, api_token

URL = "http://127.0.0.1"


def test_secret_hides_itself_everywhere() -> None:
    secret = Secret("s3cr3t-value-1234567890")
    printf_style = "%s" % (secret,)  # noqa: UP031
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", printf_style):
        assert "s3cr3t" not in text
    assert secret.get_secret() == "s3cr3t-value-1234567890"
    assert "s3cr3t" not in secret.fingerprint
    with pytest.raises(TypeError):
        pickle.dumps(secret)


@pytest.mark.parametrize("value", ["", "   ", "\n", "two words"])
def test_secret_rejects_empty_and_whitespace(value: str) -> None:
    with pytest.raises(sa.ConfigurationError):
        Secret(value, kind="API-Token")


@pytest.mark.parametrize("value", ["tök€n", "bell\x07", "del\x7f"])
def test_a_token_a_header_cannot_carry_is_refused(value: str) -> None:
    """Tokens go in the Authorization header, which carries printable ASCII only."""
    with pytest.raises(sa.ConfigurationError, match="HTTP header cannot carry"):
        Secret(value, kind="API-Token")


@pytest.mark.parametrize("value", ["k e y", " padded ", "schlüssel-ß", "tab\there"])
def test_an_exact_shared_key_is_kept_as_given(value: str) -> None:
    """A webhook secret is an HMAC key sent in a form body, never a header: every character
    counts (the server keys HMAC-SHA256 with it as stored; reference §8b)."""
    assert Secret(value, kind="webhook secret", exact=True).get_secret() == value


@pytest.mark.anyio
async def test_token_value_objects_do_not_leak_through_asdict() -> None:
    fake = FakeSeaTable()
    raw = fake.mint("u-1")
    grant = parse_token_grant({"access_token": raw, "dtable_uuid": "u-1"}, method="GET", path="/x")
    token = BaseToken(grant, received_at=0.0, generation=1)
    stored = StoredToken(grant)
    for obj in (grant, token, stored):
        dumped = attrs.asdict(obj)
        assert raw not in repr(dumped) and raw not in repr(obj) and raw not in str(obj)


@pytest.mark.anyio
async def test_session_logs_errors_and_stats_contain_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeSeaTable(bearer_ok=False)
    token = api_token(3)
    secrets = {token}
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        async with sa.Client(URL, transport=fake.transport()) as client:
            base = client.base(token)
            await base.list_rows("T")
            await base.append_rows("T", [{"Name": "x"}], encode=False)
            fake.script.append(
                lambda r: httpx.Response(503) if r.url.path.endswith("/rows/") else None
            )
            await base.list_rows("T")
            fake.revoked.update(h.split(" ", 1)[1] for h in fake.seen_authorization if "." in h)
            await base.list_rows("T")
            try:
                await client.base("e" * 40).list_rows("T")
            except sa.SeaTableError as exc:
                errors.append(exc)
            stats = client.stats
            with anyio.fail_after(1):
                info = await base.token_info()
    secrets.update(h.split(" ", 1)[1] for h in fake.seen_authorization if " " in h)
    assert len(secrets) >= 3  # API-Tokens and at least two Base-Tokens were really used
    haystack = [r.getMessage() for r in caplog.records]
    haystack += [repr(e) for e in errors] + [str(e) for e in errors]
    haystack += [repr(stats), repr(info), repr(client), repr(base)]
    for text in haystack:
        for secret in secrets:
            assert secret not in text
    assert any("rows" in m for m in haystack)  # DEBUG logging really happened


def test_plain_http_to_remote_host_is_refused() -> None:
    with pytest.raises(sa.InsecureConnectionError):
        sa.Client("http://cloud.seatable.io")
    sa.Client("http://cloud.seatable.io", allow_insecure_http=True)
    for ok in ("http://127.0.0.1:8000", "http://localhost", "http://[::1]:80", "https://x.io"):
        sa.Client(ok)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "cloud.seatable.io",
        "ftp://x.io",
        "https://",
        "https://u:p@x.io",
        "https://x.io/?a=1",
        "https://x.io:99999",
    ],
)
def test_malformed_server_urls(url: str) -> None:
    with pytest.raises(sa.ConfigurationError):
        sa.Client(url)


@pytest.mark.anyio
async def test_using_client_outside_async_with_is_a_clear_error() -> None:
    client = sa.Client(URL)
    with pytest.raises(sa.ConfigurationError, match="async with"):
        await client.ping()
    with pytest.raises(sa.ConfigurationError, match="async with"):
        await client.base(api_token(1)).list_rows("T")


@pytest.mark.anyio
async def test_authorization_never_sent_to_a_redirect_target() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(301, headers={"location": "https://elsewhere.example/api2/ping/"})

    async with sa.Client(URL, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(sa.SeaTableError):
            await client.account("a" * 40).info()
    assert len(seen) == 1 and seen[0].url.host == "127.0.0.1"
