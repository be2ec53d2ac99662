"""Link cells in written rows go through ``base.links`` after the rows.

The rows endpoints do not set links; the gateway's ``PUT /links/`` replaces a row's links with
``other_rows_ids_map`` (v5.0 ``base_operations.yaml`` ``updateRowLink``: ``link_id``,
``table_id``, ``other_table_id``, ``other_rows_ids_map``); dtable-server's is
``PUT /batch-update-links/`` with ``row_id_list`` (the official client's
``batch_update_links``). The emulator serves both (its link store is checked against the
recorded ``query-links`` answers, see ``tests/api/test_links.py``); a hook records what was sent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import seatable_async as sa
from tests.base.helpers import Hooked, client, requests, world

pytestmark = pytest.mark.anyio


def recorder(sent: list[dict[str, Any]], status: int = 200) -> Any:
    """Record link writes; answer them with ``status`` instead of the emulator unless 200."""

    def hook(request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if request.method == "PUT" and path.endswith(("/links/", "/batch-update-links/")):
            sent.append({"method": request.method, "path": path, **json.loads(request.content)})
            if status != 200:
                return httpx.Response(status, json={"error_message": "link_id invalid"})
        return None

    return hook


async def linked(base: sa.Base, row_ids: list[str]) -> dict[str, list[str]]:
    found = await base.links.get("T", "Parts", row_ids)
    return {row: [r.row_id for r in records] for row, records in found.items()}


async def test_appended_rows_get_their_links_after_them() -> None:
    emu, info, token = world()
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent))) as c:
        base = c.base(token)
        other = await base.append_rows("Parts", [{"Name": "x"}, {"Name": "y"}])
        ids = await base.append_rows(
            "T", [{"Title": "a", "Parts": other}, {"Title": "b"}, {"Title": "c", "Parts": other[0]}]
        )
        assert await linked(base, ids) == {ids[0]: other, ids[1]: [], ids[2]: [other[0]]}
        meta = await base.metadata()
    assert [r["Title"] for r in emu.rows(info, "T")] == ["a", "b", "c"]
    column = meta.table("T").column("Parts")
    assert column.data is not None
    (body,) = sent
    assert body["path"] == f"/api-gateway/api/v2/dtables/{info.uuid}/links/"
    assert body["link_id"] == column.data["link_id"]
    assert (body["table_id"], body["other_table_id"]) == (
        meta.table("T").id,
        meta.table("Parts").id,
    )
    assert body["other_rows_ids_map"] == {ids[0]: other, ids[2]: [other[0]]}


async def test_update_replaces_links_and_an_empty_list_clears_them() -> None:
    emu, _, token = world()
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent))) as c:
        base = c.base(token)
        other = await base.append_rows("Parts", [{"Name": "x"}, {"Name": "y"}])
        ids = await base.append_rows("T", [{"Title": "a"}, {"Title": "b", "Parts": other}])
        await base.update_rows("T", {ids[0]: {"Parts": other}, ids[1]: {"Parts": None}})
        assert await linked(base, ids) == {ids[0]: other, ids[1]: []}
    assert requests(emu, "gateway.rows.update") == 0  # only links changed: no rows request
    assert sent[-1]["other_rows_ids_map"] == {ids[0]: other, ids[1]: []}


async def test_legacy_servers_use_batch_update_links() -> None:
    emu, info, token = world(version="4.0")
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent))) as c:
        base = c.base(token)
        other = await base.append_rows("Parts", [{"Name": "x"}])
        (row_id,) = await base.append_rows("T", [{"Title": "a", "Parts": other}])
        assert await linked(base, [row_id]) == {row_id: other}
    assert sent[0]["path"].endswith(f"/dtables/{info.uuid}/batch-update-links/")
    assert sent[0]["row_id_list"] == [row_id]
    assert sent[0]["table_name"] == "T"


async def test_a_failed_link_write_says_the_rows_landed() -> None:
    emu, info, token = world()
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent, status=400))) as c:
        other = await c.base(token).append_rows("Parts", [{"Name": "x"}])
        with pytest.raises(sa.BadRequestError, match="link cells") as caught:
            await c.base(token).append_rows("T", [{"Title": "a", "Parts": other}])
        report = await c.base(token).import_rows(
            "T", [{"Title": "b", "Parts": other}], raise_on_failure=False
        )
    partial = caught.value.partial
    assert partial is not None and partial.applied == (0,) and partial.not_applied == ()
    assert partial.row_ids[0] == emu.rows(info, "T")[0]["_id"]
    assert report.inserted_count == 1 and not report.ok
    assert report.links_failed[0].indices == range(0, 1)
    assert "link cells of 1 inserted rows not written" in report.summary()


async def test_link_values_are_checked_before_anything_is_sent() -> None:
    """Row ids must look like row ids; a link column whose metadata does not say where it
    points is refused before any row is written."""
    emu, info, token = world()
    emu.state.bases[info.uuid].table("T").by_name["Parts"].data = None  # type: ignore[union-attr]
    async with client(emu) as c:
        base = c.base(token)
        with pytest.raises(sa.CellValueError, match="row ids"):
            await base.append_rows("T", [{"Parts": ["short"]}])
        with pytest.raises(sa.CellValueError, match="link_id"):
            await base.append_rows("T", [{"Title": "a"}, {"Parts": ["A" * 22]}])
    assert emu.rows(info, "T") == []
