from __future__ import annotations

from collections.abc import Iterator

import pytest

from seatable_async.emulator import Emulator
from seatable_async.emulator.demo import seed_demo
from tests.cli.helpers import Served


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """The demo account on an emulator served on loopback (one per test module)."""
    emu = Emulator("6.0")
    account = seed_demo(emu)
    with emu.serve_in_thread() as url:
        yield emu, account, url
