"""Row extras on every version, asyncio and trio: ``insert_row`` with an anchor, row locks,
ordered ``list_rows``, ``append_rows(apply_default=)``."""

from __future__ import annotations

import pytest

import seatable_async as sa
from tests.api.mockserver import API_TOKEN, GW, SERVER, MockServer, reply
from tests.api.resource_world import VERSIONS, world

pytestmark = [pytest.mark.anyio, pytest.mark.anyio_backends("asyncio", "trio")]

TABLES = {
    "T": {
        "Name": "text",
        "Age": "number",
        "Team": {
            "type": "text",
            "data": {"default_value": "core", "enable_fill_default_value": True},
        },
    }
}


@pytest.mark.parametrize("version", ["4.0", "4.4", "5.0"])
async def test_insert_row_next_to_an_anchor(version: str) -> None:
    """dtable-server's ``POST rows/`` with ``anchor_row_id``: directly on 4.0, through the
    dtable-server the token answer names on 4.4/5.0 (the gateway has no anchor)."""
    async with world(version, TABLES) as w:
        a = await w.base.append_rows("T", [{"Name": "a"}])
        await w.base.append_rows("T", [{"Name": "b"}])
        below = await w.base.insert_row("T", {"Name": "below a"}, anchor=a[0])
        above = await w.base.insert_row("T", {"Name": "above a"}, anchor=a[0], above=True)
        names = [r["Name"] for r in w.emu.rows(w.info, "T")]
        assert names == ["above a", "a", "below a", "b"]
        ids = [r["_id"] for r in w.emu.rows(w.info, "T")]
        assert ids[0] == above and ids[2] == below
        legacy = w.record.bodies("POST", f"/dtable-server/api/v1/dtables/{w.info.uuid}/rows/")
        anchored = [b for b in legacy if "anchor_row_id" in b]
        assert [b["row_insert_position"] for b in anchored] == ["insert_below", "insert_above"]
        with pytest.raises(sa.NotFoundError):
            await w.base.insert_row("T", {"Name": "x"}, anchor="no-such-row-0000000000")


async def test_insert_row_is_unsupported_on_60_before_any_request() -> None:
    async with world("6.0", TABLES) as w:
        await w.base.token_info()
        sent = len(w.record.sent)
        with pytest.raises(sa.UnsupportedOperationError) as caught:
            await w.base.insert_row("T", {"Name": "x"}, anchor="abc")
        assert caught.value.operation == "base.insert_row"
        assert len(w.record.sent) == sent


@pytest.mark.parametrize("version", VERSIONS)
async def test_lock_and_unlock_rows_in_batches(version: str) -> None:
    """``_locked``/``_locked_by`` set by lock-rows, both null after unlock-rows (6.x websocket
    snapshots); 1,500 ids → 2 requests."""
    async with world(version, TABLES) as w:
        ids = await w.base.append_rows("T", [{"Name": str(i)} for i in range(1500)])
        await w.base.lock_rows("T", ids)
        assert all(r["_locked"] and r["_locked_by"] == "app" for r in w.emu.rows(w.info, "T"))
        assert [len(b["row_ids"]) for b in w.record.bodies("PUT", "/lock-rows/")] in (
            [1000, 500],
            [500, 1000],
        )
        await w.base.unlock_rows("T", ids[:10])
        rows = {r["_id"]: r for r in w.emu.rows(w.info, "T")}
        assert rows[ids[0]]["_locked"] is None and rows[ids[0]]["_locked_by"] is None
        assert rows[ids[10]]["_locked"]
        await w.base.lock_rows("T", [])
        with pytest.raises(sa.ConfigurationError):
            await w.base.unlock_rows("T", "not-a-list")


@pytest.mark.parametrize("version", VERSIONS)
async def test_list_rows_in_order(version: str) -> None:
    """dtable-server sorts with ``order_by``/``direction``; on the gateway (which ignores
    them since 4.4) the page comes from SQL."""
    async with world(version, TABLES) as w:
        await w.base.append_rows(
            "T", [{"Name": n, "Age": a} for n, a in (("b", 2), ("c", 3), ("a", 1))]
        )
        desc = await w.base.list_rows("T", order_by="Age", direction="desc")
        assert [r["Name"] for r in desc] == ["c", "b", "a"]
        page = await w.base.list_rows("T", order_by="Name", start=1, limit=1)
        assert [r["Name"] for r in page] == ["b"]
        assert all("_id" in r for r in desc)
        if w.gateway:
            assert w.record.count("POST", "/sql") == 2
            with pytest.raises(sa.UnsupportedOperationError):
                await w.base.list_rows("T", order_by="Age", view="Default View")
        else:
            assert w.record.count("POST", "/sql") == 0
        with pytest.raises(sa.ConfigurationError):
            await w.base.list_rows("T", order_by="Age", direction="up")


@pytest.mark.parametrize("version", VERSIONS)
async def test_append_rows_apply_default(version: str) -> None:
    """``apply_default`` fills empty cells of columns with a default value (v5.0 specs)."""
    async with world(version, TABLES) as w:
        await w.base.append_rows("T", [{"Name": "plain"}])
        await w.base.append_rows(
            "T", [{"Name": "d1"}, {"Name": "d2", "Team": "x"}], apply_default=True
        )
        teams = {r["Name"]: r["Team"] for r in w.emu.rows(w.info, "T")}
        assert teams == {"plain": None, "d1": "core", "d2": "x"}
        with pytest.raises(sa.ConfigurationError):
            await w.base.append_rows("T", [{"Name": "x"}], apply_default=1)  # type: ignore[arg-type]


async def test_ordered_page_malformed_answer() -> None:
    server = MockServer("6.0")
    server.on("POST", f"{GW}/sql", lambda r: reply({"success": True, "results": "nope"}))
    async with sa.Client(SERVER, transport=server.transport()) as client:
        with pytest.raises(sa.ResponseFormatError):
            await client.base(API_TOKEN).list_rows("T", order_by="Age")
    (call,) = server.calls("POST", f"{GW}/sql")
    assert "ORDER BY `Age` ASC LIMIT 1000 OFFSET 0" in call.json()["sql"]
