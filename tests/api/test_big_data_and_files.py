"""``base.big_data`` and ``base.files`` (custom folders) on every version, asyncio and trio."""

from __future__ import annotations

import pytest

import seatable_async as sa
from seatable_async._base.big_data import BIG_DATA_BATCH
from tests.api.resource_world import VERSIONS, world

pytestmark = [pytest.mark.anyio, pytest.mark.anyio_backends("asyncio", "trio")]

TABLES = {"T": {"Name": "text", "Size": "number"}}


@pytest.mark.parametrize("version", VERSIONS)
async def test_big_data_insert_in_batches(version: str) -> None:
    """Gateway ``add-archived-rows/`` / dtable-db ``insert-rows/``: 2,100 rows in 3 requests,
    the rows land archived (``_archived``), invisible to dtable-server's list rows."""
    async with world(version, TABLES, big_data=True) as w:
        count = await w.base.big_data.insert("T", [{"Name": str(i)} for i in range(2100)])
        assert count == 2100
        suffix = "/add-archived-rows/" if w.gateway else f"/insert-rows/{w.info.uuid}/"
        sizes = sorted(len(b["rows"]) for b in w.record.bodies("POST", suffix))
        assert sizes == [100, BIG_DATA_BATCH, BIG_DATA_BATCH]
        stored = w.emu.rows(w.info, "T")
        assert len(stored) == 2100 and all(r["_archived"] for r in stored)
        assert await w.base.big_data.insert("T", []) == 0


@pytest.mark.parametrize("version", VERSIONS)
async def test_archive_and_unarchive(version: str) -> None:
    """``archive-view/`` moves rows matching ``where``; ``unarchive/`` (gateway only) moves
    them back; 4.0 refuses unarchive before any request."""
    async with world(version, TABLES, big_data=True) as w:
        ids = await w.base.append_rows("T", [{"Name": "a", "Size": 1}, {"Name": "b", "Size": 5}])
        await w.base.big_data.archive("T", where="`Size` > 2")
        archived = {r["Name"]: r["_archived"] for r in w.emu.rows(w.info, "T")}
        assert archived == {"a": False, "b": True}
        if not w.gateway:
            sent = len(w.record.sent)
            with pytest.raises(sa.UnsupportedOperationError):
                await w.base.big_data.unarchive("T", [ids[1]])
            assert len(w.record.sent) == sent
            return
        await w.base.big_data.unarchive("T", [ids[1]])
        assert not any(r["_archived"] for r in w.emu.rows(w.info, "T"))
        (body,) = w.record.bodies("POST", "/unarchive/")
        assert body == {"table_id": w.info.tables[0].id, "row_ids": [ids[1]]}


@pytest.mark.parametrize("version", ["4.0", "6.0"])
async def test_big_data_needs_big_data_storage(version: str) -> None:
    async with world(version, TABLES) as w:
        with pytest.raises(sa.BadRequestError):
            await w.base.big_data.insert("T", [{"Name": "x"}])
        with pytest.raises(sa.BadRequestError):
            await w.base.big_data.archive("T")
        with pytest.raises(sa.ConfigurationError):
            await w.base.big_data.archive("T", where="  ")
        with pytest.raises(sa.ConfigurationError):
            await w.base.big_data.insert("T", "rows")  # type: ignore[arg-type]


@pytest.mark.parametrize("version", VERSIONS)
async def test_custom_folder_files(version: str) -> None:
    """Upload into a new folder (the upload's relative path creates it), list, describe,
    download; the asset's URL is ``custom-asset://<uuid>.<ext>``."""
    async with world(version, TABLES) as w:
        asset = await w.base.files.upload_custom("quote.pdf", b"%PDF-1", folder="/Offers/2026")
        assert (asset.name, asset.size, asset.path) == ("quote.pdf", 6, "/Offers/2026/quote.pdf")
        assert asset.url == f"custom-asset://{asset.uuid}.pdf"
        assert asset.cell() == {"name": "quote.pdf", "size": 6, "type": "file", "url": asset.url}
        again = await w.base.files.upload_custom("quote.pdf", b"v2", folder="Offers/2026/")
        assert again.name == "quote(1).pdf"
        top = await w.base.files.list_custom("/")
        assert (top.dirs, top.files) == (["Offers"], [])
        inner = await w.base.files.list_custom("/Offers/2026")
        assert inner.files == ["quote(1).pdf", "quote.pdf"]
        assert await w.base.files.download_custom("/Offers/2026/quote.pdf") == b"%PDF-1"
        info = await w.base.files.custom_info("/Offers/2026/quote.pdf")
        assert info.uuid == asset.uuid
        with pytest.raises(sa.NotFoundError):
            await w.base.files.list_custom("/Nope")
        with pytest.raises(sa.BadRequestError):
            await w.base.files.download_custom("/Offers/missing.txt")
        for bad in ("", "/", "/a/../b"):
            with pytest.raises(sa.ConfigurationError):
                await w.base.files.download_custom(bad)


async def test_custom_files_need_the_api_token() -> None:
    async with world("6.0", TABLES) as w:
        account = await w.client.login("alice@example.com", "pw")
        base = account.base(w.info.workspace_id, "Work")
        with pytest.raises(sa.ConfigurationError, match="API-Token"):
            await base.files.list_custom()
