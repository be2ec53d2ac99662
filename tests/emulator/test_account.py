"""No-token endpoints, login, header schemes and account operations."""

from __future__ import annotations

import pytest

from seatable_async.emulator import Emulator

from .emu_helpers import auth, client, make

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("version", "legacy", "gateway"),
    [
        ("3.5", True, False),
        ("4.0", True, False),
        ("4.4", True, True),
        ("5.0", True, True),
        ("6.0", False, True),
    ],
)
async def test_ping_and_server_info(version: str, legacy: bool, gateway: bool) -> None:
    emu = Emulator(version)
    async with client(emu) as c:
        r = await c.get("/api2/ping/")
        assert (r.status_code, r.text) == (200, '"pong"')
        r = await c.get("/server-info/")
        assert r.json() == {"version": f"{version}.10", "edition": "enterprise edition"}
        # dtable-server and dtable-db still answer ping on 6.0 (ISSUES #20)
        r = await c.get("/dtable-server/ping/")
        assert (r.status_code, r.text) == (200, "pong")
        assert r.headers["content-type"].startswith("text/html")
        assert (await c.get("/dtable-db/ping")).json() == {"ret": "pong"}
        assert (await c.get("/dtable-db/ping/")).json() == {"ret": "pong"}
        assert legacy == (version != "6.0")
        r = await c.get("/api-gateway/api/v2/ping")
        assert r.status_code == (200 if gateway else 404)
        if gateway:
            assert r.json() == {"ret": "pong"}


async def test_login_form_and_json() -> None:
    s = make()
    async with client(s.emu) as c:
        r = await c.post(
            "/api2/auth-token/", data={"username": "alice@example.com", "password": "pw"}
        )
        assert r.status_code == 200
        token = r.json()["token"]
        assert token == s.user.account_token
        assert len(token) == 40
        assert all(ch in "0123456789abcdef" for ch in token)
        r = await c.post(
            "/api2/auth-token/", json={"username": "alice@example.com", "password": "pw"}
        )
        assert r.json() == {"token": token}
        r = await c.get("/api2/auth/ping/", headers=auth(token))
        assert r.text == '"pong"'


@pytest.mark.parametrize(
    "data",
    [
        {"username": "alice@example.com", "password": "nope"},
        {"username": "bob@example.com", "password": "pw"},
    ],
)
async def test_login_bad_credentials(data: dict[str, str]) -> None:
    s = make()
    async with client(s.emu) as c:
        r = await c.post("/api2/auth-token/", data=data)
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": ["Unable to login with provided credentials."]}


async def test_login_missing_fields_are_field_errors() -> None:
    s = make()
    async with client(s.emu) as c:
        r = await c.post("/api2/auth-token/", data={"username": "alice@example.com"})
        assert (r.status_code, r.json()) == (400, {"password": ["This field is required."]})
        r = await c.post("/api2/auth-token/", data={"username": "", "password": "x"})
        assert (r.status_code, r.json()) == (400, {"username": ["This field may not be blank."]})


async def test_login_two_factor() -> None:
    emu = Emulator()
    emu.add_user("otp@example.com", "pw", otp="123456")
    creds = {"username": "otp@example.com", "password": "pw"}
    async with client(emu) as c:
        r = await c.post("/api2/auth-token/", data=creds)
        assert r.status_code == 400
        assert r.json() == {"non_field_errors": ["Two factor auth token is missing."]}
        assert r.headers["x-seafile-otp"] == "required"
        r = await c.post("/api2/auth-token/", data=creds, headers={"X-SEAFILE-OTP": "000000"})
        assert r.json() == {"non_field_errors": ["Two factor auth token is invalid."]}
        assert r.headers["x-seafile-otp"] == "required"
        r = await c.post("/api2/auth-token/", data=creds, headers={"X-SEAFILE-OTP": "123456"})
        assert r.status_code == 200
        assert len(r.json()["token"]) == 40


@pytest.mark.parametrize("version", ["3.5", "4.0", "6.0"])
async def test_schemes_per_version(version: str) -> None:
    s = make(version)
    acct = s.user.account_token
    async with client(s.emu) as c:
        for scheme in ("Token", "token", "Bearer", "BEARER"):
            ok = scheme.lower() == "token" or version != "3.5"
            r = await c.get("/api2/account/info/", headers=auth(acct, scheme))
            if ok:
                assert r.status_code == 200
            else:  # a Bearer header before 4.0 counts as no credentials: 403
                assert r.status_code == 403
                assert r.json() == {"detail": "Authentication credentials were not provided."}
            r = await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token, scheme))
            if ok:
                assert r.status_code == 200
            else:
                assert (r.status_code, r.json()) == (403, {"error_msg": "Permission denied."})
    assert s.emu.stats.schemes["bearer"] == 4


async def test_account_token_errors() -> None:
    s = make()
    async with client(s.emu) as c:
        r = await c.get("/api2/account/info/")
        assert r.status_code == 403  # recorded on 6.0.10 (ISSUES #21)
        assert r.json() == {"detail": "Authentication credentials were not provided."}
        r = await c.get("/api2/account/info/", headers=auth("invalid-token-12345", "Bearer"))
        assert (r.status_code, r.json()) == (401, {"detail": "Invalid token"})


async def test_account_info_workspaces_create_delete() -> None:
    s = make()
    h = auth(s.user.account_token)
    async with client(s.emu) as c:
        info = (await c.get("/api2/account/info/", headers=h)).json()
        assert info["email"] == s.user.email
        assert info["email"].endswith("@auth.local")
        assert len(info["email"].split("@")[0]) == 32
        assert "org_id" not in info
        ws = (await c.get("/api/v2.1/workspaces/", headers=h)).json()["workspace_list"]
        personal = ws[0]
        assert personal["id"] == s.base.workspace_id
        assert personal["type"] == "personal"
        assert [t["name"] for t in personal["table_list"]] == ["Demo"]
        r = await c.post(
            "/api/v2.1/dtables/",
            headers=h,
            files={"name": (None, "New Base"), "workspace_id": (None, str(s.base.workspace_id))},
        )
        assert r.status_code == 201, r.text
        table = r.json()["table"]
        assert table["name"] == "New Base"
        assert len(table["uuid"]) == 36
        rows = s.emu.rows(table["uuid"], "Table1")
        assert len(rows) == 3
        assert set(rows[0]) >= {"_id", "Name"}
        r = await c.request(
            "DELETE",
            f"/api/v2.1/workspace/{s.base.workspace_id}/dtable/",
            headers=h,
            data={"name": "New Base"},
        )
        assert r.json() == {"success": True}
        r = await c.request(
            "DELETE",
            f"/api/v2.1/workspace/{s.base.workspace_id}/dtable/",
            headers=h,
            data={"name": "New Base"},
        )
        assert r.status_code == 404


async def test_related_users_with_encoded_names() -> None:
    s = make()
    name = "Ärger / Plan 2"
    s.emu.add_base(owner="alice@example.com", name=name)
    async with client(s.emu) as c:
        r = await c.get(
            f"/api/v2.1/workspace/{s.base.workspace_id}/dtable/%C3%84rger%20%2F%20Plan%202"
            "/related-users/",
            headers=auth(s.user.account_token),
        )
        assert r.status_code == 200, r.text
        assert r.json()["user_list"][0]["email"] == s.user.email


async def test_team_admin() -> None:
    emu = Emulator()
    admin = emu.add_user("boss@example.com", "pw", role="team_admin")
    plain = emu.add_user("joe@example.com", "pw")
    assert admin.org_id is not None
    org = admin.org_id
    group = emu.add_group("Team", org_id=org)
    h = auth(admin.account_token)
    async with client(emu) as c:
        info = (await c.get("/api2/account/info/", headers=h)).json()
        assert info["org_id"] == org
        r = await c.post(
            f"/api/v2.1/org/{org}/admin/users/",
            headers=h,
            data={"email": "new@example.com", "password": "x", "name": "New"},
        )
        assert r.status_code == 200
        new_email = r.json()["email"]
        users = (await c.get(f"/api/v2.1/org/{org}/admin/users/", headers=h)).json()
        assert {u["contact_email"] for u in users["user_list"]} == {
            "boss@example.com",
            "new@example.com",
        }
        assert (
            "dtable_list" in (await c.get(f"/api/v2.1/org/{org}/admin/dtables/", headers=h)).json()
        )
        r = await c.post(
            f"/api/v2.1/org/{org}/admin/groups/{group}/members/",
            headers=h,
            data={"user_id": [new_email, new_email, "x@auth.local"]},
        )
        body = r.json()
        assert len(body["success"]) == 1
        assert len(body["failed"]) == 2
        assert "already a group member" in body["failed"][0]["error_msg"]
        r = await c.get(f"/api/v2.1/org/{org}/admin/users/", headers=auth(plain.account_token))
        assert (r.status_code, r.json()) == (403, {"error_msg": "Permission denied."})
        r = await c.get(f"/api/v2.1/org/{org + 1}/admin/users/", headers=h)
        assert r.status_code == 403


async def test_system_admin() -> None:
    s = make()
    root = s.emu.add_user("root@example.com", "pw", role="system_admin")
    h = auth(root.account_token)
    async with client(s.emu) as c:
        r = await c.get("/api/v2.1/admin/users/", headers=auth(s.user.account_token))
        assert (r.status_code, r.json()) == (403, {"error_msg": "Permission denied."})
        users = (await c.get("/api/v2.1/admin/users/", headers=h)).json()
        assert users["total_count"] == 2
        r = await c.post(
            "/api/v2.1/admin/users/", headers=h, data={"email": "x@example.com", "password": "p"}
        )
        assert r.status_code == 200
        assert (await c.get("/api/v2.1/admin/dtables/", headers=h)).json()["count"] == 1
        r = await c.post(
            "/api/v2.1/admin/organizations/",
            headers=h,
            data={
                "org_name": "ACME",
                "admin_email": "acme@example.com",
                "password": "p",
                "with_workspace": "true",
            },
        )
        assert isinstance(r.json()["org_id"], int)
        orgs = (await c.get("/api/v2.1/admin/organizations/", headers=h)).json()
        assert orgs["organizations"][0]["org_name"] == "ACME"
        info = (await c.get("/api/v2.1/admin/sysinfo/", headers=h)).json()
        assert info["version"] == "6.0.10"
        assert info["dtables_count"] == 1
        r = await c.delete(f"/api/v2.1/admin/dtable/{s.base.uuid}/", headers=h)
        assert r.json() == {"success": True}
        assert (await c.get("/api/v2.1/admin/dtables/", headers=h)).json()["count"] == 0
