"""What the CLI tests share: the served demo account and a way to reset its table."""

from __future__ import annotations

from seatable_async.emulator import Emulator
from seatable_async.emulator.demo import DemoAccount

Served = tuple[Emulator, DemoAccount, str]
"""The emulator, its seeded demo account, and the loopback URL it is served on."""


def reset_contacts(emu: Emulator, account: DemoAccount, rows: int = 0) -> None:
    """Empty the demo's Contacts table, then store ``rows`` generated rows; reset the stats."""
    base = emu.state.bases[account.base.uuid]
    table = base.table("Contacts")
    assert table is not None
    ids = [row["_id"] for row in emu.rows(account.base, "Contacts")]
    if ids:
        emu.state.delete_rows(base, table, ids)
    data = [{"Name": f"n{i}", "Age": i % 90, "Score": i / 4} for i in range(rows)]
    if data:
        emu.state.insert_rows(base, table, data, "seed")
    emu.stats.reset()
