"""Bad input from callers: a clear error, before any request is sent where possible."""

from __future__ import annotations

from typing import Any

import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

from ._helpers import counting

pytestmark = pytest.mark.anyio

URL = "http://127.0.0.1"


@pytest.mark.parametrize("token", ["", "   ", "\t\n", "two words"])
async def test_empty_or_whitespace_tokens_fail_before_any_request(token: str) -> None:
    transport = counting()
    async with sa.Client(URL, transport=transport) as client:
        for make in (client.base, client.account, client.external_base):
            with pytest.raises(sa.ConfigurationError):
                make(token)
    assert transport.requests == []


@pytest.mark.parametrize("url", ["https://x.io#frag", "  ", "//x.io", "https://x.io:-1"])
def test_more_malformed_server_urls(url: str) -> None:
    with pytest.raises(sa.ConfigurationError):
        sa.Client(url)


def test_server_url_with_a_space_in_the_host_is_refused() -> None:
    with pytest.raises(sa.ConfigurationError):
        sa.Client("https://exa mple.com")


async def test_account_token_passed_as_api_token_names_the_expected_kind() -> None:
    emu = Emulator("6.0")
    user = emu.add_user("bob@example.com", "pw")
    emu.add_base(owner="bob@example.com", name="B", tables={"T": {"Name": "text"}})
    async with sa.Client(URL, transport=emu.transport()) as client:
        with pytest.raises(sa.SeaTableError) as info:
            await client.base(user.account_token).list_rows("T")
    assert isinstance(info.value, (sa.AuthenticationError, sa.PermissionDeniedError))
    message = str(info.value)
    assert "expects the API-Token" in message and "client.account()" in message
    assert user.account_token not in message


async def test_api_token_passed_as_account_token_is_a_typed_error() -> None:
    emu = Emulator("6.0")
    base = emu.add_base(owner="bob@example.com", name="B", tables={"T": {"Name": "text"}})
    api_token = emu.add_api_token(base)
    async with sa.Client(URL, transport=emu.transport()) as client:
        with pytest.raises((sa.AuthenticationError, sa.PermissionDeniedError)) as info:
            await client.account(api_token).info()
    assert api_token not in repr(info.value) and len(str(info.value)) < 600


ODD_NAMES = ["My Table", "O'Brien", 'Say "hi"', "Ünïcødé 表 ✓", "a/b", "50% off?&x=1", "back`tick"]


@pytest.mark.parametrize("name", ODD_NAMES)
async def test_odd_table_names_round_trip(name: str) -> None:
    emu = Emulator("6.0")
    base = emu.add_base(owner="c@example.com", name="B", tables={name: {"Name": "text"}})
    token = emu.add_api_token(base)
    async with sa.Client(URL, transport=emu.transport()) as client:
        handle = client.base(token)
        ids = await handle.append_rows(name, [{"Name": "first"}, {"Name": "second"}])
        rows = await handle.list_rows(name)
        assert [r["Name"] for r in rows] == ["first", "second"]
        assert (await handle.get_row(name, ids[1]))["Name"] == "second"
        quoted = "`" + name.replace("`", "``") + "`"
        result = await handle.sql(f"SELECT Name FROM {quoted} WHERE Name = ?", ["first"])
        assert [r["Name"] for r in result.rows] == ["first"]
        await handle.update_rows(name, {ids[0]: {"Name": "changed"}})
        await handle.delete_rows(name, [ids[1]])
    assert [r["Name"] for r in emu.rows(base, name)] == ["changed"]


BAD_CALLS: list[tuple[str, Any]] = [
    ("append a non-mapping row", lambda b: b.append_rows("T", [1])),
    ("append a mapping instead of rows", lambda b: b.append_rows("T", {"Name": "x"})),
    ("append a string", lambda b: b.append_rows("T", "Name")),
    ("append rows with a None row", lambda b: b.append_rows("T", [{"Name": "x"}, None])),
    ("update with a non-mapping row", lambda b: b.update_rows("T", {"r1": ["x"]})),
    ("update with empty row id", lambda b: b.update_rows("T", [("", {"Name": "x"})])),
    ("delete a string", lambda b: b.delete_rows("T", "r1")),
    ("delete an empty id", lambda b: b.delete_rows("T", ["r1", " "])),
    ("empty table", lambda b: b.list_rows("")),
    ("whitespace table", lambda b: b.append_rows("  ", [{"Name": "x"}])),
    ("non-string table", lambda b: b.list_rows(None)),
    ("negative limit", lambda b: b.list_rows("T", limit=-1)),
    ("zero limit", lambda b: b.list_rows("T", limit=0)),
    ("limit above the cap", lambda b: b.list_rows("T", limit=1001)),
    ("negative start", lambda b: b.list_rows("T", start=-5)),
    ("bool limit", lambda b: b.list_rows("T", limit=True)),
    ("empty sql", lambda b: b.sql("  ")),
    ("sql parameters as a string", lambda b: b.sql("SELECT ?", "x")),
    ("sql parameters as a mapping", lambda b: b.sql("SELECT ?", {"a": 1})),
    ("empty row id", lambda b: b.get_row("T", "")),
    ("import batch above the cap", lambda b: b.import_rows("T", [{"Name": "x"}], batch_size=1001)),
    ("import batch zero", lambda b: b.import_rows("T", [{"Name": "x"}], batch_size=0)),
    ("import negative concurrency", lambda b: b.import_rows("T", [{"N": 1}], concurrency=-1)),
    ("import with an empty key", lambda b: b.import_rows("T", [{"N": 1}], key=" ")),
]


@pytest.mark.parametrize(("what", "call"), BAD_CALLS, ids=[w for w, _ in BAD_CALLS])
async def test_bad_arguments_fail_before_any_request(what: str, call: Any) -> None:
    transport = counting()
    async with sa.Client(URL, transport=transport) as client:
        with pytest.raises(sa.ConfigurationError) as info:
            await call(client.base("b" * 40))
    assert transport.requests == [], f"{what}: {len(transport.requests)} request(s) sent"
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("sql_pages page above the cap", lambda b: b.sql_pages("SELECT 1", page_size=10_001)),
        ("sql_pages negative page", lambda b: b.sql_pages("SELECT * FROM T", page_size=-1)),
        ("sql_pages with LIMIT", lambda b: b.sql_pages("SELECT * FROM T LIMIT 5")),
        ("rows page above the cap", lambda b: b.rows("T", page_size=1001)),
    ],
)
async def test_bad_paging_arguments_fail_before_any_request(what: str, call: Any) -> None:
    transport = counting()
    async with sa.Client(URL, transport=transport) as client:
        with pytest.raises(sa.ConfigurationError):
            async for _ in call(client.base("b" * 40)):
                pass
    assert transport.requests == [], what


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_concurrency": 0},
        {"max_concurrency": -3},
        {"timeout": -1},
        {"timeout": 0},
        {"auth_scheme": "basic"},
        {"retry": "fast"},
    ],
)
def test_bad_client_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises(sa.ConfigurationError):
        sa.Client(URL, **kwargs)
