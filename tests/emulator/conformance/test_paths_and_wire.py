"""Paths and wire details (audit D4, D5, D6, D7, D10, D12, D13, D14, D17)."""

from __future__ import annotations

import jwt
import pytest

from ._world import world

pytestmark = pytest.mark.anyio

TABLES = {"T": {"Name": "text"}}


async def test_dtable_web_paths_without_slash_redirect_like_django() -> None:
    """A dtable-web path missing its trailing slash gets Django's APPEND_SLASH answer: 301 to
    the path with the slash (query kept), for GET and POST alike (production Django; only
    DEBUG raises for POST). Source: Django ``CommonMiddleware`` (docs.djangoproject.com
    ``django/middleware/common``); all dtable-web paths end with ``/`` (reference §0)."""
    async with world(tables=TABLES) as w:
        r = await w.client.get("/api2/ping?x=1")
        assert (r.status_code, r.headers["location"]) == (301, "/api2/ping/?x=1")
        assert r.content == b""
        r = await w.client.post("/api2/auth-token", data={"username": "u", "password": "p"})
        assert (r.status_code, r.headers["location"]) == (301, "/api2/auth-token/")
        r = await w.client.get("/api/v2.1/dtable/app-access-token", headers=w.headers)
        assert (r.status_code, r.headers["location"]) == (301, "/api/v2.1/dtable/app-access-token/")
    assert w.emu.stats.requests["slash_redirect"] == 3


async def test_gateway_paths_are_strict_and_double_slashes_do_not_match() -> None:
    """Gateway (Go) paths need their slash: without it, or with ``//``, the path is unknown
    (HTML 404); ``/sql`` and ``/sql/`` both exist. Source: reference §0 (v5.0 spec ``/sql``,
    6.1 spec ``/sql/``); audit D4 (choice for the gateway: 404, not a redirect)."""
    async with world(tables=TABLES) as w:
        params = {"table_name": "T"}
        r = await w.client.get(w.gw("rows"), headers=w.headers, params=params)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        r = await w.client.get(w.gw("rows/").replace("/rows", "//rows"), headers=w.headers)
        assert r.status_code == 404
        for path in ("sql", "sql/"):
            r = await w.client.post(w.gw(path), headers=w.headers, json={"sql": "SELECT * FROM T"})
            assert r.status_code == 200


async def test_unknown_paths_answer_an_html_404() -> None:
    """Unknown paths get an HTML page from nginx/Django, not JSON. Source: audit D12."""
    async with world(tables=TABLES) as w:
        r = await w.client.get("/nope/")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert b"<h1>Not Found</h1>" in r.content


async def test_gateway_errors_use_error_message() -> None:
    """Gateway errors, including malformed bodies and bad parameters, use ``error_message``;
    the old dtable-server uses ``error_msg``. Source: reference §9 (API gateway row)."""
    async with world("5.0", tables=TABLES) as w:
        for path in (w.gw("rows/"), w.legacy("batch-append-rows/")):
            r = await w.client.post(
                path,
                headers={**w.headers, "Content-Type": "application/json"},
                content=b"{not json",
            )
            key = "error_message" if "api-gateway" in path else "error_msg"
            assert r.status_code == 400
            assert list(r.json()) == [key]
        r = await w.client.get(
            w.gw("rows/"), headers=w.headers, params={"table_name": "T", "start": "x"}
        )
        assert list(r.json()) == ["error_message"]


async def test_base_token_claims_are_the_servers() -> None:
    """The Base-Token carries exactly ``exp, dtable_uuid, username, permission, app_name``
    (no ``iat``) and ``exp`` in whole seconds. Source: v5.0 ``authentication.yaml`` example
    token (decoded); audit D5."""
    async with world(tables=TABLES) as w:
        claims = jwt.decode(w.token, options={"verify_signature": False})
    assert list(claims) == ["exp", "dtable_uuid", "username", "permission", "app_name"]
    assert isinstance(claims["exp"], int)
    assert (claims["username"], claims["permission"], claims["app_name"]) == ("", "rw", "conf")


async def test_account_access_token_on_60_has_the_recorded_fields() -> None:
    """6.0's Account-Token → Base-Token answer has ``access_token`` and ``dtable_uuid`` only;
    5.0 also names the servers. Source: ISSUES #25 (6.0.10/6.1); reference §4.2 (older)."""
    for version, fields in (
        ("6.0", {"access_token", "dtable_uuid"}),
        ("5.0", {"access_token", "dtable_uuid", "dtable_server", "dtable_socket", "dtable_db"}),
    ):
        async with world(version, tables=TABLES) as w:
            user = w.emu.state.find_user("owner@example.com")
            assert user is not None
            r = await w.client.get(
                f"/api/v2.1/workspace/{w.base.workspace_id}/dtable/Conf/access-token/",
                headers={"Authorization": f"Token {user.account_token}"},
            )
        assert set(r.json()) == fields


async def test_account_endpoints_without_token_answer_403() -> None:
    """No token on an account endpoint → 403; a garbage token → 401 ``Invalid token``.
    Source: ``tests/test_auth_errors.py`` (6.0.10) and ISSUES #21."""
    async with world(tables=TABLES) as w:
        r = await w.client.get("/api2/account/info/")
        assert r.status_code == 403
        r = await w.client.get("/api2/account/info/", headers={"Authorization": "Bearer junk"})
        assert (r.status_code, r.json()) == (401, {"detail": "Invalid token"})


@pytest.mark.parametrize("version", ["4.0", "5.0", "6.0"])
async def test_ping_endpoints_per_version(version: str) -> None:
    """``/dtable-server/ping/`` (text/html ``pong``) and ``/dtable-db/ping[/]`` answer on every
    version, 6.0 included; the gateway ping from 4.4. Source: ISSUES #20 (6.0.10/6.1),
    v5.0 ``ping_and_info.yaml``."""
    async with world(version, tables=TABLES) as w:
        r = await w.client.get("/dtable-server/ping/")
        assert (r.status_code, r.text) == (200, "pong")
        assert r.headers["content-type"].startswith("text/html")
        for path in ("/dtable-db/ping", "/dtable-db/ping/"):
            assert (await w.client.get(path)).json() == {"ret": "pong"}
        r = await w.client.get("/api-gateway/api/v2/ping/")
        assert r.status_code == (404 if version == "4.0" else 200)


async def test_login_missing_fields_get_drf_field_errors() -> None:
    """A missing login field is a DRF field error. Source: audit D17 (inferred from DRF's
    ``AuthTokenSerializer``); 6.0.10 asserts only the 400 (``test_login_missing_password``)."""
    async with world(tables=TABLES) as w:
        r = await w.client.post("/api2/auth-token/", data={"username": "owner@example.com"})
    assert (r.status_code, r.json()) == (400, {"password": ["This field is required."]})


async def test_gateway_delete_answers_success_only() -> None:
    """Deleting rows on the gateway answers ``{"success": true}`` without a count. Source:
    v5.0/6.1 spec (``delete_rows`` response); audit D13."""
    async with world(tables=TABLES) as w:
        data = await w.append([{"Name": "x"}])
        r = await w.client.request(
            "DELETE",
            w.gw("rows/"),
            headers=w.headers,
            json={"table_name": "T", "row_ids": [data["row_ids"][0]["_id"]]},
        )
    assert r.json() == {"success": True}


async def test_admin_lists_page_and_count() -> None:
    """System-admin lists answer one page (25 by default) with ``count`` (bases, teams) or
    ``total_count`` (users). Source: v5.0 ``system_admin_account_operations.yaml`` examples."""
    async with world(tables=TABLES) as w:
        admin = w.emu.add_user("root@example.com", "pw", role="system_admin")
        for i in range(30):
            w.emu.add_user(f"t{i}@example.com", "pw", role="team_admin")
        h = {"Authorization": f"Token {admin.account_token}"}
        orgs = (await w.client.get("/api/v2.1/admin/organizations/", headers=h)).json()
        users = (await w.client.get("/api/v2.1/admin/users/", headers=h, params={"page": 2})).json()
    assert (len(orgs["organizations"]), orgs["count"]) == (25, 30)
    assert (len(users["data"]), users["total_count"]) == (7, 32)


async def test_upload_without_ret_json_answers_text_and_needs_parent_dir() -> None:
    """seafhttp answers tab-separated file ids as text without ``ret-json=1`` and needs
    ``parent_dir``. Source: reference §6 (upload with ``?ret-json=1``); audit D10 (Seafile
    upload API)."""
    async with world(tables=TABLES) as w:
        token = w.emu.add_api_token(w.base, app_name="files")
        link = (
            await w.client.get(
                "/api/v2.1/dtable/app-upload-link/", headers={"Authorization": f"Token {token}"}
            )
        ).json()
        files = {"file": ("a.txt", b"hello")}
        form = {"parent_dir": link["parent_path"], "relative_path": link["file_relative_path"]}
        r = await w.client.post(link["upload_link"], data=form, files=files)
        assert r.headers["content-type"].startswith("text/plain") and len(r.text) == 40
        r = await w.client.post(
            link["upload_link"], params={"ret-json": "1"}, data=form, files=files
        )
        assert r.json()[0]["name"] == "a(1).txt"
        r = await w.client.post(link["upload_link"], params={"ret-json": "1"}, files=files)
        assert r.status_code == 400
