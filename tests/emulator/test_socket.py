"""The emulator's Socket.IO endpoint, driven by the official ``seatable-api`` 4.0.0 client.

Sources: ``seatable/openapi`` ``tests/test_websocket.py`` and ``tests/__snapshots__/
test_websocket/`` (6.0.10/6.1) for the handshake, acks, broadcasts and the effect of each
operation; the official client's ``socket_io.py`` for the URL and path. Inferred behaviours
(broadcast shapes of REST writes, the legacy path, the base version as second argument) are
listed in ``docs/reference/emulator.md``.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from seatable_async.emulator import Emulator

seatable_api = pytest.importorskip("seatable_api")
socketio = pytest.importorskip("socketio")
from seatable_api import Base as OfficialBase  # noqa: E402
from seatable_api.socket_io import SIO  # noqa: E402

TIMEOUT = 10
TABLES = {"Table1": {"text": "text", "number": "number", "status": "single-select"}}


class Listener:
    """The recorded test's client: the official ``SIO`` with a queue of broadcasts."""

    def __init__(self, base: OfficialBase, url: str | None = None) -> None:
        self.base = base
        self.url = url or f"{base.dtable_server_url}?dtable_uuid={base.dtable_uuid}"
        self.events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.disconnected = threading.Event()
        self.sio = SIO(reconnection=False, request_timeout=TIMEOUT)
        self.sio.on("update-dtable", lambda *args: self.events.put(args))
        self.sio.on("disconnect", lambda *args: self.disconnected.set())
        self.sio.on("io-disconnect", lambda *args: self.disconnected.set())

    def connect(self) -> Listener:
        self.sio.connect(self.url)
        return self

    def join(self, uuid: str | None = None, token: str | None = None) -> Any:
        return self.sio.call(
            "join-room",
            (uuid or self.base.dtable_uuid, self.base.jwt_token if token is None else token),
            timeout=TIMEOUT,
        )

    def send(self, operation: dict[str, Any]) -> Any:
        ack = self.sio.call(
            "update-dtable", (self.base.dtable_uuid, json.dumps(operation)), timeout=TIMEOUT
        )
        return ack[0] if isinstance(ack, tuple) else ack

    def next(self) -> dict[str, Any]:
        args = self.events.get(timeout=TIMEOUT)
        assert len(args) >= 2  # the official handlers take (data, index, *args)
        operation: dict[str, Any] = json.loads(args[0])
        return operation

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


@pytest.fixture
def served() -> Iterator[tuple[Emulator, OfficialBase, list[Listener]]]:
    emu = Emulator("6.0")
    base = emu.add_base(owner="alice@example.com", name="Live", tables=TABLES)
    token = emu.add_api_token(base)
    clients: list[Listener] = []
    with emu.serve_in_thread() as url:
        official = OfficialBase(token, url)
        official.auth()
        yield emu, official, clients
        for c in clients:
            c.close()


def joined(served: tuple[Emulator, OfficialBase, list[Listener]]) -> Listener:
    _, official, clients = served
    client = Listener(official).connect()
    clients.append(client)
    assert client.join()["status"] == 1
    return client


def columns_of(official: OfficialBase, name: str = "Table1") -> list[dict[str, Any]]:
    tables = official.get_metadata()["tables"]
    found: list[dict[str, Any]] = next(t for t in tables if t["name"] == name)["columns"]
    return found


def table(emu: Emulator) -> Any:
    return next(iter(emu.state.bases.values())).tables[0]


def test_join_room_ack_and_websocket_transport(served: Any) -> None:
    """test_websocket.py::test_join_room: status 1, message, integer version; websocket."""
    _, official, clients = served
    client = Listener(official).connect()
    clients.append(client)
    ack = client.join()
    assert ack["status"] == 1
    assert ack["message"] == "Joined successfully"
    assert isinstance(ack["dtable_version"], int)
    assert client.sio.transport() == "websocket"


def test_bad_token_is_refused_and_disconnected(served: Any) -> None:
    """test_join_room_with_invalid_token: token_expired, then the server closes."""
    emu, official, clients = served
    client = Listener(official).connect()
    clients.append(client)
    ack = client.join(token="not-a-base-token")
    assert ack == {"status": 0, "error_type": "token_expired", "message": "Token expired"}
    assert client.disconnected.wait(TIMEOUT)
    assert emu.stats.sockets["refused_join"] == 1


def test_unknown_base_is_permission_denied(served: Any) -> None:
    """test_join_room_with_unknown_base: permission_denied, then the server closes."""
    _, official, clients = served
    client = Listener(official).connect()
    clients.append(client)
    ack = client.join(uuid="00000000-0000-0000-0000-000000000000")
    assert ack["error_type"] == "permission_denied"
    assert ack["message"] == "Permission denied"
    assert client.disconnected.wait(TIMEOUT)


def test_connect_without_base_uuid_is_refused(served: Any) -> None:
    """test_connect_without_base_uuid: the uuid query parameter is required."""
    _, official, clients = served
    client = Listener(official, url=official.dtable_server_url)
    clients.append(client)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect()


def test_rest_writes_reach_the_official_client(served: Any) -> None:
    """Every REST and SQL write is broadcast (shapes of test_websocket.py; which operation a
    REST write becomes is inferred): append_rows, modify_rows, SQL → modify_rows,
    delete_rows; cells keyed by column key, select options by id."""
    emu, official, _ = served
    client = joined(served)
    t = table(emu)
    keys = {c.name: c.key for c in t.columns}
    official.batch_append_rows("Table1", [{"text": "a", "number": 1, "status": "open"}])
    op = client.next()
    assert op["op_type"] == "append_rows"
    assert op["table_id"] == t.id
    row = op["row_datas"][0]
    option_id = t.by_name["status"].data["options"][0]["id"]
    assert (row[keys["text"]], row[keys["number"]], row[keys["status"]]) == ("a", 1, option_id)
    row_id = row["_id"]
    official.update_row("Table1", row_id, {"number": 2})
    op = client.next()
    assert op["op_type"] == "modify_rows"
    assert op["updated"] == {row_id: {keys["number"]: 2}}
    assert op["old_rows"] == {row_id: {keys["number"]: 1}}
    official.query("UPDATE Table1 SET number = 3", parameters=[])
    assert client.next()["updated"] == {row_id: {keys["number"]: 3}}
    official.delete_row("Table1", row_id)
    op = client.next()
    assert (op["op_type"], op["row_ids"], op["upper_row_ids"]) == ("delete_rows", [row_id], [None])
    assert op["deleted_rows"][0][keys["text"]] == "a"


def test_operation_is_broadcast_to_others_not_back(served: Any) -> None:
    """test_operation_is_broadcast_to_other_clients: the sender gets no echo."""
    emu, _, _ = served
    sender, listener = joined(served), joined(served)
    t = table(emu)
    ack = sender.send(
        {"op_type": "append_rows", "table_id": t.id, "row_datas": [{"_id": "r1", "0000": "x"}]}
    )
    assert ack["status"] == 1
    assert ack["message"] == "Update completed"
    assert listener.next()["row_datas"][0]["_id"] == "r1"
    with pytest.raises(queue.Empty):
        sender.events.get(timeout=0.5)


def test_invalid_operations_change_nothing(served: Any) -> None:
    """test_operation_with_missing_attributes / _unknown_op_type: operation_invalid."""
    emu, _, _ = served
    client = joined(served)
    t = table(emu)
    ack = client.send({"op_type": "append_rows", "table_id": t.id})
    assert ack == {"status": 0, "error_type": "operation_invalid", "message": "Operation invalid"}
    assert client.send({"op_type": "no_such_operation", "table_id": t.id})["status"] == 0
    assert emu.rows(next(iter(emu.state.bases.values())), "Table1") == []


def test_row_operations_apply_as_recorded(served: Any) -> None:
    """append_rows (client ids, empty system fields), insert_row below an anchor, modify_row,
    modify_rows, lock/unlock, delete_row, delete_rows (snapshots test_append_rows,
    test_insert_row, test_modify_row(s), test_lock_and_unlock_rows)."""
    emu, _, _ = served
    client = joined(served)
    base = next(iter(emu.state.bases.values()))
    t = table(emu)
    k = {c.name: c.key for c in t.columns}
    tid = t.id
    rows = [{"_id": f"r{i}", k["text"]: f"t{i}", k["number"]: i} for i in range(3)]
    assert client.send({"op_type": "append_rows", "table_id": tid, "row_datas": rows})["status"]
    stored = emu.rows(base, "Table1")
    assert [r["_id"] for r in stored] == ["r0", "r1", "r2"]
    assert (stored[0]["_ctime"], stored[0]["_creator"], stored[0]["number"]) == (None, None, 0)
    insert = {
        "op_type": "insert_row",
        "table_id": tid,
        "row_id": "r0",
        "row_insert_position": "insert_below",
        "row_data": {"_id": "new", k["text"]: "inserted"},
    }
    assert client.send(insert)["status"] == 1
    assert [r["_id"] for r in emu.rows(base, "Table1")] == ["r0", "new", "r1", "r2"]
    modify = {"op_type": "modify_row", "table_id": tid, "row_id": "r1"}
    assert client.send({**modify, "updated": {k["text"]: "after"}, "old_row": {}})["status"] == 1
    updates = {"r0": {k["number"]: 10}, "r2": {k["number"]: 12}}
    many = {"op_type": "modify_rows", "table_id": tid, "row_ids": ["r0", "r2"]}
    assert client.send({**many, "updated": updates, "old_rows": {}})["status"] == 1
    lock = {"op_type": "lock_rows", "table_id": tid, "row_ids": ["r1"], "locked_by": "test"}
    assert client.send(lock)["status"] == 1
    by_id = {r["_id"]: r for r in emu.rows(base, "Table1")}
    assert by_id["r1"]["text"] == "after"
    assert (by_id["r0"]["number"], by_id["r2"]["number"]) == (10, 12)
    assert (by_id["r1"]["_locked"], by_id["r1"]["_locked_by"]) == (1, "test")
    unlock = {"op_type": "unlock_rows", "table_id": tid, "row_ids": ["r1"]}
    assert client.send(unlock)["status"] == 1
    assert emu.rows(base, "Table1")[2]["_locked"] is None
    assert client.send({"op_type": "delete_row", "table_id": tid, "row_id": "new"})["status"]
    delete = {"op_type": "delete_rows", "table_id": tid, "row_ids": ["r0", "r2"]}
    assert client.send(delete)["status"] == 1
    assert [r["_id"] for r in emu.rows(base, "Table1")] == ["r1"]


def test_schema_operations_apply_as_recorded(served: Any) -> None:
    """insert_column(s) stored as sent, rename/resize/freeze/modify_column_type/
    modify_column_data, delete_column; insert/rename table, header lock; insert_view and the
    view attribute operations; delete_view, delete_table (test_websocket.py snapshots)."""
    emu, official, _ = served
    client = joined(served)
    base = next(iter(emu.state.bases.values()))
    t = table(emu)
    tid, text_key = t.id, t.by_name["text"].key

    def ok(op: dict[str, Any]) -> None:
        assert client.send({"table_id": tid, **op})["status"] == 1, op

    column = {"key": "ws01", "type": "single-select", "name": "st", "data": {"options": []}}
    ok({"op_type": "insert_column", "column_key": text_key, "column_data": column})
    shown = next(c for c in columns_of(official) if c["key"] == "ws01")
    assert shown == column  # as sent, no defaults (test_insert_column.json)
    assert [c.key for c in t.columns][:2] == [text_key, "ws01"]
    ok(
        {
            "op_type": "insert_columns",
            "insert_columns": [{"key": "ws02", "type": "text", "name": "first"}],
        }
    )
    ok({"op_type": "rename_column", "column_key": "ws02", "new_column_name": "renamed"})
    ok({"op_type": "resize_column", "column_key": text_key, "new_column_width": 400})
    ok({"op_type": "freeze_column", "column_key": text_key, "frozen": True})
    options = [{"id": "123456", "name": "open", "color": "#FF8000", "textColor": "#FFFFFF"}]
    ok({"op_type": "modify_column_data", "column_key": "ws01", "column_data": {"options": options}})
    number = t.by_name["number"].as_dict()
    new_column = {**number, "type": "long-text", "data": None}
    ok({"op_type": "modify_column_type", "column_key": number["key"], "new_column": new_column})
    columns = {c["key"]: c for c in columns_of(official)}
    assert columns["ws02"]["name"] == "renamed"
    assert (columns[text_key]["width"], columns[text_key]["frozen"]) == (400, True)
    assert columns["ws01"]["data"]["options"] == options
    assert columns[number["key"]]["type"] == "long-text"
    official.append_row("Table1", {"renamed": "works", "st": "open"})
    assert emu.rows(base, "Table1")[0]["renamed"] == "works"
    ok({"op_type": "delete_column", "column_key": "ws02"})
    assert "ws02" not in {c["key"] for c in columns_of(official)}
    view = {"_id": "ws05", "name": "New View", "type": "table"}
    ok({"op_type": "insert_view", "view_data": view})
    ok({"op_type": "rename_view", "view_id": "ws05", "view_name": "renamed-view"})
    ok({"op_type": "modify_sorts", "view_id": "ws05", "sorts": [{"column_key": text_key}]})
    ok({"op_type": "modify_row_height", "view_id": "ws05", "row_height": "double"})
    ok({"op_type": "modify_header_lock", "is_header_locked": True})
    ok({"op_type": "rename_table", "table_name": "Renamed"})
    meta = official.get_metadata()["tables"][0]
    assert (meta["name"], meta["is_header_locked"]) == ("Renamed", True)
    assert meta["views"][-1] == {
        **view,
        "name": "renamed-view",
        "sorts": [{"column_key": text_key}],
        "row_height": "double",
    }
    ok({"op_type": "delete_view", "view_id": "ws05"})
    table_data = {
        "_id": "ws04",
        "name": "Fresh",
        "is_header_locked": False,
        "columns": [{"key": "0000", "type": "text", "name": "Name"}],
        "views": [{"_id": "0000", "name": "Default View", "type": "table"}],
    }
    assert client.send({"op_type": "insert_table", "table_data": table_data})["status"] == 1
    fresh = next(x for x in official.get_metadata()["tables"] if x["_id"] == "ws04")
    assert fresh["columns"] == table_data["columns"]
    assert official.list_rows("Fresh") == []
    ok({"op_type": "delete_table"})
    assert [x["name"] for x in official.get_metadata()["tables"]] == ["Fresh"]


@pytest.mark.parametrize(("version", "path"), [("4.0", "/socket.io"), ("5.0", "/socket.io")])
def test_legacy_path_before_the_gateway(version: str, path: str) -> None:
    """Pre-6.0 servers also serve python-socketio's default path on the dtable-server host,
    as older official clients connect (inferred from their socket_io.py)."""
    emu = Emulator(version)
    base = emu.add_base(owner="alice@example.com", name="Live", tables=TABLES)
    token = emu.add_api_token(base)
    with emu.serve_in_thread() as url:
        official = OfficialBase(token, url)
        official.auth()
        sio = socketio.Client(reconnection=False, request_timeout=TIMEOUT)
        got: queue.Queue[Any] = queue.Queue()
        sio.on("update-dtable", lambda *args: got.put(args))
        sio.connect(f"{url}?dtable_uuid={base.uuid}", socketio_path=path)
        try:
            assert sio.call("join-room", (base.uuid, official.jwt_token), timeout=TIMEOUT)["status"]
            official.append_row("Table1", {"text": "legacy"})
            operation = json.loads(got.get(timeout=TIMEOUT)[0])
            expected = "insert_row" if version == "4.0" else "append_rows"
            assert operation["op_type"] == expected
        finally:
            sio.disconnect()
