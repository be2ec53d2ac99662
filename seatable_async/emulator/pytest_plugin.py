"""pytest fixtures: ``seatable_emulator`` (a seeded 6.0 emulator) and ``seatable_emulator_url``.

Registered through the ``pytest11`` entry point; imports the emulator lazily.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from . import Emulator


@pytest.fixture
def seatable_emulator() -> Emulator:
    """A fresh ``Emulator("6.0")`` with the demo account (see `demo.seed_demo`)."""
    from . import Emulator
    from .demo import seed_demo

    emu = Emulator("6.0")
    seed_demo(emu)
    return emu


@pytest.fixture
def seatable_emulator_url(seatable_emulator: Emulator) -> Iterator[str]:
    """``seatable_emulator`` served over real HTTP on 127.0.0.1 (a background thread)."""
    with seatable_emulator.serve_in_thread() as url:
        yield url
