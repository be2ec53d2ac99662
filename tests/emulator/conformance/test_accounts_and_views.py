"""Views, permissions and quotas, timestamps (audit D11, D15, D16)."""

from __future__ import annotations

import jwt
import pytest

from ._world import world

pytestmark = pytest.mark.anyio

TABLES = {"T": {"Name": "text"}}


async def test_default_view_by_name_or_id_and_unknown_views() -> None:
    """List rows accepts the default view by ``view_name`` or ``view_id`` (``0000``); another
    view answers 404 (the emulator has no view endpoints, so no other view exists). Source:
    6.1 spec parameter descriptions ("view_id may be given instead", reference §5.2)."""
    async with world(tables=TABLES) as w:
        await w.append([{"Name": "x"}])
        for params in ({"view_name": "Default View"}, {"view_id": "0000"}):
            rows = await w.rows(**params)
            assert [r["Name"] for r in rows] == ["x"]
        r = await w.client.get(
            w.gw("rows/"), headers=w.headers, params={"table_name": "T", "view_id": "zz99"}
        )
    assert (r.status_code, r.json()) == (404, {"error_message": "view not found"})


async def test_over_quota_workspace_gets_read_only_base_tokens() -> None:
    """While the workspace is over its quota an ``rw`` API-Token yields an ``r`` Base-Token
    and writes answer 403. Source: reference §4.1 (dtable-web code: ``permission if
    check_quota_and_row_limit_by_workspace(workspace) else PERMISSION_READ``), §10 pitfall 3."""
    async with world(tables=TABLES) as w:
        api = w.emu.add_api_token(w.base, app_name="quota")
        w.base.quota_exceeded = True
        r = await w.client.get(
            "/api/v2.1/dtable/app-access-token/", headers={"Authorization": f"Token {api}"}
        )
        token = r.json()["access_token"]
        assert jwt.decode(token, options={"verify_signature": False})["permission"] == "r"
        r = await w.client.post(
            w.gw("rows/"),
            headers={"Authorization": f"Token {token}"},
            json={"table_name": "T", "rows": [{"Name": "x"}]},
        )
    assert r.status_code == 403
    assert r.json() == {
        "error_message": "You don't have permission to perform this operation on this base."
    }


async def test_dtable_web_timestamps_use_the_server_zone() -> None:
    """dtable-web timestamps (API-Token ``generated_at``/``last_access``, base ``created_at``)
    carry the server zone's offset, row times stay UTC. Source: 6.x snapshot
    ``test_api_tokens/test_createApiToken.json`` (``last_access …+01:00``) and the row snapshots
    (``sign_time``/``_ctime`` style ``…+00:00``); audit D16."""
    async with world(tables=TABLES, timezone="+01:00") as w:
        user = w.emu.state.find_user("owner@example.com")
        assert user is not None
        h = {"Authorization": f"Token {user.account_token}"}
        ws = w.base.workspace_id
        r = await w.client.get(f"/api/v2.1/workspace/{ws}/dtable/Conf/api-tokens/", headers=h)
        token = r.json()["api_tokens"][0]
        bases = (await w.client.get("/api/v2.1/workspaces/", headers=h)).json()
        data = await w.append([{"Name": "x"}])
        row = (await w.rows())[0]
    assert token["generated_at"].endswith("+01:00") and token["last_access"].endswith("+01:00")
    assert bases["workspace_list"][0]["table_list"][0]["created_at"].endswith("+01:00")
    assert row["_ctime"].endswith("+00:00") and row["_id"] == data["row_ids"][0]["_id"]
