"""Account-Token operations against documented response shapes (MockTransport)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import seatable_async as sa
from tests.api.mockserver import ACCOUNT_TOKEN, SERVER, MockServer, reply

pytestmark = pytest.mark.anyio

WS = "/api/v2.1/workspace/1/dtable/Demo"
TOKEN_OBJ = {
    "app_name": "importer",
    "api_token": "1234567f17157cd6c41fdb202813f8d9a9fi3yr7",
    "generated_by": "abc@auth.local",
    "generated_at": "2021-03-02T09:47:41+00:00",
    "last_access": "2021-03-02T09:47:41+00:00",
    "permission": "rw",
}
ACCOUNT_INFO = {
    "org_id": 4,
    "is_org_staff": 0,
    "space_usage": "0.12%",
    "total": 100000000000,
    "usage": 121974751,
    "row_usage_rate": "0%",
    "row_total": -1,
    "row_usage": 88,
    "avatar_url": "https://cloud.seatable.io/media/avatars/default.png",
    "email": "7fhe63g949b946a3b200555db5de1d23@auth.local",
    "name": "Robert Teamplayer",
    "login_id": "",
    "contact_email": "teamplayer@example.com",
    "institution": "",
    "is_staff": False,
}


async def run(server: MockServer, fn: Any) -> Any:
    async with sa.Client(SERVER, transport=server.transport()) as client:
        return await fn(client.account(ACCOUNT_TOKEN))


async def test_info_and_bearer_header() -> None:
    server = MockServer()
    server.on("GET", "/api2/account/info/", ACCOUNT_INFO)
    info = await run(server, lambda a: a.info())
    assert isinstance(info, sa.AccountInfo)
    assert info.org_id == 4
    assert info.contact_email == "teamplayer@example.com"
    assert info.raw["row_usage"] == 88
    assert server.requests[0].headers["authorization"] == f"Bearer {ACCOUNT_TOKEN}"


async def test_info_without_team_and_malformed() -> None:
    server = MockServer()
    body = {k: v for k, v in ACCOUNT_INFO.items() if k not in ("org_id", "is_org_staff")}
    server.on("GET", "/api2/account/info/", body)
    info = await run(server, lambda a: a.info())
    assert info.org_id is None
    assert info.is_org_staff is False
    server.on("GET", "/api2/account/info/", {"name": "no email"})
    with pytest.raises(sa.ResponseFormatError):
        await run(server, lambda a: a.info())
    server.on("GET", "/api2/account/info/", ["not", "an", "object"])
    with pytest.raises(sa.ResponseFormatError):
        await run(server, lambda a: a.info())


async def test_invalid_account_token() -> None:
    server = MockServer()
    server.on("GET", "/api2/account/info/", {"detail": "Invalid token"}, 401)
    with pytest.raises(sa.AuthenticationError) as info:
        await run(server, lambda a: a.info())
    assert "Invalid token" in str(info.value)
    assert ACCOUNT_TOKEN not in str(info.value)


async def test_workspaces() -> None:
    base = {
        "id": 360,
        "workspace_id": 205,
        "uuid": "u-1",
        "name": "Project Tracker",
        "creator": "x",
        "modifier": "x",
        "created_at": "2020-11-18T12:45:06+00:00",
        "updated_at": "2020-11-18T12:45:06+00:00",
        "color": None,
        "text_color": None,
        "icon": None,
        "starred": False,
    }
    server = MockServer()
    server.on(
        "GET",
        "/api/v2.1/workspaces/",
        {
            "workspace_list": [
                {"id": 1, "name": "personal", "type": "personal", "table_list": []},
                {
                    "id": 205,
                    "type": "group",
                    "group_id": 48,
                    "group_owner": "g",
                    "group_admins": [],
                    "table_list": [base],
                },
                {"id": "", "type": "starred", "table_list": []},
                {
                    "id": "",
                    "type": "shared",
                    "shared_table_list": [{**base, "id": 9, "name": "S"}],
                    "shared_view_list": [],
                },
            ]
        },
    )
    spaces = await run(server, lambda a: a.workspaces())
    assert [w.type for w in spaces] == ["personal", "group", "starred", "shared"]
    assert spaces[1].id == 205
    assert spaces[1].group_id == 48
    assert spaces[1].bases[0] == sa.BaseSummary(
        id=360,
        workspace_id=205,
        uuid="u-1",
        name="Project Tracker",
        creator="x",
        created_at="2020-11-18T12:45:06+00:00",
        updated_at="2020-11-18T12:45:06+00:00",
    )
    assert spaces[2].id is None
    assert spaces[3].bases[0].name == "S"
    server.on("GET", "/api/v2.1/workspaces/", {"workspace_list": [{"table_list": [{"id": 1}]}]})
    with pytest.raises(sa.ResponseFormatError):
        await run(server, lambda a: a.workspaces())


async def test_create_base_multipart_and_maybe_applied() -> None:
    server = MockServer()
    server.on(
        "POST",
        "/api/v2.1/dtables/",
        {
            "table": {
                "id": 500,
                "workspace_id": 1,
                "uuid": "u-2",
                "name": "Example 2",
                "created_at": "2021-01-01T00:00:00+00:00",
                "updated_at": "2021-01-01T00:00:00+00:00",
                "color": "#E91E63",
                "text_color": None,
                "icon": "x",
                "is_encrypted": False,
                "in_storage": True,
            }
        },
        201,
    )
    created = await run(server, lambda a: a.create_base("Example 2", workspace_id=1))
    assert created.uuid == "u-2"
    assert created.workspace_id == 1
    request = server.requests[0]
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="name"' in request.body
    assert b"Example 2" in request.body
    assert b'name="workspace_id"' in request.body

    server = MockServer()
    server.on("POST", "/api/v2.1/dtables/", {"error_msg": "Internal Server Error"}, 500)
    with pytest.raises(sa.MaybeAppliedError):
        await run(server, lambda a: a.create_base("X", workspace_id=1))
    assert len(server.requests) == 1  # not replayed


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("", 1), "name"),
        (("a/b", 1), "/"),
        (("ok", -1), "workspace_id"),
        (("ok", "1"), "workspace"),
    ],
)
async def test_create_base_validation_sends_nothing(args: tuple[Any, Any], what: str) -> None:
    server = MockServer()
    with pytest.raises(sa.ConfigurationError, match=what):
        await run(server, lambda a: a.create_base(args[0], workspace_id=args[1]))
    assert server.requests == []


async def test_delete_base_and_not_found() -> None:
    server = MockServer()
    server.on("DELETE", "/api/v2.1/workspace/1/dtable/", {"success": True})
    await run(server, lambda a: a.delete_base(1, "My base"))
    assert server.requests[0].form() == {"name": ["My base"]}
    server.on("DELETE", "/api/v2.1/workspace/1/dtable/", {"error_msg": "dtable x not found."}, 404)
    with pytest.raises(sa.NotFoundError, match="not found"):
        await run(server, lambda a: a.delete_base(1, "x"))


async def test_collaborators_and_quoted_base_name() -> None:
    server = MockServer()
    path = "/api/v2.1/workspace/1/dtable/Q3 plan/é/related-users/"
    server.on(
        "GET",
        path,
        {
            "user_list": [
                {"email": "a@auth.local", "name": "Ginger Ale", "avatar_url": "https://x/a.png"}
            ]
        },
    )
    users = await run(server, lambda a: a.collaborators(1, "Q3 plan/é"))
    assert users == [sa.User(email="a@auth.local", name="Ginger Ale", avatar_url="https://x/a.png")]
    assert server.requests[0].raw_path == (
        "/api/v2.1/workspace/1/dtable/Q3%20plan%2F%C3%A9/related-users/"
    )


async def test_list_api_tokens_hides_secret() -> None:
    server = MockServer()
    server.on("GET", f"{WS}/api-tokens/", {"api_tokens": [TOKEN_OBJ]})
    tokens = await run(server, lambda a: a.list_api_tokens(1, "Demo"))
    assert len(tokens) == 1
    token = tokens[0]
    assert token.app_name == "importer"
    assert token.permission == "rw"
    assert token.api_token.get_secret() == TOKEN_OBJ["api_token"]
    assert TOKEN_OBJ["api_token"] not in repr(token) + str(token) + repr(tokens)
    server.on("GET", f"{WS}/api-tokens/", {"api_tokens": [{"app_name": "x", "permission": "r"}]})
    with pytest.raises(sa.ResponseFormatError):
        await run(server, lambda a: a.list_api_tokens(1, "Demo"))
    server.on("GET", f"{WS}/api-tokens/", {"error_msg": "dtable Demo not found."}, 404)
    with pytest.raises(sa.NotFoundError):
        await run(server, lambda a: a.list_api_tokens(1, "Demo"))


async def test_create_api_token() -> None:
    server = MockServer()
    server.on("POST", f"{WS}/api-tokens/", {**TOKEN_OBJ, "permission": "r"}, 201)
    token = await run(server, lambda a: a.create_api_token(1, "Demo", "importer", "r"))
    assert token.permission == "r"
    assert server.requests[0].form() == {"app_name": ["importer"], "permission": ["r"]}
    server.on("POST", f"{WS}/api-tokens/", {"error_msg": "api token already exist."}, 400)
    with pytest.raises(sa.BadRequestError, match="already exist"):
        await run(server, lambda a: a.create_api_token(1, "Demo", "importer"))
    server.on("POST", f"{WS}/api-tokens/", {"error_msg": "Permission denied."}, 403)
    with pytest.raises(sa.PermissionDeniedError):
        await run(server, lambda a: a.create_api_token(1, "Demo", "importer"))


@pytest.mark.parametrize(
    ("app_name", "permission"),
    [
        ("importer", "w"),
        ("importer", ""),
        ("importer", "RW"),
        ("", "rw"),
        ("a/b", "rw"),
        (" padded ", "rw"),
        (None, "rw"),
    ],
)
async def test_api_token_validation_sends_nothing(app_name: Any, permission: str) -> None:
    server = MockServer()
    with pytest.raises(sa.ConfigurationError):
        await run(server, lambda a: a.create_api_token(1, "Demo", app_name, permission))
    with pytest.raises(sa.ConfigurationError):
        await run(server, lambda a: a.update_api_token(1, "Demo", app_name, permission))
    assert server.requests == []


async def test_update_and_delete_api_token() -> None:
    server = MockServer()
    server.on(
        "PUT", f"{WS}/api-tokens/my app/", {**TOKEN_OBJ, "app_name": "my app", "permission": "r"}
    )
    token = await run(server, lambda a: a.update_api_token(1, "Demo", "my app", "r"))
    assert token.permission == "r"
    assert server.requests[0].raw_path == f"{WS}/api-tokens/my%20app/"
    assert server.requests[0].form() == {"permission": ["r"]}
    server.on("PUT", f"{WS}/api-tokens/my app/", {"error_msg": "api token not found."}, 404)
    with pytest.raises(sa.NotFoundError):
        await run(server, lambda a: a.update_api_token(1, "Demo", "my app", "r"))
    server.on("DELETE", f"{WS}/api-tokens/my app/", {"success": True})
    assert await run(server, lambda a: a.delete_api_token(1, "Demo", "my app")) is None
    server.on("DELETE", f"{WS}/api-tokens/my app/", {"error_msg": "api token not found."}, 404)
    with pytest.raises(sa.NotFoundError):
        await run(server, lambda a: a.delete_api_token(1, "Demo", "my app"))


async def test_temp_api_token() -> None:
    server = MockServer()
    server.on("GET", f"{WS}/temp-api-token/", {"api_token": "eyJhbGciOi.eyJleHAi.sig"})
    secret = await run(server, lambda a: a.temp_api_token(1, "Demo"))
    assert secret.get_secret() == "eyJhbGciOi.eyJleHAi.sig"
    assert "eyJ" not in repr(secret)
    server.on("GET", f"{WS}/temp-api-token/", {"error_msg": "Permission denied."}, 403)
    with pytest.raises(sa.PermissionDeniedError):
        await run(server, lambda a: a.temp_api_token(1, "Demo"))


# -- team admin ---------------------------------------------------------------------------------

ORG = "/api/v2.1/org/4/admin"
TEAM_USER = {
    "email": "u1@auth.local",
    "name": "U1",
    "contact_email": "u1@example.com",
    "quota_usage": 0,
    "quota_total": -2,
    "id_in_org": "",
    "last_login": None,
    "id": 3,
    "is_active": True,
    "ctime": "2021-01-01T00:00:00+00:00",
    "self_usage": 0,
    "quota": -2,
    "is_org_admin": False,
}


async def test_team_admin_operations() -> None:
    server = MockServer()
    server.on("GET", f"{ORG}/users/", {"user_list": [TEAM_USER], "page_info": {}})
    server.on("POST", f"{ORG}/users/", TEAM_USER)
    server.on(
        "GET",
        f"{ORG}/dtables/",
        {
            "dtable_list": [
                {
                    "id": 1,
                    "name": "B",
                    "uuid": "u-3",
                    "owner": "testgroup (group)",
                    "rows_count": 46,
                    "workspace_id": 2,
                }
            ]
        },
    )
    server.on(
        "POST",
        f"{ORG}/groups/5/members/",
        {
            "failed": [
                {
                    "email": "u2@auth.local",
                    "error_msg": "User Jasmin Tee is already a group member.",
                }
            ],
            "success": [
                {
                    "group_id": 5,
                    "name": "U1",
                    "email": "u1@auth.local",
                    "contact_email": "",
                    "login_id": "",
                    "is_admin": False,
                    "role": "Member",
                }
            ],
        },
    )

    async def go(account: sa.Account) -> Any:
        team = account.team_admin(4)
        users = await team.list_users(page=2, per_page=10)
        added = await team.add_user("u1@example.com", "U1", "pw")
        bases = await team.list_bases()
        members = await team.add_group_members(5, ["u1@auth.local", "u2@auth.local"])
        return users, added, bases, members

    users, added, bases, members = await run(server, go)
    assert users[0].email == "u1@auth.local"
    assert users[0].is_org_admin is False
    assert server.requests[0].params == {"page": "2", "per_page": "10"}
    assert added.contact_email == "u1@example.com"
    assert server.requests[1].form() == {
        "email": ["u1@example.com"],
        "name": ["U1"],
        "password": ["pw"],
    }
    assert bases[0].rows_count == 46
    assert bases[0].owner == "testgroup (group)"
    assert members.added == ["u1@auth.local"]
    assert "already" in members.failed["u2@auth.local"]
    body = server.requests[3].body
    assert body.count(b'name="user_id"') == 2


async def test_admin_calls_by_plain_user_are_permission_denied() -> None:
    server = MockServer()
    denied = {"error_msg": "Permission denied."}
    for method, path in [
        ("GET", f"{ORG}/users/"),
        ("GET", "/api/v2.1/admin/users/"),
        ("GET", "/api/v2.1/admin/sysinfo/"),
        ("GET", "/api/v2.1/admin/organizations/"),
    ]:
        server.on(method, path, denied, 403)
    with pytest.raises(sa.PermissionDeniedError):
        await run(server, lambda a: a.team_admin(4).list_users())
    with pytest.raises(sa.PermissionDeniedError):
        await run(server, lambda a: a.system_admin().list_users())
    with pytest.raises(sa.PermissionDeniedError):
        await run(server, lambda a: a.system_admin().sysinfo())
    with pytest.raises(sa.PermissionDeniedError):
        await run(server, lambda a: a.system_admin().list_teams())


async def test_admin_validation_sends_nothing() -> None:
    server = MockServer()

    async def go(account: sa.Account) -> None:
        with pytest.raises(sa.ConfigurationError):
            account.team_admin(0)
        team = account.team_admin(4)
        with pytest.raises(sa.ConfigurationError):
            await team.list_users(page=0)
        with pytest.raises(sa.ConfigurationError):
            await team.add_user("not-an-email", "n", "pw")
        with pytest.raises(sa.ConfigurationError):
            await team.add_group_members(5, "u@auth.local")  # type: ignore[arg-type]
        admin = account.system_admin()
        with pytest.raises(sa.ConfigurationError):
            await admin.add_user("a@b.c", "n", "")
        with pytest.raises(sa.ConfigurationError):
            await admin.delete_base("")
        with pytest.raises(sa.ConfigurationError):
            await admin.add_team("", "a@b.c", "pw")

    await run(server, go)
    assert server.requests == []


async def test_system_admin_operations() -> None:
    server = MockServer()
    admin_user = {
        "email": "a@auth.local",
        "name": "A",
        "contact_email": "a@example.com",
        "login_id": "",
        "is_staff": True,
        "is_active": True,
        "create_time": "2021-01-01T00:00:00+00:00",
        "last_login": None,
        "role": "default",
        "storage_usage": 0,
        "rows_count": 0,
    }
    server.on("GET", "/api/v2.1/admin/users/", {"data": [admin_user], "total_count": 2000})
    server.on("POST", "/api/v2.1/admin/users/", {**admin_user, "is_staff": False})
    server.on(
        "GET",
        "/api/v2.1/admin/dtables/",
        {"dtables": [{"id": 1, "name": "B", "uuid": "u-4", "owner": "A", "rows_count": 3}]},
    )
    server.on("DELETE", "/api/v2.1/admin/dtable/u-4/", {"success": True})
    server.on(
        "GET",
        "/api/v2.1/admin/organizations/",
        {"organizations": [{"org_id": 9, "org_name": "Team", "creator_email": "x"}]},
    )
    server.on("POST", "/api/v2.1/admin/organizations/", {"org_id": 10})
    server.on(
        "GET",
        "/api/v2.1/admin/sysinfo/",
        {
            "version": "6.0.10",
            "users_count": 3,
            "org_count": 1,
            "dtables_count": 4,
            "is_pro": True,
            "with_license": True,
        },
    )

    async def go(account: sa.Account) -> Any:
        admin = account.system_admin()
        return (
            await admin.list_users(),
            await admin.add_user("n@example.com", "N", "pw"),
            await admin.list_bases(),
            await admin.delete_base("u-4"),
            await admin.list_teams(),
            await admin.add_team("New", "boss@example.com", "pw"),
            await admin.sysinfo(),
        )

    users, added, bases, deleted, teams, team, info = await run(server, go)
    assert users[0].is_staff is True
    assert added.is_staff is False
    assert bases[0].uuid == "u-4"
    assert deleted is None
    assert teams == [sa.Team(org_id=9, org_name="Team")]
    assert team.org_id == 10
    assert team.org_name == "New"
    assert server.calls("POST", "/api/v2.1/admin/organizations/")[0].form()["admin_email"] == [
        "boss@example.com"
    ]
    assert info.version == "6.0.10"
    assert info.dtables_count == 4


async def test_account_base_name_validation() -> None:
    async with sa.Client(SERVER, transport=httpx.MockTransport(lambda r: reply({}))) as client:
        account = client.account(ACCOUNT_TOKEN)
        with pytest.raises(sa.ConfigurationError):
            account.base(1, " ")
        with pytest.raises(sa.ConfigurationError):
            account.base(True, "Demo")  # type: ignore[arg-type]
