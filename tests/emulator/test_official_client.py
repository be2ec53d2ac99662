"""The official ``seatable-api`` 4.0.0 client, unchanged, against the served emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seatable_async.emulator import Emulator

from .emu_helpers import TABLES

seatable_api = pytest.importorskip("seatable_api")
from seatable_api import Account, Base  # noqa: E402
from seatable_api.exception import AuthExpiredError  # noqa: E402


@pytest.fixture(params=["4.0", "5.0", "6.0"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, str, str]]:
    emu = Emulator(str(request.param))
    emu.add_user("alice@example.com", "s3cret pw&x")
    base = emu.add_base(owner="alice@example.com", name="Demo Base", tables=TABLES)
    token = emu.add_api_token(base, app_name="sdk", permission="rw")
    with emu.serve_in_thread() as url:
        yield emu, url, token


def test_base_operations(served: tuple[Emulator, str, str]) -> None:
    emu, url, token = served
    gateway = emu.version != "4.0"
    base = Base(token, url)
    base.auth()
    assert bool(base.use_api_gateway) is gateway
    meta = base.get_metadata()
    assert meta["tables"][0]["name"] == "Table1"
    row = base.append_row("Table1", {"Name": "a", "Age": 1})
    assert row["_id"]
    base.batch_append_rows("Table1", [{"Name": "b", "Age": 2}, {"Name": "c", "Age": 3}])
    rows = base.list_rows("Table1")
    assert [r["Name"] for r in rows] == ["a", "b", "c"]
    base.update_row("Table1", rows[1]["_id"], {"Age": 20})
    base.delete_row("Table1", rows[2]["_id"])
    if gateway:
        result = base.query("select Name, Age from Table1 where Age > ?", parameters=[5])
    else:
        result = base.query("select Name, Age from Table1 where Age > 5")
    assert result == [{"Name": "b", "Age": 20}]
    stored = emu.rows(next(iter(emu.state.bases.values())), "Table1")
    assert [(r["Name"], r["Age"]) for r in stored] == [("a", 1), ("b", 20)]
    assert emu.stats.token_requests["api"] == 1
    assert emu.stats.schemes["token"] >= 8


def test_account_get_base(served: tuple[Emulator, str, str]) -> None:
    emu, url, _ = served
    account = Account("alice@example.com", "s3cret pw&x", url)
    account.auth()
    ws = next(iter(emu.state.bases.values())).workspace_id
    base = account.get_base(ws, "Demo Base")
    assert base.list_rows("Table1") == []
    assert emu.stats.token_requests["temp"] == 1


def test_expired_token_legacy_raises_auth_expired() -> None:
    emu = Emulator("4.0", token_ttl=1)
    emu.add_user("alice@example.com", "pw")
    b = emu.add_base(owner="alice@example.com", name="Demo", tables=TABLES)
    token = emu.add_api_token(b)
    with emu.serve_in_thread() as url:
        base = Base(token, url)
        base.auth()
        assert base.list_rows("Table1") == []
        emu.advance(2)
        with pytest.raises(AuthExpiredError):
            base.list_rows("Table1")
        base.auth()
        assert base.list_rows("Table1") == []
