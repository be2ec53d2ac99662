"""Bearer first, Token for servers before 4.0, negotiated once per client."""

from __future__ import annotations

import logging

import anyio
import pytest

import seatable_async as sa
from tests.core.fakes import FakeSeaTable, api_token

pytestmark = pytest.mark.anyio

URL = "http://127.0.0.1"


async def test_old_server_sees_exactly_one_bearer_rejection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeSeaTable(bearer_ok=False)
    with caplog.at_level(logging.WARNING, logger="seatable_async"):
        async with sa.Client(URL, transport=fake.transport()) as client:
            bases = [client.base(api_token(i)) for i in range(1, 11)]
            async with anyio.create_task_group() as tg:
                for base in bases:
                    for _ in range(20):
                        tg.start_soon(base.list_rows, "T")
            assert client.stats.scheme == "Token"
            assert client.stats.scheme_confirmed
            assert client.stats.retries.get("scheme") == 1
    assert fake.schemes["Bearer"] == 1
    assert fake.schemes["Token"] == 10 + 200
    warnings = [r for r in caplog.records if "Bearer" in r.getMessage()]
    assert len(warnings) == 1


async def test_new_server_never_sees_a_token_scheme() -> None:
    fake = FakeSeaTable(bearer_ok=True)
    async with sa.Client(URL, transport=fake.transport()) as client:
        bases = [client.base(api_token(i)) for i in range(1, 6)]
        async with anyio.create_task_group() as tg:
            for base in bases:
                for _ in range(20):
                    tg.start_soon(base.list_rows, "T")
        assert client.stats.scheme == "Bearer"
        assert client.stats.scheme_confirmed
    assert fake.schemes["Token"] == 0
    assert fake.schemes["Bearer"] == 5 + 100


@pytest.mark.parametrize(("mode", "expected"), [("bearer", "Bearer"), ("token", "Token")])
async def test_fixed_scheme_is_used_without_probing(mode: str, expected: str) -> None:
    fake = FakeSeaTable(bearer_ok=True)
    async with sa.Client(URL, transport=fake.transport(), auth_scheme=mode) as client:
        await client.base(api_token(1)).list_rows("T")
    assert set(fake.schemes) == {expected}


async def test_fixed_bearer_on_old_server_fails_clearly() -> None:
    """The token endpoint refuses what it cannot read with 403 "Permission denied." (reference
    §4.1: header of the wrong scheme): the credential was refused, an AuthenticationError."""
    fake = FakeSeaTable(bearer_ok=False)
    async with sa.Client(URL, transport=fake.transport(), auth_scheme="bearer") as client:
        with pytest.raises(sa.AuthenticationError, match="refused this API-Token"):
            await client.base(api_token(1)).list_rows("T")
    assert set(fake.schemes) == {"Bearer"}


async def test_server_info_below_4_pins_token_without_rejection() -> None:
    fake = FakeSeaTable(bearer_ok=False)
    async with sa.Client(URL, transport=fake.transport()) as client:
        info = await client.server_info()
        assert info.version.startswith("3.5")
        await client.base(api_token(1)).list_rows("T")
        assert client.stats.retries.get("scheme", 0) == 0
    assert fake.schemes["Bearer"] == 0


async def test_bad_api_token_is_not_mistaken_for_a_scheme_problem() -> None:
    """An unknown API-Token: 403 "Permission denied." at the token endpoint (reference §4.1,
    6.0.10 test_auth_errors.py) — an AuthenticationError naming the API-Token."""
    fake = FakeSeaTable(bearer_ok=True)
    async with sa.Client(URL, transport=fake.transport()) as client:
        with pytest.raises(sa.AuthenticationError, match="refused this API-Token"):
            await client.base("9" * 40).list_rows("T")
        # Both schemes were refused: the scheme stays open and Bearer is tried first again.
        assert client.stats.scheme == "Bearer"
        assert not client.stats.scheme_confirmed
        await client.base(api_token(1)).list_rows("T")
        assert client.stats.scheme == "Bearer"
        assert client.stats.scheme_confirmed


def test_invalid_scheme_is_a_configuration_error() -> None:
    with pytest.raises(sa.ConfigurationError):
        sa.Client(URL, auth_scheme="basic")
