"""The emulator's webhooks: the account routes that manage them and the deliveries.

Recorded behaviour relied on (reference §8b): the routes and their answers (old API manual,
"Webhooks"; v5.0 spec; create answers 200, not 201: openapi ``tests/API_ISSUES.md`` #14;
409 ``Webhook exists.``, 404 ``Webhook not found.``); ``dtable-events`` posting one
``{"event": "update", "data": …}`` per row change with ``requests.post(json=…,
timeout=30)``, no retry, non-2xx or an exception recorded as a failed job
(``dtable_events/webhook/``); the signature ``sha256=HMAC(secret, body)`` (help page "The
secret key of a webhook") or, on old servers, ``sha1(secret)``; invalid after five failures
in a row, valid again when saved (help page "Deactivation of a webhook in case of errors").
The signatures are checked here with ``hmac``/``hashlib`` directly, not with the SDK.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from typing import Any

import anyio
import httpx
import pytest

from seatable_async.emulator import serve_app
from tests.emulator.emu_helpers import Setup, auth, client, make

pytestmark = pytest.mark.anyio

SECRET = "hook secret"


class Sink:
    """A plain ASGI app recording what it is sent; answers ``status``; while ``hold`` is
    clear, requests wait (unanswered) until it is set."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.arrived = threading.Semaphore(0)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append((headers, b"".join(chunks)))
        self.arrived.release()
        await asyncio.to_thread(self.hold.wait)
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def datas(self) -> list[dict[str, Any]]:
        return [json.loads(body)["data"] for _, body in self.requests]


async def flush(s: Setup) -> None:
    assert await anyio.to_thread.run_sync(s.emu.webhooks.flush, 60.0)


def hooks_path(s: Setup, suffix: str = "") -> str:
    return f"/api/v2.1/workspace/{s.base.workspace_id}/dtable/Demo/webhooks/{suffix}"


async def test_the_account_routes() -> None:
    s = make()
    token = s.user.account_token
    async with client(s.emu) as c:
        created = await c.post(
            hooks_path(s),
            data={"url": "http://127.0.0.1:9/h", "secret": SECRET},
            headers=auth(token),
        )
        assert created.status_code == 200  # not 201 (ISSUES #14)
        hook = created.json()["webhook"]
        assert set(hook) == {"id", "dtable_uuid", "url", "creator", "created_at", "settings"}
        assert hook["settings"] == {"secret": SECRET}
        assert (hook["url"], hook["dtable_uuid"], hook["creator"]) == (
            "http://127.0.0.1:9/h",
            s.base.uuid,
            s.user.email,
        )
        plain = await c.post(
            hooks_path(s), data={"url": "https://example.com/x"}, headers=auth(token)
        )
        assert "settings" not in plain.json()["webhook"]
        again = await c.post(
            hooks_path(s), data={"url": "https://example.com/x"}, headers=auth(token)
        )
        assert (again.status_code, again.json()) == (409, {"error_msg": "Webhook exists."})
        for bad in ({}, {"url": "ftp://example.com"}, {"url": "example.com/x"}):
            assert (await c.post(hooks_path(s), data=bad, headers=auth(token))).status_code == 400

        listed = (await c.get(hooks_path(s), headers=auth(token))).json()["webhook_list"]
        assert [h["id"] for h in listed] == [hook["id"], plain.json()["webhook"]["id"]]

        one = hooks_path(s, f"{hook['id']}/")
        changed = await c.put(one, data={"url": "http://127.0.0.1:9/new"}, headers=auth(token))
        assert changed.json()["webhook"]["url"] == "http://127.0.0.1:9/new"
        assert "settings" not in changed.json()["webhook"]  # a PUT without secret drops it
        assert (await c.put(one, data={}, headers=auth(token))).status_code == 400
        assert (await c.delete(one, headers=auth(token))).json() == {"success": True}
        gone = await c.delete(one, headers=auth(token))
        assert (gone.status_code, gone.json()) == (404, {"error_msg": "Webhook not found."})
        assert (
            await c.put(hooks_path(s, "x/"), data={"url": "http://a.b"}, headers=auth(token))
        ).status_code == 404

        other = s.emu.add_user("bob@example.com", "pw")
        denied = await c.get(hooks_path(s), headers=auth(other.account_token))
        assert denied.status_code in (403, 404)
        assert (await c.get(hooks_path(s))).status_code == 403
        assert (await c.get(hooks_path(s).rstrip("/"), headers=auth(token))).status_code == 301


async def test_each_row_change_is_posted_signed_in_the_recorded_shape() -> None:
    s = make()
    s.emu.webhooks.senders = 1  # requests in the order of the changes (two threads may swap)
    sink = Sink()
    async with serve_app(sink) as url, s.emu.serve() as api:
        s.emu.add_webhook(s.base, url + "/signed", secret=SECRET)
        s.emu.add_webhook(s.base, url + "/plain")
        async with httpx.AsyncClient(base_url=api) as c:
            r = await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
            token = r.json()["access_token"]
            rows = f"/api-gateway/api/v2/dtables/{s.base.uuid}/rows/"
            added = await c.post(
                rows,
                json={"table_name": "Table1", "rows": [{"Name": "a", "Age": 1}, {"Name": "b"}]},
                headers=auth(token),
            )
            ids = [
                r["_id"]
                for r in (
                    await c.get(rows, params={"table_name": "Table1"}, headers=auth(token))
                ).json()["rows"]
            ]
            assert added.status_code == 200
            await c.put(
                rows,
                json={"table_name": "Table1", "updates": [{"row_id": ids[0], "row": {"Age": 5}}]},
                headers=auth(token),
            )
            await c.request(
                "DELETE",
                rows,
                json={"table_name": "Table1", "row_ids": [ids[1]]},
                headers=auth(token),
            )
        await flush(s)
    assert len(sink.requests) == 2 * 4  # 2 inserts, 1 update, 1 delete, to both webhooks
    by_path: dict[str, list[tuple[dict[str, str], bytes]]] = {}
    for headers, body in sink.requests:
        by_path.setdefault("signed" if "x-seatable-signature" in headers else "plain", []).append(
            (headers, body)
        )
    assert len(by_path["signed"]) == len(by_path["plain"]) == 4
    for headers, body in by_path["signed"]:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-seatable-signature"] == f"sha256={expected}"
        assert headers["content-type"] == "application/json"
        assert body == json.dumps(json.loads(body)).encode()  # requests' json= encoding
    datas = [json.loads(b)["data"] for _, b in by_path["signed"]]
    assert all(json.loads(b)["event"] == "update" for _, b in by_path["signed"])
    assert [(d["op_type"], d["row_id"]) for d in datas] == [
        ("insert_row", ids[0]),
        ("insert_row", ids[1]),
        ("modify_row", ids[0]),
        ("delete_row", ids[1]),
    ]
    keys = {
        "dtable_uuid",
        "row_id",
        "op_user",
        "op_type",
        "op_time",
        "table_id",
        "table_name",
        "row_name",
        "row_data",
    }
    assert all(set(d) == keys for d in datas)
    insert, modify, delete = datas[0], datas[2], datas[3]
    assert insert["dtable_uuid"] == s.base.uuid and insert["table_name"] == "Table1"
    assert insert["row_name"] == "a" and isinstance(insert["op_time"], float)
    assert {c["column_name"]: c["value"] for c in insert["row_data"]} == {"Name": "a", "Age": 1}
    (cell,) = modify["row_data"]
    assert (cell["column_name"], cell["value"], cell["old_value"]) == ("Age", 5, 1)
    assert set(cell) == {
        "column_key",
        "column_name",
        "column_type",
        "column_data",
        "value",
        "old_value",
    }
    assert modify["op_user"] == insert["op_user"] != ""
    assert {c["column_name"]: c["old_value"] for c in delete["row_data"]} == {"Name": "b"}
    assert s.emu.stats.webhooks["delivered"] == 8 and s.emu.stats.webhooks["failed"] == 0


async def test_link_changes_name_both_rows() -> None:
    s = make()
    emu = s.emu
    base = emu.add_base(
        "alice@example.com",
        "Links",
        tables={
            "Projects": {
                "Name": "text",
                "Tasks": {"type": "link", "data": {"other_table": "Tasks"}},
            },
            "Tasks": {"Name": "text"},
        },
    )
    token = emu.add_api_token(base, "linker")
    emu.webhooks.senders = 1  # requests in the order of the changes (two threads may swap)
    sink = Sink()
    import seatable_async as sa

    async with serve_app(sink) as url:
        async with sa.Client("http://127.0.0.1", transport=emu.transport()) as sdk:
            b = sdk.base(token)
            [p] = await b.append_rows("Projects", [{"Name": "P"}])
            t = await b.append_rows("Tasks", [{"Name": "T1"}, {"Name": "T2"}])
            emu.add_webhook(base, url)
            await b.links.add("Projects", "Tasks", {p: t})
            await b.links.remove("Projects", "Tasks", {p: [t[0]]})
        await flush(s)
    datas = sink.datas()
    assert [(d["op_type"], d["table1_row_id"], d["table2_row_id"]) for d in datas] == [
        ("add_link", p, t[0]),
        ("add_link", p, t[1]),
        ("remove_link", p, t[0]),
    ]
    first = datas[0]
    assert (first["table1_name"], first["table2_name"]) == ("Projects", "Tasks")
    assert first["row_data1"][0]["column_type"] == "link"
    assert first["row_data1"][0]["value"] == t
    assert datas[2]["row_data1"][0]["value"] == [t[1]]
    assert datas[2]["row_data2"][0]["old_value"] == [p]


async def test_old_servers_sign_with_the_sha1_of_the_secret() -> None:
    s = make()
    s.emu.webhooks.signature = "sha1"
    sink = Sink()
    async with serve_app(sink) as url:
        s.emu.add_webhook(s.base, url, secret=SECRET)
        async with client(s.emu) as c:
            await _append(c, s, 1)
        await flush(s)
    ((headers, _),) = sink.requests
    assert headers["x-seatable-signature"] == hashlib.sha1(SECRET.encode()).hexdigest()


async def _append(c: httpx.AsyncClient, s: Setup, n: int) -> None:
    r = await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
    token = r.json()["access_token"]
    rows = [{"Name": f"r{i}"} for i in range(n)]
    answer = await c.post(
        f"/api-gateway/api/v2/dtables/{s.base.uuid}/rows/",
        json={"table_name": "Table1", "rows": rows},
        headers=auth(token),
    )
    assert answer.status_code == 200


async def test_failures_are_not_retried_and_five_in_a_row_invalidate() -> None:
    s = make()
    s.emu.webhooks.senders = 1  # one at a time: none in flight when the fifth fails
    sink = Sink(status=500)
    async with serve_app(sink) as url:
        hook = s.emu.add_webhook(s.base, url, secret=SECRET)
        async with client(s.emu) as c:
            await _append(c, s, 7)
            await flush(s)
            assert len(sink.requests) == 5  # once each, then the webhook is invalid
            assert not hook.valid
            stats = s.emu.stats.webhooks
            assert (stats["failed"], stats["invalidated"], stats["skipped_invalid"]) == (5, 1, 2)
            failure = s.emu.webhooks.failures[0]
            assert (failure.webhook_id, failure.status, failure.error) == (hook.id, 500, "HTTP 500")
            assert json.loads(failure.body)["data"]["op_type"] == "insert_row"
            # Saving the webhook again makes it valid (the help page's advice).
            sink.status = 200
            put = await c.put(
                hooks_path(s, f"{hook.id}/"),
                data={"url": url, "secret": SECRET},
                headers=auth(s.user.account_token),
            )
            assert put.status_code == 200 and hook.valid
            await _append(c, s, 1)
            await flush(s)
    assert len(sink.requests) == 6
    assert s.emu.stats.webhooks["delivered"] == 1


async def test_a_delivery_times_out_and_an_unreachable_url_fails() -> None:
    s = make()
    assert s.emu.webhooks.timeout == 30.0 and s.emu.webhooks.senders == 2
    s.emu.webhooks.timeout = 0.2
    sink = Sink()
    sink.hold.clear()
    async with serve_app(sink) as url:
        s.emu.add_webhook(s.base, url)
        s.emu.add_webhook(s.base, "http://127.0.0.1:9/closed")  # discard port: refused
        async with client(s.emu) as c:
            await _append(c, s, 1)
        await flush(s)
        sink.hold.set()
    errors = sorted(f.error or "" for f in s.emu.webhooks.failures)
    assert errors[0].startswith("ConnectError") and errors[1].startswith("timed out")
    assert s.emu.stats.webhooks["timeouts"] == 1
    assert all(f.status is None for f in s.emu.webhooks.failures)


async def test_deliveries_never_hold_up_the_emulators_answers() -> None:
    """The receiver answers nothing until the writes are done: the writes return anyway."""
    s = make()
    sink = Sink()
    sink.hold.clear()
    async with serve_app(sink) as url:
        s.emu.add_webhook(s.base, url)
        async with client(s.emu) as c:
            for _ in range(3):
                await _append(c, s, 10)
            assert len(s.emu.rows(s.base, "Table1")) == 30
            # Two posting threads, each stuck on an unanswered request.
            assert await anyio.to_thread.run_sync(sink.arrived.acquire, True, 30)
            assert s.emu.stats.webhooks["delivered"] == 0
        sink.hold.set()
        await flush(s)
    assert s.emu.stats.webhooks["delivered"] == 30
    assert len({json.loads(b)["data"]["row_id"] for _, b in sink.requests}) == 30


def test_add_webhook_refuses_a_second_hook_for_one_url() -> None:
    s = make()
    s.emu.add_webhook(s.base, "http://127.0.0.1:9/a")
    with pytest.raises(ValueError, match="already has a webhook"):
        s.emu.add_webhook(s.base, "http://127.0.0.1:9/a")
