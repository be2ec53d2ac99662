"""Link cells in written rows go through the links endpoint after the rows.

The rows endpoints do not set links; the gateway's ``PUT /links/`` replaces a row's links with
``other_rows_ids_map`` (v5.0 ``base_operations.yaml`` ``updateRowLink``: ``link_id``,
``table_id``, ``other_table_id``, ``other_rows_ids_map``); dtable-server's is
``PUT /batch-update-links/`` with ``row_id_list`` (the official client's
``batch_update_links``). The emulator does not serve links yet, so these tests answer the links
requests themselves and check what was sent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import seatable_async as sa
from tests.base.helpers import LINK, Hooked, client, requests, world

pytestmark = pytest.mark.anyio

OTHER = ["A" * 21 + "A", "B" * 21 + "A"]


def recorder(sent: list[dict[str, Any]], status: int = 200) -> Any:
    def hook(request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if path.endswith("/links/") or path.endswith("/batch-update-links/"):
            sent.append({"method": request.method, "path": path, **json.loads(request.content)})
            if status != 200:
                return httpx.Response(status, json={"error_message": "link_id invalid"})
            return httpx.Response(200, json={"success": True})
        return None

    return hook


async def test_appended_rows_get_their_links_after_them() -> None:
    emu, info, token = world()
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent))) as c:
        ids = await c.base(token).append_rows(
            "T", [{"Title": "a", "Parts": OTHER}, {"Title": "b"}, {"Title": "c", "Parts": OTHER[0]}]
        )
    assert [r["Title"] for r in emu.rows(info, "T")] == ["a", "b", "c"]
    assert sent == [
        {
            "method": "PUT",
            "path": f"/api-gateway/api/v2/dtables/{info.uuid}/links/",
            "link_id": LINK["link_id"],
            "table_id": "0000",
            "other_table_id": "0001",
            "other_rows_ids_map": {ids[0]: OTHER, ids[2]: [OTHER[0]]},
        }
    ]


async def test_update_replaces_links_and_an_empty_list_clears_them() -> None:
    emu, _, token = world()
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent))) as c:
        base = c.base(token)
        ids = await base.append_rows("T", [{"Title": "a"}, {"Title": "b"}])
        await base.update_rows("T", {ids[0]: {"Parts": OTHER}, ids[1]: {"Parts": None}})
    assert requests(emu, "gateway.rows.update") == 0  # only links changed: no rows request
    assert sent[0]["other_rows_ids_map"] == {ids[0]: OTHER, ids[1]: []}


async def test_legacy_servers_use_batch_update_links() -> None:
    emu, info, token = world(version="4.0")
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent))) as c:
        (row_id,) = await c.base(token).append_rows("T", [{"Title": "a", "Parts": OTHER}])
    assert sent[0]["path"].endswith(f"/dtables/{info.uuid}/batch-update-links/")
    assert sent[0]["row_id_list"] == [row_id]
    assert sent[0]["table_name"] == "T"


async def test_a_failed_link_write_says_the_rows_landed() -> None:
    emu, info, token = world()
    sent: list[dict[str, Any]] = []
    async with client(emu, transport=Hooked(emu, recorder(sent, status=400))) as c:
        with pytest.raises(sa.BadRequestError, match="link cells") as caught:
            await c.base(token).append_rows("T", [{"Title": "a", "Parts": OTHER}])
        report = await c.base(token).import_rows(
            "T", [{"Title": "b", "Parts": OTHER}], raise_on_failure=False
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
            await base.append_rows("T", [{"Title": "a"}, {"Parts": OTHER}])
    assert emu.rows(info, "T") == []
