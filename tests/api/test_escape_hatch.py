"""``Base.request`` / ``Account.request`` (the escape hatch) and ``Account.copy_base``."""

from __future__ import annotations

import pytest

import seatable_async as sa
from seatable_async.emulator import Faults
from tests.api.resource_world import VERSIONS, world

pytestmark = [pytest.mark.anyio, pytest.mark.anyio_backends("asyncio", "trio")]

TABLES = {"T": {"Name": "text"}}


@pytest.mark.parametrize("version", VERSIONS)
async def test_base_request_uses_the_pooled_token(version: str) -> None:
    """Any base path with ``{base_uuid}`` filled in, through the same Base-Token (one mint for
    the wrapped call and the raw one)."""
    async with world(version, TABLES) as w:
        await w.base.append_rows("T", [{"Name": "x"}])
        if w.gateway:
            path = "/api-gateway/api/v2/dtables/{base_uuid}/rows/"
            params = {"table_name": "T", "convert_keys": "true"}
        else:
            path = "/dtable-server/api/v1/dtables/{base_uuid}/rows/"
            params = {"table_name": "T"}
        data = await w.base.request("GET", path, params=params)
        assert [r["Name"] for r in data["rows"]] == ["x"]
        assert w.emu.stats.token_requests["api"] == 1
        notes = path.replace("rows/", "notifications/")
        assert await w.base.request("PUT", notes, form={"seen": "true"}) == {"success": True}
        for bad in (("PATCH", path), ("GET", "https://elsewhere/x"), ("GET", "relative/")):
            with pytest.raises(sa.ConfigurationError):
                await w.base.request(*bad)


async def test_base_request_retries_reads_through_the_pipeline() -> None:
    """A 5xx on a GET through the escape hatch is retried like any read."""
    policy = sa.RetryPolicy(backoff_base=0.001, backoff_max=0.002)
    async with world("6.0", TABLES, retry=policy) as w:
        await w.base.token_info()
        w.emu.faults = Faults(seed=3, rate_5xx=0.5, statuses_5xx=(503,))
        path = "/api-gateway/api/v2/dtables/{base_uuid}/metadata/"
        for _ in range(5):
            data = await w.base.request("GET", path)
            assert data["metadata"]["tables"][0]["name"] == "T"
        assert w.emu.stats.faults["5xx"] >= 1
        assert w.client.stats.retries.get("5xx", 0) == w.emu.stats.faults["5xx"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_account_request_and_copy_base(version: str) -> None:
    async with world(version, TABLES) as w:
        await w.base.append_rows("T", [{"Name": "kept"}])
        account = await w.client.login("alice@example.com", "pw")
        ws = w.info.workspace_id
        data = await account.request("GET", "/api/v2.1/workspaces/")
        assert data["workspace_list"][0]["table_list"][0]["name"] == "Work"
        copy = await account.copy_base(ws, "Work", ws)
        assert copy.name == "Work(copy)" and copy.workspace_id == ws and copy.uuid != w.info.uuid
        rows = await account.base(ws, "Work(copy)").list_rows("T")
        assert [r["Name"] for r in rows] == ["kept"]
        with pytest.raises(sa.NotFoundError):
            await account.copy_base(ws, "Missing", ws)
        with pytest.raises(sa.ConfigurationError):
            await account.copy_base(ws, "Work", -1)
        with pytest.raises(sa.ConfigurationError):
            await account.request("GET", "api/v2.1/workspaces/")
