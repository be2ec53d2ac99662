"""Every public operation against the in-process SeaTable emulator, per version.

"4.0": legacy dtable-server/dtable-db routes only; "5.0": gateway and legacy; "6.0": gateway only.
Also a round trip with the official (sync) ``seatable_api`` client over a loopback server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.to_thread
import attrs
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

pytestmark = pytest.mark.anyio

VERSIONS = ["4.0", "4.4", "5.0", "6.0"]
URL = "http://127.0.0.1"


@attrs.define
class World:
    emu: Emulator
    client: sa.Client
    base_info: Any
    api_token: str
    ro_token: str
    link: str

    @property
    def ws(self) -> int:
        return int(self.base_info.workspace_id)


@pytest.fixture(params=VERSIONS)
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    emu = Emulator(version=request.param)
    emu.add_user("alice@example.com", "pw")
    b = emu.add_base(
        owner="alice@example.com", name="Demo", tables={"Table1": {"Name": "text", "Age": "number"}}
    )
    api = emu.add_api_token(b, app_name="app", permission="rw")
    ro = emu.add_api_token(b, app_name="reader", permission="r")
    link = emu.add_external_link(b)
    async with sa.Client(URL, transport=emu.transport()) as client:
        yield World(emu, client, b, api, ro, link)


async def test_account_operations(world: World) -> None:
    account = await world.client.login("alice@example.com", "pw")
    info = await account.info()
    assert info.contact_email == "alice@example.com"
    assert info.org_id is None

    spaces = await account.workspaces()
    personal = next(w for w in spaces if w.type == "personal")
    assert personal.id == world.ws
    assert [b.name for b in personal.bases] == ["Demo"]

    created = await account.create_base("Second base", workspace_id=world.ws)
    assert created.name == "Second base"
    assert created.uuid
    names = {b.name for w in await account.workspaces() for b in w.bases}
    assert names == {"Demo", "Second base"}
    rows = await account.base(world.ws, "Second base").list_rows("Table1")
    assert len(rows) == 3  # a new base has three empty rows
    await account.delete_base(world.ws, "Second base")
    with pytest.raises(sa.NotFoundError):
        await account.delete_base(world.ws, "Second base")

    users = await account.collaborators(world.ws, "Demo")
    assert [u.contact_email for u in users] == ["alice@example.com"]
    with pytest.raises(sa.NotFoundError):
        await account.collaborators(world.ws, "No such base")


async def test_api_token_operations(world: World) -> None:
    account = await world.client.login("alice@example.com", "pw")
    tokens = await account.list_api_tokens(world.ws, "Demo")
    assert {t.app_name: t.permission for t in tokens} == {"app": "rw", "reader": "r"}
    assert {t.api_token.get_secret() for t in tokens} == {world.api_token, world.ro_token}
    assert world.api_token not in repr(tokens)

    created = await account.create_api_token(world.ws, "Demo", "importer", permission="r")
    assert created.permission == "r"
    assert len(created.api_token.get_secret()) == 40
    with pytest.raises(sa.BadRequestError):
        await account.create_api_token(world.ws, "Demo", "importer")
    updated = await account.update_api_token(world.ws, "Demo", "importer", "rw")
    assert updated.permission == "rw"
    base = world.client.base(created.api_token.get_secret())
    assert (await base.token_info()).permission == "rw"
    await account.delete_api_token(world.ws, "Demo", "importer")
    with pytest.raises(sa.NotFoundError):
        await account.delete_api_token(world.ws, "Demo", "importer")
    with pytest.raises(sa.NotFoundError):
        await account.update_api_token(world.ws, "Demo", "importer", "r")

    temp = await account.temp_api_token(world.ws, "Demo")
    temp_base = world.client.base(temp.get_secret())
    info = await temp_base.token_info()
    assert info.dtable_uuid == world.base_info.uuid
    assert len(await temp_base.list_rows("Table1")) == 0


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_row_operations(world: World) -> None:
    base = world.client.base(world.api_token)
    meta = await base.metadata()
    table = meta.table("Table1")
    assert [c.name for c in table.columns] == ["Name", "Age"]
    assert table.column("Age").type == "number"
    assert table.views
    assert table.views[0].name

    rows = [{"Name": f"n{i}", "Age": i} for i in range(2100)]
    ids = await base.append_rows("Table1", rows)
    assert len(ids) == len(set(ids)) == 2100
    stored = world.emu.rows(world.base_info, "Table1")
    by_id = {r["_id"]: r for r in stored}
    assert [by_id[i]["Name"] for i in ids] == [r["Name"] for r in rows]

    page = await base.list_rows("Table1", start=0, limit=10)
    assert len(page) == 10
    assert "Name" in page[0]
    assert "Age" in page[0]
    everything = [r async for r in base.rows("Table1")]
    assert len(everything) == 2100

    row = await base.get_row("Table1", ids[5])
    assert row["Name"] == "n5"
    assert row["Age"] == 5
    with pytest.raises(sa.NotFoundError):
        await base.get_row("Table1", "A" * 22)

    await base.update_rows("Table1", {ids[0]: {"Name": "first"}, ids[1]: {"Age": 1000}})
    await base.update_rows("Table1", [(ids[2], {"Name": "third"})])
    assert (await base.get_row("Table1", ids[0]))["Name"] == "first"
    assert (await base.get_row("Table1", ids[1]))["Age"] == 1000
    assert (await base.get_row("Table1", ids[2]))["Name"] == "third"

    await base.delete_rows("Table1", ids[:100])
    assert len(world.emu.rows(world.base_info, "Table1")) == 2000

    with pytest.raises((sa.NotFoundError, sa.BadRequestError)):
        await base.list_rows("No such table")


async def test_sql_operations(world: World) -> None:
    base = world.client.base(world.api_token)
    await base.append_rows("Table1", [{"Name": f"n{i}", "Age": i} for i in range(250)])
    # On 4.0 (no gateway, no SQL parameters) the SDK inlines the parameters.
    result = await base.sql("SELECT Name, Age FROM Table1 WHERE Age >= ? LIMIT 1000", [240])
    named = await base.sql("SELECT Name FROM Table1 WHERE Name = ?", ["n7"])
    assert [r["Name"] for r in named.rows] == ["n7"]
    assert sorted(r["Age"] for r in result.rows) == list(range(240, 250))
    assert set(result.rows[0]) >= {"Name", "Age"}
    assert result.truncated is False
    capped = await base.sql("SELECT Name FROM Table1")
    assert len(capped.rows) == 100
    assert capped.truncated is True
    paged = [
        r async for r in base.sql_pages("SELECT Name, Age FROM Table1 ORDER BY Age", page_size=60)
    ]
    assert [r["Age"] for r in paged] == list(range(250))
    with pytest.raises(sa.BadRequestError):
        await base.sql("SELECT * FROM no_such_table")


async def test_read_only_external_and_account_bases(world: World) -> None:
    ro = world.client.base(world.ro_token)
    assert len(await ro.list_rows("Table1")) == 0
    with pytest.raises(sa.PermissionDeniedError, match="read-only"):
        await ro.append_rows("Table1", [{"Name": "x"}])
    with pytest.raises(sa.PermissionDeniedError):
        await ro.sql("DELETE FROM Table1")
    assert world.emu.rows(world.base_info, "Table1") == []

    external = world.client.external_base(world.link)
    with pytest.raises(sa.PermissionDeniedError):
        await external.append_rows("Table1", [{"Name": "x"}])
    await world.client.base(world.api_token).append_rows("Table1", [{"Name": "a"}])
    assert [r["Name"] for r in await external.list_rows("Table1")] == ["a"]
    assert (await external.metadata()).table("Table1")
    with pytest.raises(sa.ConfigurationError, match="API-Token"):
        await external.upload_file("a.txt", b"x")

    account = await world.client.login("alice@example.com", "pw")
    via_account = account.base(world.ws, "Demo")
    ids = await via_account.append_rows("Table1", [{"Name": "b"}])
    assert (await via_account.get_row("Table1", ids[0]))["Name"] == "b"
    with pytest.raises(sa.ConfigurationError, match="create_api_token"):
        await via_account.download_file("/files/x.txt")


async def test_files(world: World) -> None:
    base = world.client.base(world.api_token)
    asset = await base.upload_file("report 1.txt", b"hello file")
    assert asset.name == "report 1.txt"
    assert asset.size == 10
    assert asset.type == "file"
    assert asset.url.startswith(f"{URL}/workspace/{world.ws}/asset/{world.base_info.uuid}/files/")
    again = await base.upload_file("report 1.txt", b"second")
    assert again.name == "report 1(1).txt"
    replaced = await base.upload_file("report 1.txt", b"third", replace=True)
    assert replaced.name == "report 1.txt"
    assert await base.download_file(asset.path) == b"third"
    assert await base.download_file(asset.url) == b"third"
    assert await base.download_file(again.url) == b"second"
    image = await base.upload_file("pic.png", b"\x89PNG", kind="image")
    assert "/images/" in image.url
    assert image.cell() == image.url
    with pytest.raises(sa.BadRequestError):
        await base.download_file("/files/nope.txt")
    if world.emu.version_tuple >= (6, 0):
        await base.delete_file(asset.path)
        with pytest.raises(sa.BadRequestError):
            await base.download_file(asset.path)


async def test_admin_operations(world: World) -> None:
    emu = world.emu
    boss = emu.add_user("boss@example.com", "pw", role="team_admin")
    emu.add_user("root@example.com", "pw", role="system_admin")
    account = await world.client.login("boss@example.com", "pw")
    info = await account.info()
    assert info.org_id == boss.org_id
    assert info.is_org_staff
    team = account.team_admin(info.org_id or 0)
    added = await team.add_user("member@example.com", "Member", "pw2")
    assert added.contact_email == "member@example.com"
    users = await team.list_users()
    assert {u.contact_email for u in users} >= {"boss@example.com", "member@example.com"}
    emu.add_base(owner="member@example.com", name="Team base")
    assert "Team base" in {b.name for b in await team.list_bases()}
    group = emu.add_group("G", org_id=info.org_id)
    result = await team.add_group_members(group, [added.email, "ghost@example.com"])
    assert result.added == [added.email]
    assert "ghost@example.com" in result.failed

    root = (await world.client.login("root@example.com", "pw")).system_admin()
    assert (await root.sysinfo()).users_count == len(await root.list_users())
    new_user = await root.add_user("new@example.com", "New", "pw3")
    assert new_user.contact_email == "new@example.com"
    bases = await root.list_bases()
    demo = next(b for b in bases if b.name == "Demo")
    new_team = await root.add_team("Acme", "acme@example.com", "pw4")
    assert new_team.org_id in {t.org_id for t in await root.list_teams()}
    await root.delete_base(demo.uuid)
    with pytest.raises(sa.NotFoundError):
        await root.delete_base(demo.uuid)

    plain = await world.client.login("alice@example.com", "pw")
    with pytest.raises(sa.PermissionDeniedError):
        await plain.system_admin().list_users()
    with pytest.raises(sa.PermissionDeniedError):
        await plain.team_admin(info.org_id or 1).list_users()


async def test_import_rows_delegation(world: World) -> None:
    base = world.client.base(world.api_token)
    report = await base.import_rows("Table1", ({"Name": f"i{i}"} for i in range(1500)))
    assert report.rows_read == 1500
    assert len(world.emu.rows(world.base_info, "Table1")) == 1500


@pytest.mark.parametrize("version", VERSIONS)
async def test_round_trip_with_official_client(version: str) -> None:
    seatable_api = pytest.importorskip("seatable_api")
    emu = Emulator(version=version)
    emu.add_user("alice@example.com", "pw")
    b = emu.add_base(
        owner="alice@example.com", name="Demo", tables={"Table1": {"Name": "text", "Age": "number"}}
    )
    token = emu.add_api_token(b, app_name="app", permission="rw")
    async with emu.serve() as url, sa.Client(url) as client:
        base = client.base(token)
        ids = await base.append_rows(
            "Table1", [{"Name": "from-sdk", "Age": 1}, {"Name": "from-sdk-2", "Age": 2}]
        )

        def official() -> tuple[list[dict[str, Any]], str]:
            official_base = seatable_api.Base(token, url)
            official_base.auth()
            seen = official_base.list_rows("Table1")
            row = official_base.append_row("Table1", {"Name": "from-official", "Age": 3})
            return seen, row["_id"]

        seen, official_id = await anyio.to_thread.run_sync(official)
        assert [r["Name"] for r in seen] == ["from-sdk", "from-sdk-2"]
        assert {r["_id"] for r in seen} == set(ids)
        mine = await base.get_row("Table1", official_id)
        assert mine["Name"] == "from-official"
        assert mine["Age"] == 3
        names = sorted([r["Name"] async for r in base.rows("Table1")])
        assert names == ["from-official", "from-sdk", "from-sdk-2"]
