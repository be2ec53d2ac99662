"""The receiver under real ASGI servers, fed by the emulator over loopback HTTP.

hypercorn serves it on the test's own loop (asyncio, and trio: hypercorn has a trio worker);
uvicorn (asyncio only) serves it mounted in FastAPI, in a thread (`serve_app`); Starlette's
``Mount`` runs it through the TestClient. What the emulator sends is what ``dtable-events``
sends (reference §8b); the webhook is registered through the account endpoint (200, not 201:
openapi ``tests/API_ISSUES.md`` #14).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

import seatable_async as sa
from seatable_async import webhooks
from seatable_async.emulator import Emulator, serve_app
from seatable_async.emulator._server.serving import bind_socket
from tests.webhooks.helpers import SECRET, event_body, signed

pytestmark = pytest.mark.anyio


def world() -> tuple[Emulator, Any, str]:
    emu = Emulator()
    emu.add_user("owner@example.com", "pw")
    base = emu.add_base(
        "owner@example.com", "Orders", tables={"Orders": {"Name": "text", "Qty": "number"}}
    )
    return emu, base, emu.add_api_token(base, "writer")


@contextlib.asynccontextmanager
async def hypercorn_serving(app: Any) -> AsyncIterator[str]:
    """``app`` under hypercorn on the running loop (its asyncio or trio worker)."""
    import sniffio
    from hypercorn.config import Config

    if sniffio.current_async_library() == "trio":
        from hypercorn.trio import serve
    else:
        from hypercorn.asyncio import serve  # type: ignore[assignment]
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns (and closes) the socket
    config.accesslog = None
    config.errorlog = None
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(functools.partial(serve, app, config, shutdown_trigger=stop.wait))
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as probe:  # up once it answers (bounded)
            with anyio.fail_after(10):
                while True:
                    try:
                        await probe.get(url)
                        break
                    except httpx.TransportError:
                        await anyio.sleep(0.01)
        try:
            yield url
        finally:
            stop.set()


async def change_rows(url: str, token: str, count: int) -> list[str]:
    """Another client: ``count`` inserts, ``count`` updates, ``count // 4`` deletes."""
    async with sa.Client(url) as client:
        base = client.base(token)
        ids = await base.append_rows("Orders", [{"Name": f"o{i}", "Qty": i} for i in range(count)])
        await base.update_rows("Orders", [(row_id, {"Qty": 1000}) for row_id in ids])
        await base.delete_rows("Orders", ids[: count // 4])
    return ids


async def test_rows_changed_by_another_client_arrive_verified_once_under_hypercorn() -> None:
    emu, base, token = world()
    count, expected = 40, 40 + 40 + 10
    seen: Counter[tuple[str, str]] = Counter()
    done = anyio.Event()

    async def handle(event: webhooks.WebhookEvent) -> None:
        seen[(event.op_type, event.row_id)] += 1
        if sum(seen.values()) == expected:
            done.set()

    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handle)
    async with emu.serve() as url, hypercorn_serving(receiver) as hook_url:
        async with sa.Client(url) as client:
            account = await client.login("owner@example.com", "pw")
            hook = await account.create_webhook(base.workspace_id, "Orders", hook_url, SECRET)
            assert hook.secret is not None and hook.url == hook_url
        ids = await change_rows(url, token, count)
        with anyio.fail_after(60):
            await done.wait()
        async with httpx.AsyncClient() as attacker:
            body = event_body(ids[-1])
            for headers in (signed(body, "guess"), {}, signed(event_body("other"))):
                answer = await attacker.post(hook_url, content=body, headers=headers)
                assert answer.status_code == 403
    assert set(seen.values()) == {1}
    kinds = Counter(kind for kind, _ in seen)
    assert kinds == {"insert_row": 40, "modify_row": 40, "delete_row": 10}
    assert {row for kind, row in seen if kind == "insert_row"} == set(ids)
    stats = receiver.stats
    assert (stats.queued, stats.handled, stats.rejected, stats.duplicates) == (
        expected,
        expected,
        3,
        0,
    )
    assert emu.stats.webhooks["delivered"] == expected
    assert emu.stats.webhooks["failed"] == 0


def fastapi_app(receiver: webhooks.WebhookReceiver) -> Any:
    from fastapi import FastAPI

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with receiver:  # a mounted app gets no lifespan of its own
            yield

    app = FastAPI(lifespan=lifespan)
    app.mount("/seatable/webhook", receiver)

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"receiving": receiver.running}

    return app


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_mounted_in_fastapi_under_uvicorn(anyio_backend: str) -> None:
    """uvicorn runs the app on its own asyncio loop in a thread; the caller may be trio."""
    emu, base, token = world()
    lock = threading.Lock()
    got: list[webhooks.WebhookEvent] = []
    all_in = threading.Event()

    async def handle(event: webhooks.WebhookEvent) -> None:
        with lock:
            got.append(event)
            if len(got) == 10:
                all_in.set()

    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handle)
    async with emu.serve() as url, serve_app(fastapi_app(receiver)) as app_url:
        emu.add_webhook(base, f"{app_url}/seatable/webhook/", secret=SECRET)
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{app_url}/health")).json() == {"receiving": True}
        async with sa.Client(url) as client:
            await client.base(token).append_rows("Orders", [{"Name": str(i)} for i in range(10)])
        assert await anyio.to_thread.run_sync(functools.partial(all_in.wait, 60))
    assert sorted(e.row_name for e in got) == [str(i) for i in range(10)]
    assert all(e.op_type == "insert_row" and e.table_name == "Orders" for e in got)


def starlette_app(receiver: webhooks.WebhookReceiver, *, enter: bool) -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if enter:
            async with receiver:
                yield
        else:
            yield

    return Starlette(routes=[Mount("/hooks", app=receiver)], lifespan=lifespan)


async def test_mounted_in_starlette() -> None:
    got: list[str] = []

    async def handle(event: webhooks.WebhookEvent) -> None:
        got.append(event.row_id)

    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handle)
    body = event_body("r-starlette")
    app = starlette_app(receiver, enter=True)
    async with hypercorn_serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.post("/hooks/", content=body, headers=signed(body))).status_code == 200
        assert (await http.post("/hooks/", content=body)).status_code == 403
    assert got == ["r-starlette"]


async def test_a_mounted_receiver_without_the_lifespan_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=_ignore)
    body = event_body()
    app = starlette_app(receiver, enter=False)
    async with hypercorn_serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        answer = await http.post("/hooks/", content=body, headers=signed(body))
    assert answer.status_code == 503
    assert "async with receiver:" in caplog.text


async def _ignore(event: webhooks.WebhookEvent) -> None:
    return None
