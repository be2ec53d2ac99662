"""Shared helpers for the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx
from attrs import frozen

from seatable_async.emulator import Base, Emulator, User

BASE_URL = "http://seatable.test"
TABLES = {"Table1": {"Name": "text", "Age": "number"}}


@frozen
class Setup:
    emu: Emulator
    user: User
    base: Base
    api_token: str


def make(version: str = "6.0", **kwargs: Any) -> Setup:
    emu = Emulator(version, **kwargs)
    user = emu.add_user("alice@example.com", "pw")
    base = emu.add_base(owner="alice@example.com", name="Demo", tables=TABLES)
    token = emu.add_api_token(base, app_name="app", permission="rw")
    return Setup(emu, user, base, token)


def client(emu: Emulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=emu.transport(), base_url=BASE_URL)


async def base_token(c: httpx.AsyncClient, api_token: str, scheme: str = "Token") -> str:
    r = await c.get(
        "/api/v2.1/dtable/app-access-token/", headers={"Authorization": f"{scheme} {api_token}"}
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def auth(token: str, scheme: str = "Token") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


def gw(s: Setup, suffix: str) -> str:
    return f"/api-gateway/api/v2/dtables/{s.base.uuid}/{suffix}"


def legacy(s: Setup, suffix: str) -> str:
    return f"/dtable-server/api/v1/dtables/{s.base.uuid}/{suffix}"
