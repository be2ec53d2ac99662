"""Links, row extras, big data and collaboration endpoints as the server answers them; each
test's docstring names its source (snapshot, spec, ISSUES number) or says "inferred"."""

from __future__ import annotations

from typing import Any

import pytest

from ._world import World, world

pytestmark = pytest.mark.anyio

TABLES: dict[str, Any] = {
    "P": {"Name": "text", "Tasks": {"type": "link", "data": {"other_table": "T"}}},
    "T": {"Title": "text"},
}


async def _rows(w: World, table: str, names: list[str]) -> list[str]:
    column = "Name" if table == "P" else "Title"
    if w.emu.has_gateway:
        data = await w.append([{column: n} for n in names], table)
        return [r["_id"] for r in data["row_ids"]]
    ids = []
    for n in names:  # dtable-server: one row per request answers its _id
        body = {"table_name": table, "row": {column: n}}
        r = await w.client.post(w.legacy("rows/"), headers=w.headers, json=body)
        ids.append(r.json()["_id"])
    return ids


def _link(w: World) -> dict[str, Any]:
    p, t = w.base.tables
    return {"link_id": p.columns[1].data["link_id"], "table_id": p.id, "other_table_id": t.id}


async def test_link_columns_share_a_link_id_and_name_their_tables() -> None:
    """Metadata of a link column: ``link_id``, ``table_id`` (its own table), ``other_table_id``,
    ``display_column_key`` (v5.0/6.1 ``getMetadata`` example; developer docs "Links": "The
    table whose id is table_id is … the table containing this column"); the other table gets
    the column pointing back (named after the source table: inferred)."""
    async with world(tables=TABLES) as w:
        r = await w.client.get(w.gw("metadata/"), headers=w.headers)
    p, t = r.json()["metadata"]["tables"]
    there, back = p["columns"][1], t["columns"][1]
    assert (there["type"], back["type"], back["name"]) == ("link", "link", "P")
    assert there["data"]["link_id"] == back["data"]["link_id"]
    assert (there["data"]["table_id"], there["data"]["other_table_id"]) == (p["_id"], t["_id"])
    assert (back["data"]["table_id"], back["data"]["other_table_id"]) == (t["_id"], p["_id"])
    assert there["data"]["display_column_key"] == t["columns"][0]["key"]


@pytest.mark.parametrize("version", ["5.0", "6.0"])
async def test_gateway_link_writes_and_cells(version: str) -> None:
    """``POST links/`` → ``{"success": true}``; list rows shows ``[{display_value, row_id}]``
    on the gateway and row ids on dtable-server (5.0 ``test_listRows_links`` snapshots);
    ``DELETE links/`` counts the pairs asked for, existing or not (ISSUES #9)."""
    async with world(version, TABLES) as w:
        (p,) = await _rows(w, "P", ["p"])
        t = await _rows(w, "T", ["a", "b"])
        body = {**_link(w), "other_rows_ids_map": {p: t}}
        r = await w.client.post(w.gw("links/"), headers=w.headers, json=body)
        assert (r.status_code, r.json()) == (200, {"success": True})
        (row,) = await w.rows("P")
        assert row["Tasks"] == [
            {"display_value": "a", "row_id": t[0]},
            {"display_value": "b", "row_id": t[1]},
        ]
        if version == "5.0":
            r = await w.client.get(w.legacy("rows/"), headers=w.headers, params={"table_name": "P"})
            assert r.json()["rows"][0]["Tasks"] == t
        body["other_rows_ids_map"] = {p: [t[0], "missing-row-id-0000000a"]}
        r = await w.client.request("DELETE", w.gw("links/"), headers=w.headers, json=body)
        assert r.json() == {"success": True, "deleted_links_count": 2}
        assert w.emu.links(w.base, "P", "Tasks") == {p: [t[1]]}


async def test_link_refusals() -> None:
    """A link made twice is refused (v5.0 spec ``createRowLink``: "It is not possible to
    create a link twice. This will result in an error."; status and text inferred); more than
    1,000 rows per request → 400 (developer docs ``batch_update_links``); unknown rows → 404
    (developer docs: "throws an error if no row with id … exists"; status inferred)."""
    async with world(tables=TABLES) as w:
        (p,) = await _rows(w, "P", ["p"])
        (t,) = await _rows(w, "T", ["a"])
        body = {**_link(w), "other_rows_ids_map": {p: [t]}}
        await w.client.post(w.gw("links/"), headers=w.headers, json=body)
        again = await w.client.post(w.gw("links/"), headers=w.headers, json=body)
        many = {f"row{i:018d}": [t] for i in range(1001)}
        over = await w.client.put(
            w.gw("links/"), headers=w.headers, json={**_link(w), "other_rows_ids_map": many}
        )
        ghost = {**_link(w), "other_rows_ids_map": {"no-such-row-id-0000000": [t]}}
        unknown = await w.client.post(w.gw("links/"), headers=w.headers, json=ghost)
    assert (again.status_code, again.json()) == (400, {"error_message": "link already exists."})
    assert over.status_code == 400 and "1000" in over.json()["error_message"]
    assert unknown.status_code == 404


async def test_query_links_pages_by_creation_time() -> None:
    """``query-links/``: 10 links per row by default, ``limit`` at most 100, ``offset`` into
    the links ordered by the linked rows' ctime (v5.0/6.1 spec ``listRowLinkLimit``,
    ``listRowLinkOffset``); table and column by name or id/key (spec ``list_row_links``)."""
    async with world(tables=TABLES) as w:
        (p,) = await _rows(w, "P", ["p"])
        t = await _rows(w, "T", [f"t{i}" for i in range(120)])
        body = {**_link(w), "other_rows_ids_map": {p: list(reversed(t))}}
        await w.client.post(w.gw("links/"), headers=w.headers, json=body)

        async def query(row: dict[str, Any], **names: str) -> list[dict[str, Any]]:
            ask = {"rows": [row], **(names or {"table_name": "P", "link_column_name": "Tasks"})}
            r = await w.client.post(w.gw("query-links/"), headers=w.headers, json=ask)
            assert r.status_code == 200, r.text
            found: list[dict[str, Any]] = r.json()[p]
            return found

        assert [x["row_id"] for x in await query({"row_id": p})] == t[:10]
        assert len(await query({"row_id": p, "limit": 500})) == 100
        page = await query(
            {"row_id": p, "offset": 110, "limit": 20},
            table_id="0000",
            link_column_key=w.base.tables[0].columns[1].key,
        )
        assert [x["row_id"] for x in page] == t[110:]
        assert page[0] == {"row_id": t[110], "display_value": "t110"}


async def test_legacy_link_forms() -> None:
    """dtable-server: single ``POST links/`` (``table_row_id``/``other_table_row_id`` →
    ``{"success": true}``), ``PUT links/`` (one row's ``other_rows_ids``), ``PUT
    batch-update-links/`` (``row_id_list`` + map), ``DELETE links/`` → ``{"deleted_links_count":
    1}`` (v5.0 deprecated spec examples); dtable-db ``linked-records/{uuid}`` with and without
    the slash, ``link_column`` = the column key (deprecated spec; the official client adds the
    slash)."""
    async with world("4.0", TABLES) as w:
        (p,) = await _rows(w, "P", ["p"])
        t = await _rows(w, "T", ["a", "b", "c"])
        names = {"link_id": _link(w)["link_id"], "table_name": "P", "other_table_name": "T"}
        r = await w.client.post(
            w.legacy("links/"),
            headers=w.headers,
            json={**names, "table_row_id": p, "other_table_row_id": t[0]},
        )
        assert r.json() == {"success": True}
        await w.client.put(
            w.legacy("links/"),
            headers=w.headers,
            json={**names, "row_id": p, "other_rows_ids": [t[1], t[2]]},
        )
        assert w.emu.links(w.base, "P", "Tasks") == {p: [t[1], t[2]]}
        await w.client.put(
            w.legacy("batch-update-links/"),
            headers=w.headers,
            json={**_link(w), "row_id_list": [p], "other_rows_ids_map": {p: [t[0]]}},
        )
        assert w.emu.links(w.base, "P", "Tasks") == {p: [t[0]]}
        key = w.base.tables[0].columns[1].key
        for path in (
            f"/dtable-db/api/v1/linked-records/{w.base.uuid}",
            f"/dtable-db/api/v1/linked-records/{w.base.uuid}/",
        ):
            r = await w.client.post(
                path,
                headers=w.headers,
                json={"table_id": "0000", "link_column": key, "rows": [{"row_id": p}]},
            )
            assert r.json() == {p: [{"row_id": t[0], "display_value": "a"}]}
        r = await w.client.request(
            "DELETE",
            w.legacy("links/"),
            headers=w.headers,
            json={**names, "table_row_id": p, "other_table_row_id": t[0]},
        )
        assert r.json() == {"deleted_links_count": 1}


async def test_link_writes_are_published() -> None:
    """Link writes are published on the event bus (no recorded shape: dtable-server's style,
    ``add_links``/``remove_links``/``update_links`` with ``other_rows_ids_map``; inferred)."""
    async with world(tables=TABLES) as w:
        (p,) = await _rows(w, "P", ["p"])
        (t,) = await _rows(w, "T", ["a"])
        seen: list[dict[str, Any]] = []
        w.emu.events.subscribe(lambda uuid, op, origin: seen.append(op))
        body = {**_link(w), "other_rows_ids_map": {p: [t]}}
        await w.client.post(w.gw("links/"), headers=w.headers, json=body)
        await w.client.put(
            w.gw("links/"), headers=w.headers, json={**body, "other_rows_ids_map": {p: []}}
        )
    assert [o["op_type"] for o in seen] == ["add_links", "update_links"]
    assert seen[0] == {"op_type": "add_links", **_link(w), "other_rows_ids_map": {p: [t]}}
    assert seen[1]["old_other_rows_ids_map"] == {p: [t]}


async def test_lock_rows_and_insert_row_shapes_and_operations() -> None:
    """``PUT lock-rows/`` → ``{"success": true}``; the row shows ``_locked: true`` and
    ``_locked_by``; after unlock both are null (6.x ``test_websocket/test_lock_and_unlock_rows``
    snapshots); the operations published are ``lock_rows`` (with ``locked_by``) and
    ``unlock_rows``, and a positional insert publishes ``insert_row`` with the anchor as
    ``row_id`` (6.x ``test_websocket.py``)."""
    async with world("5.0", {"T": {"Name": "text"}}) as w:
        ids = [r["_id"] for r in (await w.append([{"Name": "a"}]))["row_ids"]]
        seen: list[dict[str, Any]] = []
        w.emu.events.subscribe(lambda uuid, op, origin: seen.append(op))
        body = {"table_name": "T", "row_ids": ids}
        r = await w.client.put(w.gw("lock-rows/"), headers=w.headers, json=body)
        assert r.json() == {"success": True}
        (row,) = await w.rows()
        assert (row["_locked"], row["_locked_by"]) == (True, "conf")
        await w.client.put(w.gw("unlock-rows/"), headers=w.headers, json=body)
        (row,) = await w.rows()
        assert (row["_locked"], row["_locked_by"]) == (None, None)
        r = await w.client.post(
            w.legacy("rows/"),
            headers=w.headers,
            json={
                "table_name": "T",
                "row": {"Name": "up"},
                "anchor_row_id": ids[0],
                "row_insert_position": "insert_above",
            },
        )
        assert r.status_code == 200 and r.json()["Name"] == "up"
        assert [x["Name"] for x in await w.rows()] == ["up", "a"]
    t = w.base.tables[0]
    assert seen[0] == {
        "op_type": "lock_rows",
        "table_id": t.id,
        "row_ids": ids,
        "locked_by": "conf",
    }
    assert seen[1] == {"op_type": "unlock_rows", "table_id": t.id, "row_ids": ids}
    assert seen[2]["op_type"] == "insert_row" and seen[2]["row_id"] == ids[0]
    assert seen[2]["row_insert_position"] == "insert_above"
    assert seen[2]["row_data"] == {"_id": r.json()["_id"], t.columns[0].key: "up"}


async def test_big_data_answers() -> None:
    """``add-archived-rows/`` → ``{"inserted_row_count": n}`` (v5.0 spec), 400 without big-data
    storage (ISSUES #32's text for SQL INSERT; inferred here); ``unarchive/`` → ``{"success":
    true, "task_id": …}`` (6.1 spec example); ``archive-view/`` → ``{"success": true,
    "error_message": ""}`` (v5.0 spec)."""
    async with world(tables={"T": {"Name": "text"}}, big_data=True) as w:
        r = await w.client.post(
            w.gw("add-archived-rows/"),
            headers=w.headers,
            json={"table_name": "T", "rows": [{"Name": "x"}]},
        )
        assert r.json() == {"inserted_row_count": 1}
        (row,) = w.emu.rows(w.base, "T")
        r = await w.client.post(
            w.gw("unarchive/"),
            headers=w.headers,
            json={"table_id": "0000", "row_ids": [row["_id"]]},
        )
        assert r.json()["success"] is True and len(r.json()["task_id"]) == 36
        r = await w.client.post(w.gw("archive-view/"), headers=w.headers, json={"table_name": "T"})
        assert r.json() == {"success": True, "error_message": ""}
    async with world(tables={"T": {"Name": "text"}}) as w:
        r = await w.client.post(
            w.gw("add-archived-rows/"), headers=w.headers, json={"table_name": "T", "rows": [{}]}
        )
    assert r.status_code == 400 and "insert on non-existent base" in r.json()["error_message"]


async def test_comment_and_notification_shapes() -> None:
    """Comments: a bare list with ``author, comment, created_at, dtable_uuid, id, resolved,
    row_id, updated_at`` (6.x ``test_comments`` snapshots); ``POST comments/`` → 405 on 6.0
    (ISSUES #12). Notifications: ``{"notification_list": [...]}`` (6.x
    ``test_listBaseNotifications_selected_collaborator``), marked with the form field
    ``seen=true`` only ("the API only accepts 'true'", 6.x ``test_notifications.py``)."""
    async with world(tables={"T": {"Name": "text"}}) as w:
        (row,) = [r["_id"] for r in (await w.append([{"Name": "a"}]))["row_ids"]]
        w.emu.add_comment(w.base, row, "First comment")
        r = await w.client.get(w.gw("comments/"), headers=w.headers, params={"row_id": row})
        (comment,) = r.json()
        assert sorted(comment) == [
            "author",
            "comment",
            "created_at",
            "dtable_uuid",
            "id",
            "resolved",
            "row_id",
            "updated_at",
        ]
        assert comment["resolved"] == 0
        r = await w.client.post(
            w.gw("comments/"), headers=w.headers, params={"row_id": row}, json={"comment": "x"}
        )
        assert r.status_code == 405
        w.emu.add_notification(
            w.base, "owner@example.com", "selected_collaborator", {"row_id": row}
        )
        r = await w.client.get(w.gw("notifications/"), headers=w.headers)
        (note,) = r.json()["notification_list"]
        assert sorted(note) == [
            "created_at",
            "detail",
            "dtable_uuid",
            "id",
            "msg_type",
            "seen",
            "username",
        ]
        bad = await w.client.put(w.gw("notifications/"), headers=w.headers, data={"seen": "True"})
        good = await w.client.put(w.gw("notifications/"), headers=w.headers, data={"seen": "true"})
        assert (bad.status_code, good.json()) == (400, {"success": True})


async def test_users_snapshot_and_custom_files_shapes() -> None:
    """Related users ``{"user_list": [...], "app_user_list": []}`` (6.x ``test_listCollaborators``);
    app-user-info ``{"id_in_org", "name"}`` and the custom upload link flat with
    ``parent_path`` ``/asset/<uuid>/custom`` (dtable-web's views, reference [SEATICKET]);
    snapshot ``{"status": "created", "snapshot": {...}}`` then ``time_is_short``
    (``test_activities.py``, v5.0 spec)."""
    async with world(tables={"T": {"Name": "text"}}) as w:
        r = await w.client.get(w.gw("related-users/"), headers=w.headers)
        (user,) = r.json()["user_list"]
        assert r.json()["app_user_list"] == [] and user["is_admin"] is True
        api = {"Authorization": f"Token {w.emu.add_api_token(w.base, app_name='files')}"}
        r = await w.client.get(
            "/api/v2.1/dtable/app-user-info/", headers=api, params={"username": user["email"]}
        )
        assert r.json() == {"id_in_org": "", "name": "owner"}
        r = await w.client.get(
            "/api/v2.1/dtable/custom/app-upload-link/", headers=api, params={"path": "/"}
        )
        assert r.json()["parent_path"] == f"/asset/{w.base.uuid}/custom"
        assert r.json()["relative_path"] == ""
        r = await w.client.get(
            "/api/v2.1/dtable/custom/app-asset-dir/", headers=api, params={"path": "/x"}
        )
        assert (r.status_code, r.json()) == (404, {"error_msg": "parent_dir not found."})
        first = await w.client.post(
            w.gw("snapshot/"), headers=w.headers, json={"dtable_name": "Conf"}
        )
        again = await w.client.post(w.gw("snapshot/"), headers=w.headers, json={})
    assert first.json()["status"] == "created"
    assert sorted(first.json()["snapshot"]) == ["commit_id", "ctime", "dtable_name", "dtable_uuid"]
    assert again.json() == {"status": "time_is_short"}


async def test_link_columns_made_elsewhere_and_sql_cells() -> None:
    """A link column whose data already holds a ``link_id`` (as the column routes create them)
    is registered on first use; SQL shows link cells as ``[{display_value, row_id}]`` (inferred,
    like list rows on the gateway)."""
    self_link = {
        "type": "link",
        "data": {"link_id": "Zz99", "table_id": "0000", "other_table_id": "0000"},
    }
    async with world(tables={"P": {"Name": "text", "Next": self_link}}) as w:
        a, b = [r["_id"] for r in (await w.append([{"Name": "a"}, {"Name": "b"}], "P"))["row_ids"]]
        body = {"link_id": "Zz99", "table_id": "0000", "other_table_id": "0000"}
        r = await w.client.post(
            w.gw("links/"), headers=w.headers, json={**body, "other_rows_ids_map": {a: [b]}}
        )
        assert r.status_code == 200, r.text
        r = await w.sql("SELECT Name, Next FROM P WHERE Name = 'a'")
    assert r.json()["results"] == [{"Name": "a", "Next": [{"display_value": "b", "row_id": b}]}]
    assert w.emu.links(w.base, "P", "Next") == {a: [b]}


async def test_activities_keep_the_values_of_their_write() -> None:
    """Each row activity shows the cells as that write left them, newest first, numbered in
    the order of the writes (6.x ``test_activities/test_listRowActivities`` shape): the log
    keeps each write's operation and builds activities when read, so a later update or
    delete must not leak into an earlier activity. Stored forms as the server keeps them in
    operations: option ids for selects, integral numbers as integers (JavaScript)."""
    tables = {"T": {"Name": "text", "N": "number", "S": "single-select"}}
    async with world(tables=tables) as w:
        answer = await w.append([{"Name": "a", "N": 3.0, "S": "red"}, {"Name": "b"}])
        a = answer["row_ids"][0]["_id"]
        r = await w.client.put(
            w.gw("rows/"),
            headers=w.headers,
            json={"table_name": "T", "updates": [{"row_id": a, "row": {"Name": "a2", "N": 4.5}}]},
        )
        assert r.status_code == 200, r.text
        r = await w.client.request(
            "DELETE", w.gw("rows/"), headers=w.headers, json={"table_name": "T", "row_ids": [a]}
        )
        assert r.status_code == 200, r.text
        r = await w.client.get(w.gw("activities/"), headers=w.headers, params={"row_id": a})
        table = w.emu.state.bases[w.base.uuid].table("T")
        assert table is not None
        red = table.by_name["S"].data["options"][0]["id"]
    found = r.json()["activities"]
    assert [x["op_type"] for x in found] == ["delete_row", "modify_row", "insert_row"]
    assert found[0]["id"] > found[1]["id"] > found[2]["id"]
    inserted = {c["column_name"]: c["value"] for c in found[2]["detail"]["row_data"]}
    assert inserted == {"Name": "a", "N": 3, "S": red}
    assert type(inserted["N"]) is int
    modified = {
        c["column_name"]: (c["old_value"], c["value"]) for c in found[1]["detail"]["row_data"]
    }
    assert modified == {"Name": ("a", "a2"), "N": (3, 4.5)}
    assert found[2]["detail"]["row_name"] == "a" and found[2]["row_id"] == a
