"""A small world for conformance tests: one base, a Base-Token, an httpx client into the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from attrs import frozen

from seatable_async.emulator import Base, Emulator

URL = "http://seatable.test"

#: Every column type the cell codec knows, with the column data the server would hold.
COLUMNS: dict[str, Any] = {
    "Title": "text",
    "Notes": "long-text",
    "Amount": "number",
    "Day": "date",
    "Moment": {"type": "date", "data": {"format": "YYYY-MM-DD HH:mm"}},
    "EuDay": {"type": "date", "data": {"format": "DD/MM/YYYY"}},
    "UsDay": {"type": "date", "data": {"format": "M/D/YYYY"}},
    "DeDay": {"type": "date", "data": {"format": "DD.MM.YYYY HH:mm"}},
    "Status": {
        "type": "single-select",
        "data": {"options": [{"id": "aa11", "name": "open", "color": "#59CB74"}]},
    },
    "Tags": "multiple-select",
    "Done": "checkbox",
    "Stars": {"type": "rate", "data": {"rate_max_number": 5}},
    "Spent": {"type": "duration", "data": {"format": "duration", "duration_format": "h:mm"}},
    "Seq": "auto-number",
    "Ticket": {
        "type": "auto-number",
        "data": {"format": "000", "digits": 3, "prefix_type": "string", "prefix": "T"},
    },
    "Calc": {"type": "formula", "data": {"formula": "1 + 2"}},
    "Author": "creator",
    "Made": "ctime",
    "Place": {"type": "geolocation", "data": {"geo_format": "lng_lat"}},
    "Mail": "email",
}


@frozen
class World:
    emu: Emulator
    base: Base
    client: httpx.AsyncClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    def gw(self, suffix: str) -> str:
        return f"/api-gateway/api/v2/dtables/{self.base.uuid}/{suffix}"

    def legacy(self, suffix: str) -> str:
        return f"/dtable-server/api/v1/dtables/{self.base.uuid}/{suffix}"

    async def append(self, rows: list[dict[str, Any]], table: str = "T") -> dict[str, Any]:
        r = await self.client.post(
            self.gw("rows/"), headers=self.headers, json={"table_name": table, "rows": rows}
        )
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data

    async def rows(self, table: str = "T", **params: str) -> list[dict[str, Any]]:
        r = await self.client.get(
            self.gw("rows/"),
            headers=self.headers,
            params={"table_name": table, "convert_keys": "true", **params},
        )
        assert r.status_code == 200, r.text
        rows: list[dict[str, Any]] = r.json()["rows"]
        return rows

    async def sql(self, sql: str, **extra: Any) -> httpx.Response:
        return await self.client.post(
            self.gw("sql"), headers=self.headers, json={"sql": sql, "convert_keys": True, **extra}
        )


@asynccontextmanager
async def world(
    version: str = "6.0",
    tables: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    big_data: bool = False,
    **kwargs: Any,
) -> AsyncIterator[World]:
    emu = Emulator(version, **kwargs)
    emu.add_user("owner@example.com", "pw")
    base = emu.add_base("owner@example.com", "Conf", tables or {"T": COLUMNS}, big_data=big_data)
    api_token = emu.add_api_token(base, app_name="conf")
    async with httpx.AsyncClient(transport=emu.transport(), base_url=URL) as client:
        r = await client.get(
            "/api/v2.1/dtable/app-access-token/", headers={"Authorization": f"Token {api_token}"}
        )
        assert r.status_code == 200, r.text
        yield World(emu, base, client, r.json()["access_token"])
