"""Collaboration resources on every version, asyncio and trio: related users, user info, row
comments, notifications and toasts, row activities, snapshots."""

from __future__ import annotations

from typing import Any

import pytest

import seatable_async as sa
from tests.api.mockserver import API_TOKEN, GW, SERVER, MockServer, reply
from tests.api.resource_world import VERSIONS, world

pytestmark = [pytest.mark.anyio, pytest.mark.anyio_backends("asyncio", "trio")]

TABLES = {"T": {"Name": "text"}}


@pytest.mark.parametrize("version", VERSIONS)
async def test_related_users_and_user_info(version: str) -> None:
    async with world(version, TABLES) as w:
        (user,) = await w.base.related_users()
        owner = w.emu.state.find_user("alice@example.com")
        assert owner is not None
        assert (user.email, user.contact_email, user.name) == (owner.email, owner.login, "alice")
        info = await w.base.user_info(owner.email)
        assert (info.email, info.name, info.id_in_org) == (owner.email, "alice", "")
        path = "/related-users/"
        assert w.record.count("GET", path) == 1
        with pytest.raises(sa.ConfigurationError):
            await w.base.user_info(" ")


@pytest.mark.parametrize("version", VERSIONS)
async def test_row_comments(version: str) -> None:
    """List, get, count, within days, delete (v5.0 "Row Comments"); adding needs 6.1."""
    async with world(version, TABLES) as w:
        (row,) = await w.base.append_rows("T", [{"Name": "x"}])
        first = w.emu.add_comment(w.info, row, "First comment")
        w.emu.add_comment(w.info, row, "Second comment")
        comments = await w.base.comments.list("T", row)
        assert [c.comment for c in comments] == ["First comment", "Second comment"]
        assert comments[0].id == first and comments[0].row_id == row
        assert not comments[0].resolved and comments[0].created_at.endswith("Z")
        assert await w.base.comments.count("T", row) == 2
        assert (await w.base.comments.get(first)).comment == "First comment"
        assert len(await w.base.comments.within_days(7)) == 2
        await w.base.comments.delete(first)
        assert await w.base.comments.count("T", row) == 1
        with pytest.raises(sa.NotFoundError):
            await w.base.comments.get(first)
        sent = len(w.record.sent)
        with pytest.raises(sa.UnsupportedOperationError):
            await w.base.comments.add("T", row, "new")
        assert not any(m == "POST" for m, _, _ in w.record.sent[sent:])
        with pytest.raises(sa.ConfigurationError):
            await w.base.comments.within_days(0)


async def test_adding_a_comment_on_61() -> None:
    """6.1 re-added ``POST comments/?table_id=&row_id=`` (ISSUES #12); the table id comes
    from the metadata."""
    server = MockServer("6.1")
    meta = {"metadata": {"tables": [{"_id": "Ab12", "name": "T", "columns": []}]}}
    server.on("GET", f"{GW}/metadata/", meta)
    server.on("POST", f"{GW}/comments/", {"success": True})
    async with sa.Client(SERVER, transport=server.transport()) as client:
        await client.base(API_TOKEN).comments.add("T", "r1", "Looks good")
    (call,) = server.calls("POST", f"{GW}/comments/")
    assert call.params == {"table_id": "Ab12", "row_id": "r1"}
    assert call.json() == {"comment": "Looks good"}


@pytest.mark.parametrize("version", VERSIONS)
async def test_notifications_and_toasts(version: str) -> None:
    """List, mark one / all seen (form ``seen=true|false``), delete all; toasts via
    ``ui-toasts/``."""
    async with world(version, TABLES) as w:
        owner = w.emu.state.find_user("alice@example.com")
        assert owner is not None
        one = w.emu.add_notification(w.info, owner.email, detail={"table_id": "0000"})
        w.emu.add_notification(w.info, owner.email, "selected_collaborator")
        notes = await w.base.notifications.list()
        assert [(n.id, n.msg_type, n.seen) for n in notes] == [
            (one, "row_comment", False),
            (one + 1, "selected_collaborator", False),
        ]
        assert notes[0].detail == {"table_id": "0000"}
        await w.base.notifications.mark_seen(one)
        assert [n.seen for n in await w.base.notifications.list()] == [True, False]
        await w.base.notifications.mark_seen(seen=False)
        assert [n.seen for n in await w.base.notifications.list()] == [False, False]
        with pytest.raises(sa.NotFoundError):
            await w.base.notifications.mark_seen(999)
        await w.base.notifications.delete_all()
        assert await w.base.notifications.list() == []

        await w.base.notifications.send_toast(owner.email, "Import done", type="success")
        (toast,) = w.emu.toasts(w.info)
        assert toast["to_user"] == owner.email and toast["detail"] == {"msg": "Import done"}
        assert toast["toast_type"] == "success"
        with pytest.raises(sa.ConfigurationError):
            await w.base.notifications.send_toast(owner.email, "")


@pytest.mark.parametrize("version", VERSIONS)
async def test_row_activities_paged(version: str) -> None:
    """Activities of a row, newest first, paged (``total_count`` counts them all)."""
    async with world(version, TABLES) as w:
        (row,) = await w.base.append_rows("T", [{"Name": "x"}])  # published by the server
        table = w.info.tables[0]
        key = table.columns[0].key
        for n in range(3):
            w.emu.events.emit(
                w.info.uuid,
                {
                    "op_type": "modify_row",
                    "table_id": table.id,
                    "row_id": row,
                    "updated": {key: f"v{n}"},
                    "old_row": {key: "x"},
                },
            )
        page = await w.base.activities("T", row, per_page=2)
        assert page.total_count == 4
        assert [a.op_type for a in page.activities] == ["modify_row", "modify_row"]
        change = page.activities[0].detail["row_data"][0]
        assert (change["column_name"], change["value"], change["old_value"]) == ("Name", "v2", "x")
        last = await w.base.activities("T", row, page=2, per_page=2)
        assert [a.op_type for a in last.activities] == ["modify_row", "insert_row"]
        with pytest.raises(sa.ConfigurationError):
            await w.base.activities("T", row, page=0)


@pytest.mark.parametrize("version", VERSIONS)
async def test_snapshot(version: str) -> None:
    """A snapshot is made, then refused for 10 minutes ("time_is_short")."""
    async with world(version, TABLES) as w:
        made = await w.base.snapshot()
        assert made.created and made.dtable_name == "Work.dtable"
        assert made.commit_id is not None and len(made.commit_id) == 40
        again = await w.base.snapshot()
        assert (again.created, again.status, again.commit_id) == (False, "time_is_short", None)
        w.emu.advance(601)
        assert (await w.base.snapshot()).status == "no_change"


@pytest.mark.parametrize(
    ("path", "answer", "call"),
    [
        ("/related-users/", {"users": []}, lambda b: b.related_users()),
        ("/comments/", {"not": "a list"}, lambda b: b.comments.list("T", "r")),
        ("/comments-count/", {"count": "3"}, lambda b: b.comments.count("T", "r")),
        ("/notifications/", {"list": []}, lambda b: b.notifications.list()),
        ("/activities/", {"activities": "x"}, lambda b: b.activities("T", "r")),
    ],
)
async def test_malformed_answers(path: str, answer: Any, call: Any) -> None:
    server = MockServer("6.0")
    server.on("GET", GW + path, lambda r: reply(answer))
    async with sa.Client(SERVER, transport=server.transport()) as client:
        with pytest.raises(sa.ResponseFormatError):
            await call(client.base(API_TOKEN))
