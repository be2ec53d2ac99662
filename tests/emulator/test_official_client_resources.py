"""The official ``seatable-api`` 4.0.0 client, unchanged, against the served emulator: links,
big data, toasts, users, custom folders, ``copy_base``, ``append_row(apply_default)``,
``insert_row`` and ordered ``list_rows`` — on 4.0 (legacy), 5.0 and 6.0 (gateway) — and what
it writes reads back identically through seatable-async, and the other way round."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest

import seatable_async as sa
from seatable_async.emulator import Base as EmuBase
from seatable_async.emulator import Emulator

seatable_api = pytest.importorskip("seatable_api")
from seatable_api import Account, Base  # noqa: E402

T = TypeVar("T")
TABLES: dict[str, Any] = {
    "Projects": {
        "Name": "text",
        "Tasks": {"type": "link", "data": {"other_table": "Tasks"}},
        "Team": {
            "type": "text",
            "data": {"default_value": "core", "enable_fill_default_value": True},
        },
        "Rank": "number",
    },
    "Tasks": {"Title": "text"},
}


class Served:
    def __init__(self, emu: Emulator, info: EmuBase, url: str, token: str):
        self.emu, self.info, self.url, self.token = emu, info, url, token

    @property
    def gateway(self) -> bool:
        return self.emu.version_tuple >= (4, 4)

    def official(self) -> Any:
        base = Base(self.token, self.url)
        base.auth()
        return base

    def ours(self, fn: Callable[[sa.Base], Awaitable[T]]) -> T:
        """Run ``fn`` with a seatable-async Base over real HTTP."""

        async def main() -> T:
            async with sa.Client(self.url) as client:
                return await fn(client.base(self.token))

        return anyio.run(main)


@pytest.fixture(params=["4.0", "5.0", "6.0"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    emu = Emulator(str(request.param))
    emu.add_user("alice@example.com", "pw")
    info = emu.add_base("alice@example.com", "Work", TABLES, big_data=True)
    token = emu.add_api_token(info, app_name="sdk")
    with emu.serve_in_thread() as url:
        yield Served(emu, info, url, token)


def _link_column(meta: dict[str, Any], table: str, column: str) -> dict[str, Any]:
    found = next(t for t in meta["tables"] if t["name"] == table)
    col: dict[str, Any] = next(c for c in found["columns"] if c["name"] == column)
    return {**col["data"], "key": col["key"], "table_id": found["_id"]}


def test_links_round_trip(served: Served) -> None:
    """``add_link``, ``batch_add_links``, ``remove_link``, ``batch_remove_links``,
    ``update_link``, ``batch_update_links`` and ``get_linked_records`` as the official client
    sends them; seatable-async reads the same links and writes links it reads."""
    base = served.official()
    projects = [base.append_row("Projects", {"Name": n})["_id"] for n in ("p1", "p2")]
    tasks = [base.append_row("Tasks", {"Title": f"t{i}"})["_id"] for i in range(4)]
    link = _link_column(base.get_metadata(), "Projects", "Tasks")
    lid = link["link_id"]
    base.add_link(lid, "Projects", "Tasks", projects[0], tasks[0])
    base.batch_add_links(
        lid, "Projects", "Tasks", {projects[0]: [tasks[1]], projects[1]: [tasks[2]]}
    )
    base.remove_link(lid, "Projects", "Tasks", projects[0], tasks[1])
    base.batch_remove_links(lid, "Projects", "Tasks", {projects[1]: [tasks[2]]})
    base.update_link(lid, "Projects", "Tasks", projects[1], [tasks[3], tasks[1]])
    base.batch_update_links(
        lid, "Projects", "Tasks", [projects[0]], {projects[0]: [tasks[0], tasks[2]]}
    )
    official = base.get_linked_records(
        link["table_id"], link["key"], [{"row_id": p, "limit": 20} for p in projects]
    )
    official_ids = {p: {r["row_id"] for r in official[p]} for p in projects}
    assert official_ids == {projects[0]: {tasks[0], tasks[2]}, projects[1]: {tasks[3], tasks[1]}}

    ours = served.ours(lambda b: b.links.get("Projects", "Tasks", projects))
    assert {p: {r.row_id for r in ours[p]} for p in projects} == official_ids
    assert {r.display_value for r in ours[projects[0]]} == {"t0", "t2"}

    async def write(b: sa.Base) -> None:
        await b.links.set("Projects", "Tasks", {projects[0]: [tasks[3]]})
        await b.links.add("Tasks", "Projects", tasks[0], [projects[1]])

    served.ours(write)
    back = base.get_linked_records(link["table_id"], link["key"], [{"row_id": projects[1]}])
    assert {r["row_id"] for r in back[projects[1]]} == {tasks[3], tasks[1], tasks[0]}
    rows = {r["_id"]: r for r in base.list_rows("Projects")}
    cell = rows[projects[0]]["Tasks"]
    assert cell == ([{"display_value": "t3", "row_id": tasks[3]}] if served.gateway else [tasks[3]])


def test_big_data_toasts_and_users(served: Served) -> None:
    """``big_data_insert_rows``, ``send_toast_notification``, ``get_related_users``,
    ``get_user_info``: the rows land archived and read back through seatable-async."""
    base = served.official()
    base.big_data_insert_rows("Tasks", [{"Title": "archived 1"}, {"Title": "archived 2"}])
    stored = served.emu.rows(served.info, "Tasks")
    assert [(r["Title"], r["_archived"]) for r in stored] == [
        ("archived 1", True),
        ("archived 2", True),
    ]
    owner = served.emu.state.find_user("alice@example.com")
    assert owner is not None
    base.send_toast_notification(owner.email, "hello", "warning")
    assert served.emu.toasts(served.info)[0]["toast_type"] == "warning"
    users = base.get_related_users()
    assert [u["email"] for u in users] == [owner.email]
    assert base.get_user_info(owner.email) == {"id_in_org": "", "name": "alice"}
    ours = served.ours(lambda b: b.related_users())
    assert [u.email for u in ours] == [owner.email]
    count = served.ours(lambda b: b.big_data.insert("Tasks", [{"Title": "ours"}]))
    assert count == 1 and len(served.emu.rows(served.info, "Tasks")) == 3


# the official client opens the local file and never closes it (ResourceWarning)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_custom_folder_round_trip(served: Served, tmp_path: Path) -> None:
    """The official custom-asset methods and seatable-async's ``base.files`` see each other's
    files."""
    asset = served.ours(lambda b: b.files.upload_custom("ours.txt", b"from async", folder="/Main"))
    base = served.official()
    local = tmp_path / "theirs.txt"
    local.write_bytes(b"from official")
    info = base.upload_local_file_to_custom_folder(str(local), "/Main/")
    assert info["name"] == "theirs.txt" and info["size"] == 13
    assert info["url"].startswith("custom-asset://") and info["url"].endswith(".txt")
    listed = base.list_custom_assets("/Main")
    assert sorted(f["name"] for f in listed["file"]) == ["ours.txt", "theirs.txt"]
    assert base.get_custom_file_info("/Main", "ours.txt")["url"] == asset.url
    saved = tmp_path / "down.txt"
    base.download_custom_file("Main/ours.txt", str(saved))
    assert saved.read_bytes() == b"from async"
    content = served.ours(lambda b: b.files.download_custom("/Main/theirs.txt"))
    assert content == b"from official"


def test_rows_apply_default_insert_and_order(served: Served) -> None:
    """``append_row(apply_default=True)``, ``insert_row`` (positional on dtable-server; the
    official gateway client appends) and ``list_rows(order_by, desc)`` (dtable-server sorts;
    the gateway ignores it, seatable-async sorts through SQL there)."""
    base = served.official()
    first = base.append_row("Projects", {"Name": "b", "Rank": 2}, apply_default=True)
    base.append_row("Projects", {"Name": "c", "Rank": 3})
    base.insert_row("Projects", {"Name": "a", "Rank": 1}, first["_id"])
    names = [r["Name"] for r in served.emu.rows(served.info, "Projects")]
    assert names == (["b", "c", "a"] if served.gateway else ["b", "a", "c"])
    teams = {r["Name"]: r["Team"] for r in served.emu.rows(served.info, "Projects")}
    assert teams == {"b": "core", "c": None, "a": None}
    ordered = [r["Name"] for r in base.list_rows("Projects", order_by="Rank", desc=True)]
    assert ordered == (names if served.gateway else ["c", "b", "a"])
    ours = served.ours(lambda b: b.list_rows("Projects", order_by="Rank", direction="desc"))
    assert [r["Name"] for r in ours] == ["c", "b", "a"]


def test_copy_base(served: Served) -> None:
    """``Account.copy_base`` copies tables, rows and links; seatable-async reads the copy."""
    base = served.official()
    (p,) = [base.append_row("Projects", {"Name": "p"})["_id"]]
    (t,) = [base.append_row("Tasks", {"Title": "t"})["_id"]]
    served.ours(lambda b: b.links.add("Projects", "Tasks", p, [t]))
    account = Account("alice@example.com", "pw", served.url)
    account.auth()
    ws = served.info.workspace_id
    copied = account.copy_base(ws, "Work", ws)
    assert copied["name"] == "Work(copy)"

    async def read(client: sa.Client) -> Any:
        acc = await client.login("alice@example.com", "pw")
        return await acc.base(ws, "Work(copy)").links.get("Projects", "Tasks", [p])

    async def main() -> Any:
        async with sa.Client(served.url) as client:
            return await read(client)

    got = anyio.run(main)
    assert [r.row_id for r in got[p]] == [t]
