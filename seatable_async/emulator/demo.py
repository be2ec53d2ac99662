"""A seeded demo account, used by the CLI demo and the pytest fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import frozen

if TYPE_CHECKING:
    from ._emulator import Emulator
    from ._state.records import Base

DEMO_LOGIN = "demo@example.com"
DEMO_PASSWORD = "demo-password"
DEMO_TABLES = {
    "Contacts": {
        "Name": "text",
        "Email": "text",
        "Age": "number",
        "City": "text",
        "Score": "number",
    }
}


@frozen
class DemoAccount:
    """Credentials and the base of the demo account."""

    login: str
    password: str
    base: Base
    api_token: str
    account_token: str


def seed_demo(emu: Emulator) -> DemoAccount:
    """Create user ``demo@example.com``, base "Demo" with table "Contacts", and an rw API-Token."""
    user = emu.state.find_user(DEMO_LOGIN) or emu.add_user(DEMO_LOGIN, DEMO_PASSWORD)
    base = emu.add_base(owner=DEMO_LOGIN, name="Demo", tables=DEMO_TABLES)
    token = emu.add_api_token(base, app_name="demo", permission="rw")
    return DemoAccount(DEMO_LOGIN, user.password, base, token, user.account_token)
