"""Schema resources on a scripted ``MockTransport``: the requests they send per version (the
official client's and the 5.0 spec's bodies), argument errors before any request, answer-shape
errors, unsupported versions, and which writes may be replayed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import seatable_async as sa
from tests.api.mockserver import GW, LEGACY, SERVER, MockServer, reply

pytestmark = pytest.mark.anyio

VERSIONS = ["4.0", "4.4", "5.0", "6.0"]
COLUMN = {"key": "Xy12", "name": "Status", "type": "text", "width": 200, "data": None}
VIEW = {"_id": "AbCd", "name": "Open", "type": "table", "filters": [], "sorts": []}
TABLE = {"_id": "Tb01", "name": "Projects", "columns": [COLUMN], "views": [VIEW]}
FAST = sa.RetryPolicy(backoff_base=0.001, backoff_max=0.002)


def prefix(version: str) -> str:
    return LEGACY if version == "4.0" else GW


async def run(server: MockServer, fn: Any) -> Any:
    async with sa.Client(SERVER, transport=server.transport(), retry=FAST) as client:
        return await fn(client.base("a" * 40))


def only_call(server: MockServer) -> Any:
    (call,) = server.base_calls()
    return call


@pytest.mark.parametrize("version", VERSIONS)
async def test_column_requests(version: str) -> None:
    """Bodies as the official client's ``insert_column``/``rename_column``/… send them."""
    server = MockServer(version)
    p = prefix(version)
    server.on("POST", f"{p}/columns/", COLUMN)
    server.on("PUT", f"{p}/columns/", COLUMN)
    server.on("DELETE", f"{p}/columns/", {"success": True})
    server.on("POST", f"{p}/batch-append-columns/", {"columns": [COLUMN]})
    server.on("GET", f"{p}/columns/", {"columns": [COLUMN]})

    async def calls(base: sa.Base) -> None:
        await base.columns.insert("T", "Status", "single-select", data={"options": []}, anchor="A")
        await base.columns.append("T", [{"column_name": "Status", "column_type": "text"}])
        await base.columns.rename("T", "Status", "State")
        await base.columns.resize("T", "State", 300)
        await base.columns.freeze("T", "State", frozen=False)
        await base.columns.move("T", "State", after="Name")
        await base.columns.change_type("T", "State", "number", data={"format": "euro"})
        await base.columns.delete("T", "State")
        await base.columns.list("T", view="Open")

    await run(server, calls)
    bodies = [c.json() if c.method != "GET" else c.params for c in server.base_calls()]
    assert [c.method for c in server.base_calls()] == ["POST", "POST"] + ["PUT"] * 5 + [
        "DELETE",
        "GET",
    ]
    assert bodies == [
        {
            "table_name": "T",
            "column_name": "Status",
            "column_type": "single-select",
            "column_data": {"options": []},
            "anchor_column": "A",
        },
        {"table_name": "T", "columns": [{"column_name": "Status", "column_type": "text"}]},
        {
            "op_type": "rename_column",
            "table_name": "T",
            "column": "Status",
            "new_column_name": "State",
        },
        {"op_type": "resize_column", "table_name": "T", "column": "State", "new_column_width": 300},
        {"op_type": "freeze_column", "table_name": "T", "column": "State", "frozen": False},
        {"op_type": "move_column", "table_name": "T", "column": "State", "target_column": "Name"},
        {
            "op_type": "modify_column_type",
            "table_name": "T",
            "column": "State",
            "new_column_type": "number",
            "column_data": {"format": "euro"},
        },
        {"table_name": "T", "column": "State"},
        {"table_name": "T", "view_name": "Open"},
    ]


@pytest.mark.parametrize("version", VERSIONS)
async def test_option_and_table_requests(version: str) -> None:
    server = MockServer(version)
    p = prefix(version)
    server.on("POST", f"{p}/column-options/", {"success": True})
    server.on("PUT", f"{p}/column-options/", {"options": [{"id": "1", "name": "b"}]})
    server.on("DELETE", f"{p}/column-options/", {"success": True})
    server.on("POST", f"{p}/column-cascade-settings/", {"success": True})
    server.on("POST", f"{p}/tables/", TABLE)
    server.on("PUT", f"{p}/tables/", {"success": True})
    server.on("DELETE", f"{p}/tables/", {"success": True})

    async def calls(base: sa.Base) -> list[sa.SelectOption]:
        await base.columns.add_options("T", "S", [{"name": "a", "color": "#59CB74"}])
        updated = await base.columns.update_options("T", "S", [{"id": "1", "name": "b"}])
        await base.columns.delete_options("T", "S", ["b"])
        await base.columns.set_cascade("T", child="C", parent="P", settings={"b": ["x"]})
        table = await base.tables.add("Projects", lang="en")
        assert table == sa.Table(
            "Projects", "Tb01", [sa.Column("Xy12", "Status", "text")], [sa.View("Open", "AbCd")]
        )
        await base.tables.rename("Projects", "Archive")
        await base.tables.delete("Archive")
        return updated

    assert await run(server, calls) == [sa.SelectOption("1", "b")]
    assert [c.json() for c in server.base_calls()] == [
        {"table_name": "T", "column": "S", "options": [{"name": "a", "color": "#59CB74"}]},
        {"table_name": "T", "column": "S", "options": [{"id": "1", "name": "b"}],
         "return_options": True},
        {"table_name": "T", "column": "S", "option_names": ["b"]},
        {"table_name": "T", "child_column": "C", "parent_column": "P",
         "cascade_settings": {"b": ["x"]}},
        {"table_name": "Projects", "columns": [], "lang": "en"},
        {"table_name": "Projects", "new_table_name": "Archive"},
        {"table_name": "Archive"},
    ]  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS)
async def test_view_requests(version: str) -> None:
    """The view name goes in the path (quoted), the table in the query; names in filters,
    sorts and hidden columns become keys (one GET columns/); ``[]`` is sent as ``[{}]``."""
    server = MockServer(version)
    p = prefix(version)
    name_path = f"{p}/views/My View/"
    server.on("GET", f"{p}/views/", {"views": [VIEW]})
    server.on("POST", f"{p}/views/", VIEW)
    server.on("GET", name_path, VIEW)
    server.on("PUT", name_path, VIEW)
    server.on("DELETE", name_path, {"success": True})
    server.on("GET", f"{p}/columns/", {"columns": [COLUMN]})

    async def calls(base: sa.Base) -> None:
        assert await base.views.list("T") == [sa.View("Open", "AbCd")]
        await base.views.add("T", "My View", is_locked=True)
        await base.views.get("T", "My View")
        await base.views.update(
            "T",
            "My View",
            new_name="Mine",
            filters=[{"column_name": "Status", "filter_predicate": "is_empty"}],
            filter_conjunction="Or",
            sorts=[],
            hidden_columns=["Status", "0000"],
        )
        await base.views.update("T", "My View", groupbys=[{"column_key": "0000"}])
        await base.views.delete("T", "My View")

    await run(server, calls)
    calls_ = server.base_calls()
    assert [(c.method, c.path) for c in calls_] == [
        ("GET", f"{p}/views/"),
        ("POST", f"{p}/views/"),
        ("GET", name_path),
        ("GET", f"{p}/columns/"),
        ("PUT", name_path),
        ("PUT", name_path),
        ("DELETE", name_path),
    ]
    assert calls_[2].raw_path.endswith("/views/My%20View/")
    assert all(c.params["table_name"] == "T" for c in calls_)
    assert calls_[1].json() == {"name": "My View", "type": "table", "is_locked": True}
    assert calls_[4].json() == {
        "name": "Mine",
        "filter_conjunction": "Or",
        "filters": [{"column_key": "Xy12", "filter_predicate": "is_empty"}],
        "sorts": [{}],
        "hidden_columns": ["Xy12", "0000"],
    }
    assert calls_[5].json() == {"groupbys": [{"column_key": "0000"}]}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.tables.add(""), "name must be"),
        (lambda b: b.tables.add("T", [{"column_name": "a.b", "column_type": "text"}]), "must not"),
        (lambda b: b.tables.add("T", [{"column_name": "a", "column_type": "txt"}]), "column_type"),
        (lambda b: b.tables.add("T", [{"name": "a"}]), "unknown keys"),
        (lambda b: b.tables.add("T", lang="de"), "lang"),
        (lambda b: b.tables.duplicate("T", with_rows=1), "with_rows"),
        (lambda b: b.columns.insert("T", "N", "text", data=[1]), "data must be"),
        (lambda b: b.columns.append("T", {"column_name": "x"}), "columns must be"),
        (lambda b: b.columns.resize("T", "N", 0), "width"),
        (lambda b: b.columns.freeze("T", "N", frozen="yes"), "frozen"),
        (lambda b: b.columns.change_type("T", "N", "link"), "link"),
        (lambda b: b.columns.add_options("T", "N", [{"color": "#fff"}]), "name"),
        (lambda b: b.columns.add_options("T", "N", [{"name": "a", "colour": "x"}]), "unknown"),
        (lambda b: b.columns.update_options("T", "N", [{"name": "a"}]), "id"),
        (lambda b: b.columns.delete_options("T", "N", "a"), "names must be"),
        (lambda b: b.columns.set_cascade("T", child="C", parent="P", settings=[]), "mapping"),
        (lambda b: b.columns.set_cascade("T", child="C", parent="P", settings={"a": "b"}), "a"),
        (lambda b: b.views.add("T", "V", type="kanban"), "type"),
        (lambda b: b.views.update("T", "V", filter_conjunction="and"), "filter_conjunction"),
        (lambda b: b.views.update("T", "V", sorts=["Name"]), "sorts"),
        (lambda b: b.views.get("T", " "), "name"),
        (lambda b: b.columns.list(""), "table"),
    ],
)
async def test_argument_errors_send_nothing(call: Any, message: str) -> None:
    server = MockServer("6.0")
    with pytest.raises(sa.ConfigurationError, match=message):
        await run(server, call)
    assert server.requests == []


@pytest.mark.parametrize("version", ["4.4", "5.0"])
async def test_duplicate_unsupported_on_gateway_before_6(version: str) -> None:
    server = MockServer(version)
    with pytest.raises(sa.UnsupportedOperationError) as info:
        await run(server, lambda b: b.tables.duplicate("T"))
    assert info.value.operation == "base.tables.duplicate"
    assert server.base_calls() == []


@pytest.mark.parametrize("version", ["4.0", "6.0"])
async def test_duplicate_request(version: str) -> None:
    server = MockServer(version)
    server.on("POST", f"{prefix(version)}/tables/duplicate-table/", TABLE)
    table = await run(server, lambda b: b.tables.duplicate("Projects", with_rows=True))
    assert table.id == "Tb01"
    assert only_call(server).json() == {"table_name": "Projects", "is_duplicate_records": True}


@pytest.mark.parametrize(
    ("method", "suffix", "answer", "call"),
    [
        ("GET", "/columns/", {"columns": "x"}, lambda b: b.columns.list("T")),
        ("GET", "/columns/", {"columns": [{"name": "x"}]}, lambda b: b.columns.list("T")),
        ("POST", "/columns/", [], lambda b: b.columns.insert("T", "N", "text")),
        ("PUT", "/columns/", {"success": True}, lambda b: b.columns.resize("T", "N", 9)),
        (
            "POST",
            "/batch-append-columns/",
            {},
            lambda b: b.columns.append("T", [{"column_name": "a", "column_type": "text"}]),
        ),
        (
            "PUT",
            "/column-options/",
            {"success": True},
            lambda b: b.columns.update_options("T", "N", [{"id": "1"}]),
        ),
        ("GET", "/views/", {"view": []}, lambda b: b.views.list("T")),
        ("GET", "/views/V/", {"_id": "x"}, lambda b: b.views.get("T", "V")),
        ("POST", "/tables/", {"name": "T"}, lambda b: b.tables.add("T")),
        ("GET", "/metadata/", {"metadata": {"tables": {}}}, lambda b: b.tables.list()),
    ],
)
async def test_malformed_answers(method: str, suffix: str, answer: Any, call: Any) -> None:
    server = MockServer("6.0")
    server.on(method, GW + suffix, answer)
    with pytest.raises(sa.ResponseFormatError) as info:
        await run(server, call)
    assert info.value.path is not None and info.value.path.startswith("/api-gateway/")


@pytest.mark.parametrize(
    ("method", "suffix", "call", "replayed"),
    [
        ("POST", "/tables/", lambda b: b.tables.add("T"), False),
        ("PUT", "/tables/", lambda b: b.tables.rename("T", "U"), False),
        ("DELETE", "/tables/", lambda b: b.tables.delete("T"), False),
        ("POST", "/columns/", lambda b: b.columns.insert("T", "N", "text"), False),
        ("PUT", "/columns/", lambda b: b.columns.rename("T", "N", "M"), False),
        ("PUT", "/columns/", lambda b: b.columns.resize("T", "N", 9), True),
        ("PUT", "/columns/", lambda b: b.columns.move("T", "N", after="A"), True),
        ("DELETE", "/columns/", lambda b: b.columns.delete("T", "N"), False),
        (
            "POST",
            "/column-options/",
            lambda b: b.columns.add_options("T", "N", [{"name": "a"}]),
            False,
        ),
        ("DELETE", "/column-options/", lambda b: b.columns.delete_options("T", "N", ["a"]), True),
        (
            "POST",
            "/column-cascade-settings/",
            lambda b: b.columns.set_cascade("T", child="C", parent="P", settings={}),
            True,
        ),
        ("POST", "/views/", lambda b: b.views.add("T", "V"), False),
        ("PUT", "/views/V/", lambda b: b.views.update("T", "V", is_locked=True), True),
        ("PUT", "/views/V/", lambda b: b.views.update("T", "V", new_name="W"), False),
        ("DELETE", "/views/V/", lambda b: b.views.delete("T", "V"), False),
    ],
)
async def test_which_writes_are_replayed(
    method: str, suffix: str, call: Any, replayed: bool
) -> None:
    """A 502 after sending: writes whose replay would change nothing are retried; the others
    (creations, renames, deletions) raise `MaybeAppliedError` after one attempt."""
    server = MockServer("6.0")
    answers = iter([reply({"error_message": "bad gateway"}, 502)])

    def flaky(request: httpx.Request) -> httpx.Response:
        return next(answers, reply(VIEW if "/views/" in suffix else COLUMN))

    server.on(method, GW + suffix, flaky)
    if replayed:
        await run(server, call)
        assert len(server.calls(method, GW + suffix)) == 2
    else:
        with pytest.raises(sa.MaybeAppliedError):
            await run(server, call)
        assert len(server.calls(method, GW + suffix)) == 1
