"""Signed webhook bodies as SeaTable sends them, and a client into a receiver in-process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from seatable_async import webhooks

SECRET = "receiver-secret"


def event_body(row_id: str = "r1", op_type: str = "modify_row", **data: Any) -> bytes:
    """A body in the shape of the help page's samples (``requests``' ``json=`` encoding)."""
    payload = {
        "dtable_uuid": "fae0a3a42ba94df88e8303fd385e37de",
        "row_id": row_id,
        "op_user": "u@auth.local",
        "op_type": op_type,
        "op_time": 1649929622.589,
        "table_id": "0000",
        "table_name": "Table1",
        "row_name": "",
        "row_data": [],
        **data,
    }
    return json.dumps({"event": "update", "data": payload}).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-SeaTable-Signature": webhooks.sign(body, secret), "Content-Type": "application/json"}


@asynccontextmanager
async def client_for(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://receiver.test"
    ) as client:
        yield client


class Recorder:
    """A handler that records events; ``gate`` (when set) holds every call until opened."""

    def __init__(self, gate: Any = None) -> None:
        self.events: list[webhooks.WebhookEvent] = []
        self.gate = gate
        self.on_event: Callable[[webhooks.WebhookEvent], None] | None = None

    async def __call__(self, event: webhooks.WebhookEvent) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
