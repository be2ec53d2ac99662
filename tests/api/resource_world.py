"""A base with linked tables on the emulator, a client into it, and a record of what was sent.

Used by the resource tests (links, row extras, big data, collaboration, custom files); every
version of the matrix runs on asyncio and trio.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx

import seatable_async as sa
from seatable_async.emulator import Base, Emulator

URL = "http://127.0.0.1"
VERSIONS = ["4.0", "4.4", "5.0", "6.0"]
TABLES: dict[str, Any] = {
    "Projects": {
        "Name": "text",
        "Tasks": {"type": "link", "data": {"other_table": "Tasks"}},
        "Rank": "number",
    },
    "Tasks": {"Title": "text", "Done": "checkbox"},
}


class Recording(httpx.AsyncBaseTransport):
    """Passes requests to ``inner`` and keeps (method, path, JSON body or None) of each."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.sent: list[tuple[str, str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw = request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.sent.append((request.method, request.url.path, body))
        return await self.inner.handle_async_request(request)

    def bodies(self, method: str, suffix: str) -> list[Any]:
        return [b for m, p, b in self.sent if m == method and p.endswith(suffix)]

    def count(self, method: str, suffix: str) -> int:
        return len(self.bodies(method, suffix))


@attrs.define
class World:
    emu: Emulator
    info: Base
    client: sa.Client
    base: sa.Base
    record: Recording
    api_token: str

    @property
    def gateway(self) -> bool:
        return self.emu.version_tuple >= (4, 4)


@asynccontextmanager
async def world(
    version: str, tables: dict[str, Any] | None = None, **options: Any
) -> AsyncIterator[World]:
    emu = Emulator(version)
    emu.add_user("alice@example.com", "pw")
    info = emu.add_base(
        "alice@example.com", "Work", tables or TABLES, big_data=options.pop("big_data", False)
    )
    token = emu.add_api_token(info, app_name="app")
    record = Recording(emu.transport())
    async with sa.Client(URL, transport=record, **options) as client:
        yield World(emu, info, client, client.base(token), record, token)
