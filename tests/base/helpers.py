"""A SeaTable emulator with typed columns, and an in-process client on it (Berlin time)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

import seatable_async as sa
from seatable_async.emulator import Emulator

URL = "http://127.0.0.1"
ZONE = "Europe/Berlin"
STAGES = {"options": [{"id": "1", "name": "draft", "color": "#9860E5", "textColor": "#FFF"}]}
TYPED: dict[str, Any] = {
    "Title": "text",
    "Notes": "long-text",
    "Mail": "email",
    "Site": "url",
    "Price": "number",
    "Done": "checkbox",
    "Day": "date",
    "When": {"type": "date", "data": {"format": "YYYY-MM-DD HH:mm"}},
    "Spent": "duration",
    "Stage": {"type": "single-select", "data": STAGES},
    "Tags": "multiple-select",
    "Owners": "collaborator",
    "Place": "geolocation",
    "Docs": "file",
    "Pics": "image",
    "Stars": "rate",
    "Signed": "digital-sign",
    "Serial": "auto-number",
    "Calc": "formula",
    "Parts": {"type": "link", "data": {"other_table": "Parts"}},
}
TABLES: dict[str, Any] = {"T": TYPED, "Parts": {"Name": "text"}}


def world(version: str = "6.0") -> tuple[Emulator, Any, str]:
    """An emulator in Berlin time with the typed table ``T``; its base and an API-Token."""
    emu = Emulator(version=version, timezone=ZONE)
    # A copy: the emulator adds select options to the column data it is given.
    base = emu.add_base(owner="alice@example.com", name="Typed", tables=copy.deepcopy(TABLES))
    return emu, base, emu.add_api_token(base)


class Hooked(httpx.AsyncBaseTransport):
    """The emulator's transport, with a hook that may answer (or observe) a request first."""

    def __init__(
        self,
        emu: Emulator,
        hook: Callable[[httpx.Request], httpx.Response | None],
    ) -> None:
        self._inner = emu.transport()
        self._hook = hook

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._hook(request)
        if answer is not None:
            return answer
        return await self._inner.handle_async_request(request)


@asynccontextmanager
async def client(
    emu: Emulator, *, transport: httpx.AsyncBaseTransport | None = None, **options: Any
) -> AsyncIterator[sa.Client]:
    options.setdefault("timezone", ZONE)
    async with sa.Client(URL, transport=transport or emu.transport(), **options) as c:
        yield c


def requests(emu: Emulator, route: str) -> int:
    """How many requests the emulator answered on ``route`` (e.g. ``gateway.sql``)."""
    return int(emu.stats.requests.get(route, 0))
