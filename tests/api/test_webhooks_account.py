"""``Account.list_webhooks``/``create_webhook``/``update_webhook``/``delete_webhook``.

Shapes: the old API manual's "Webhooks" page and the v5.0 spec (``{"webhook_list": …}``,
``{"webhook": …}`` answered 200 (openapi ``tests/API_ISSUES.md`` #14), form fields ``url``
and ``secret``, ``settings`` absent without a secret), reference §8b; then the same calls
against the emulator, whose routes follow those shapes.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator
from tests.api.mockserver import ACCOUNT_TOKEN, SERVER, MockServer, reply

pytestmark = pytest.mark.anyio

HOOKS = "/api/v2.1/workspace/1/dtable/My%20Base/webhooks/"
HOOK = {
    "id": 15,
    "dtable_uuid": "626e40fa76304a4fb7641b71efab4795",
    "url": "http://www.example.com",
    "creator": "5758ecdce3e741ad81293a304b6d3388@auth.local",
    "created_at": "2020-09-24T10:10:59.473003",
    "settings": {"secret": "123456"},
}
PLAIN = {k: v for k, v in HOOK.items() if k != "settings"} | {"id": 12}


async def run(server: MockServer, fn: Any) -> Any:
    async with sa.Client(SERVER, transport=server.transport()) as client:
        return await fn(client.account(ACCOUNT_TOKEN))


async def test_list_keeps_secrets_out_of_sight() -> None:
    server = MockServer()
    server.on(
        "GET", "/api/v2.1/workspace/1/dtable/My Base/webhooks/", {"webhook_list": [HOOK, PLAIN]}
    )
    hooks = await run(server, lambda a: a.list_webhooks(1, "My Base"))
    assert server.requests[-1].raw_path == HOOKS
    assert [h.id for h in hooks] == [15, 12]
    secret, plain = hooks
    assert isinstance(secret, sa.Webhook)
    assert secret.secret is not None and secret.secret.get_secret() == "123456"
    assert plain.secret is None
    assert "123456" not in repr(hooks) and "123456" not in str(secret.raw)
    assert secret.settings == {}


async def test_create_sends_a_form_and_reads_the_200() -> None:
    server = MockServer()
    path = "/api/v2.1/workspace/1/dtable/My Base/webhooks/"
    server.on("POST", path, {"webhook": HOOK})
    hook = await run(
        server, lambda a: a.create_webhook(1, "My Base", "http://www.example.com", "123456")
    )
    assert hook.id == 15 and hook.url == "http://www.example.com"
    (call,) = server.calls("POST", path)
    assert call.form() == {"url": ["http://www.example.com"], "secret": ["123456"]}
    server.on("POST", path, {"webhook": PLAIN})
    await run(server, lambda a: a.create_webhook(1, "My Base", "https://x.example/h"))
    assert server.calls("POST", path)[-1].form() == {"url": ["https://x.example/h"]}


async def test_update_keeps_what_is_not_given() -> None:
    server = MockServer()
    base = "/api/v2.1/workspace/1/dtable/My Base/webhooks/"
    server.on("GET", base, {"webhook_list": [HOOK]})
    server.on("PUT", base + "15/", lambda r: reply({"webhook": HOOK}))
    await run(server, lambda a: a.update_webhook(1, "My Base", 15, url="https://new.example"))
    assert server.calls("PUT")[-1].form() == {"url": ["https://new.example"], "secret": ["123456"]}
    await run(server, lambda a: a.update_webhook(1, "My Base", 15, secret="654321"))
    assert server.calls("PUT")[-1].form() == {
        "url": ["http://www.example.com"],
        "secret": ["654321"],
    }
    reads = len(server.calls("GET", base))
    await run(server, lambda a: a.update_webhook(1, "My Base", 15, "https://a.example", "s"))
    assert len(server.calls("GET", base)) == reads  # both given: no read first
    with pytest.raises(sa.NotFoundError, match="webhook 99 not found"):
        await run(server, lambda a: a.update_webhook(1, "My Base", 99))


async def test_delete_and_server_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = MockServer()
    base = "/api/v2.1/workspace/1/dtable/My Base/webhooks/"
    server.on("DELETE", base + "15/", {"success": True})
    assert await run(server, lambda a: a.delete_webhook(1, "My Base", 15)) is None
    server.on("POST", base, {"error_msg": "Webhook exists."}, 409)
    with pytest.raises(sa.APIError) as info:
        await run(
            server, lambda a: a.create_webhook(1, "My Base", "http://www.example.com", "topsecret")
        )
    assert info.value.status == 409 and "Webhook exists." in str(info.value)
    assert "topsecret" not in str(info.value) and "topsecret" not in caplog.text
    server.on("GET", base, {"webhooks": []})
    with pytest.raises(sa.ResponseFormatError, match="webhook_list"):
        await run(server, lambda a: a.list_webhooks(1, "My Base"))
    server.on("GET", base, {"webhook_list": [{**HOOK, "settings": {"secret": 5}}]})
    with pytest.raises(sa.ResponseFormatError, match="secret"):
        await run(server, lambda a: a.list_webhooks(1, "My Base"))


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.create_webhook(1, "B", "ftp://example.com"),
        lambda a: a.create_webhook(1, "B", "example.com/hook"),
        lambda a: a.create_webhook(1, "B", "https://x.example", secret=5),
        lambda a: a.create_webhook(-1, "B", "https://x.example"),
        lambda a: a.list_webhooks(1, ""),
        lambda a: a.update_webhook(1, "B", 0, url="https://x.example", secret="s"),
        lambda a: a.delete_webhook(1, "B", "15"),
    ],
)
async def test_bad_arguments_fail_before_any_request(call: Any) -> None:
    server = MockServer()
    with pytest.raises(sa.ConfigurationError):
        await run(server, call)
    assert server.requests == []


async def test_against_the_emulator() -> None:
    emu = Emulator()
    emu.add_user("owner@example.com", "pw")
    base = emu.add_base("owner@example.com", "My Base")
    async with sa.Client("http://127.0.0.1", transport=emu.transport()) as client:
        account = await client.login("owner@example.com", "pw")
        ws = base.workspace_id
        made = await account.create_webhook(ws, "My Base", "http://127.0.0.1:9/a", "k e y")
        assert made.secret is not None and made.secret.get_secret() == "k e y"
        assert made.dtable_uuid == base.uuid
        with pytest.raises(sa.APIError) as info:
            await account.create_webhook(ws, "My Base", "http://127.0.0.1:9/a")
        assert info.value.status == 409
        moved = await account.update_webhook(ws, "My Base", made.id, url="http://127.0.0.1:9/b")
        assert moved.url.endswith("/b") and moved.secret == made.secret
        assert [h.url for h in await account.list_webhooks(ws, "My Base")] == [moved.url]
        await account.delete_webhook(ws, "My Base", made.id)
        assert await account.list_webhooks(ws, "My Base") == []
        with pytest.raises(sa.NotFoundError):
            await account.delete_webhook(ws, "My Base", made.id)
