"""``base.links`` on every version (4.0 legacy, 4.4/5.0 gateway with legacy, 6.0 gateway only),
asyncio and trio: writes, reads, links at scale (batch sizes, paging), errors."""

from __future__ import annotations

import pytest

import seatable_async as sa
from seatable_async._base.links import LINK_BATCH_ROWS, LINKS_PER_PAGE
from tests.api.mockserver import API_TOKEN, GW, SERVER, MockServer, reply
from tests.api.resource_world import VERSIONS, world

pytestmark = [pytest.mark.anyio, pytest.mark.anyio_backends("asyncio", "trio")]


@pytest.mark.parametrize("version", VERSIONS)
async def test_add_remove_set_get_both_directions(version: str) -> None:
    """Links written from one table read back from both (the two link columns share one
    ``link_id``); gateway ``links/``+``query-links/`` from 4.4, dtable-server ``links/``,
    ``batch-update-links/`` and dtable-db ``linked-records/`` on 4.0."""
    async with world(version) as w:
        projects = await w.base.append_rows("Projects", [{"Name": "p1"}, {"Name": "p2"}])
        tasks = await w.base.append_rows("Tasks", [{"Title": f"t{i}"} for i in range(4)])
        await w.base.links.add("Projects", "Tasks", projects[0], tasks[:2])
        await w.base.links.add("Projects", "Tasks", {projects[1]: [tasks[2]]})
        got = await w.base.links.get("Projects", "Tasks", projects)
        # ordered by the linked rows' creation (4.0 appends one row per request, concurrently)
        created = [r["_id"] for r in w.emu.rows(w.info, "Tasks")]
        assert [r.row_id for r in got[projects[0]]] == [t for t in created if t in tasks[:2]]
        assert {r.display_value for r in got[projects[0]]} == {"t0", "t1"}
        back = await w.base.links.get("Tasks", "Projects", [tasks[0], tasks[3]])
        assert [r.row_id for r in back[tasks[0]]] == [projects[0]]
        assert back[tasks[3]] == []

        await w.base.links.remove("Projects", "Tasks", projects[0], [tasks[0]])
        await w.base.links.set(
            "Projects", "Tasks", {projects[1]: [tasks[3], tasks[1]], projects[0]: []}
        )
        assert w.emu.links(w.info, "Projects", "Tasks") == {projects[1]: [tasks[3], tasks[1]]}
        assert w.emu.links(w.info, "Tasks", "Projects") == {
            tasks[3]: [projects[1]],
            tasks[1]: [projects[1]],
        }
        rows = {r["_id"]: r for r in await w.base.list_rows("Projects")}
        cell = rows[projects[1]]["Tasks"]
        if w.gateway:  # objects on the gateway, row ids on dtable-server (5.0 snapshots)
            assert {c["row_id"] for c in cell} == {tasks[3], tasks[1]}
        else:
            assert set(cell) == {tasks[3], tasks[1]}
        gateway = "links/" if w.gateway else "batch-update-links/"
        assert w.record.count("PUT", gateway) == 1
        # the column was resolved from the metadata once, for both tables
        assert w.record.count("GET", "/metadata/") == 1


@pytest.mark.parametrize("version", ["4.0", "6.0"])
async def test_link_writes_go_in_batches_of_the_server_cap(version: str) -> None:
    """2,500 source rows → 3 requests of ≤1,000 rows (the emulator refuses more, as the
    developer docs' cap says), sent concurrently, all applied."""
    async with world(version) as w:
        projects = await w.base.append_rows("Projects", [{"Name": str(i)} for i in range(2500)])
        (task,) = await w.base.append_rows("Tasks", [{"Title": "x"}])
        await w.base.links.set("Projects", "Tasks", {p: [task] for p in projects})
        suffix = "links/" if w.gateway else "batch-update-links/"
        sizes = sorted(len(b["other_rows_ids_map"]) for b in w.record.bodies("PUT", suffix))
        assert sizes == [500, LINK_BATCH_ROWS, LINK_BATCH_ROWS]
        assert len(w.emu.links(w.info, "Tasks", "Projects")[task]) == 2500
        await w.base.links.remove("Projects", "Tasks", {p: [task] for p in projects})
        assert w.record.count("DELETE", "links/") == 3
        assert w.emu.links(w.info, "Projects", "Tasks") == {}


@pytest.mark.parametrize("version", ["4.0", "5.0", "6.0"])
async def test_reading_pages_past_the_per_request_cap(version: str) -> None:
    """A row with 250 links is read 100 at a time (query-links: 10 per row by default, at most
    100) until a short page; ``offset``/``limit`` bound what is read."""
    async with world(version) as w:
        (project,) = await w.base.append_rows("Projects", [{"Name": "big"}])
        tasks = await w.base.append_rows("Tasks", [{"Title": f"t{i}"} for i in range(250)])
        await w.base.links.add("Projects", "Tasks", project, tasks)
        suffix = "query-links/" if w.gateway else "linked-records/" + w.info.uuid + "/"
        before = w.record.count("POST", suffix)
        got = await w.base.links.get("Projects", "Tasks", [project])
        created = [r["_id"] for r in w.emu.rows(w.info, "Tasks")]
        assert [r.row_id for r in got[project]] == created  # in creation order
        asked = [b["rows"][0] for b in w.record.bodies("POST", suffix)[before:]]
        assert [(a["offset"], a["limit"]) for a in asked] == [(0, 100), (100, 100), (200, 100)]
        some = await w.base.links.get("Projects", "Tasks", [project], offset=95, limit=110)
        assert [r.row_id for r in some[project]] == created[95:205]
        assert LINKS_PER_PAGE == 100


async def test_list_rows_shows_at_most_50_links_per_cell_from_60() -> None:
    """From 5.3 a link cell in list answers holds at most 50 links (reference §10.10); links
    past it are read with ``links.get``."""
    async with world("6.0") as w:
        (project,) = await w.base.append_rows("Projects", [{"Name": "big"}])
        tasks = await w.base.append_rows("Tasks", [{"Title": f"t{i}"} for i in range(60)])
        await w.base.links.add("Projects", "Tasks", project, tasks)
        (row,) = await w.base.list_rows("Projects")
        assert len(row["Tasks"]) == 50
        assert len((await w.base.links.get("Projects", "Tasks", [project]))[project]) == 60


async def test_a_failed_batch_tells_which_rows_were_linked() -> None:
    """A batch the server refuses (an unknown row) raises with ``partial``: the other batches'
    rows are applied or not, by position."""
    async with world("6.0", max_concurrency=1) as w:
        projects = await w.base.append_rows("Projects", [{"Name": str(i)} for i in range(1500)])
        (task,) = await w.base.append_rows("Tasks", [{"Title": "x"}])
        links = {p: [task] for p in projects}
        links["no-such-row-id-000000"] = [task]
        with pytest.raises(sa.NotFoundError) as caught:
            await w.base.links.add("Projects", "Tasks", links)
        partial = caught.value.partial
        assert partial is not None
        assert partial.applied == tuple(range(1000))
        assert partial.not_applied == tuple(range(1000, 1501))
        assert len(w.emu.links(w.info, "Projects", "Tasks")) == 1000


async def test_a_refused_request_drops_the_cached_column() -> None:
    """After the server refuses a link request (stale column data), the next call reads the
    metadata again."""
    async with world("6.0") as w:
        (project,) = await w.base.append_rows("Projects", [{"Name": "p"}])
        (task,) = await w.base.append_rows("Tasks", [{"Title": "t"}])
        await w.base.links.add("Projects", "Tasks", project, [task])
        with pytest.raises(sa.BadRequestError):  # made twice: refused (v5.0 spec)
            await w.base.links.add("Projects", "Tasks", project, [task])
        await w.base.links.get("Projects", "Tasks", [project])
        assert w.record.count("GET", "/metadata/") == 2


@pytest.mark.parametrize("version", ["4.0", "6.0"])
async def test_argument_and_column_errors(version: str) -> None:
    async with world(version) as w:
        links = w.base.links
        for bad in (
            links.add("", "Tasks", "r", ["o"]),
            links.add("Projects", "Tasks", "r", None),
            links.add("Projects", "Tasks", {"r": ["o"]}, ["o"]),
            links.add("Projects", "Tasks", "r", "not-a-list"),
            links.set("Projects", "Tasks", [("r", ["o"])]),  # type: ignore[arg-type]
            links.get("Projects", "Tasks", ["r"], offset=-1),
            links.get("Projects", "Tasks", ["r"], limit=0),
        ):
            with pytest.raises(sa.ConfigurationError):
                await bad
        assert w.record.sent == []
        with pytest.raises(sa.ConfigurationError, match="not a link"):
            await links.get("Projects", "Name", ["r"])
        with pytest.raises(sa.ConfigurationError, match="no column"):
            await links.add("Projects", "Nope", "r", ["o"])
        assert await links.get("Projects", "Tasks", []) == {}


async def test_read_only_token_refuses_link_writes_before_sending() -> None:
    async with world("6.0") as w:
        ro = w.client.base(w.emu.add_api_token(w.info, app_name="reader", permission="r"))
        with pytest.raises(sa.PermissionDeniedError):
            await ro.links.add("Projects", "Tasks", "r", ["o"])
        assert not any(p.endswith("/links/") for _, p, _ in w.record.sent)


METADATA = {
    "metadata": {
        "tables": [
            {
                "_id": "0000",
                "name": "P",
                "columns": [
                    {"key": "0000", "name": "Name", "type": "text"},
                    {
                        "key": "Ab12",
                        "name": "Links",
                        "type": "link",
                        "data": {"link_id": "L1nk", "table_id": "0000", "other_table_id": "0000"},
                    },
                ],
            }
        ]
    }
}


@pytest.mark.parametrize(
    "answer",
    [["not", "an", "object"], {"r1": "not a list"}, {"r1": [{"display_value": "no row id"}]}],
)
async def test_malformed_query_answers_raise_response_format_error(answer: object) -> None:
    server = MockServer("6.0")
    server.on("GET", f"{GW}/metadata/", METADATA)
    server.on("POST", f"{GW}/query-links/", lambda r: reply(answer))
    async with sa.Client(SERVER, transport=server.transport()) as client:
        with pytest.raises(sa.ResponseFormatError):
            await client.base(API_TOKEN).links.get("P", "Links", ["r1"])


async def test_a_server_ignoring_offset_is_detected() -> None:
    """A server that answers the same full page whatever the offset would loop forever."""
    page = [{"row_id": f"{i:022d}", "display_value": i} for i in range(100)]
    server = MockServer("6.0")
    server.on("GET", f"{GW}/metadata/", METADATA)
    server.on("POST", f"{GW}/query-links/", lambda r: reply({"r1": page}))
    async with sa.Client(SERVER, transport=server.transport()) as client:
        with pytest.raises(sa.ResponseFormatError, match="repeated"):
            await client.base(API_TOKEN).links.get("P", "Links", ["r1"])
    assert len(server.calls("POST", f"{GW}/query-links/")) == 2
