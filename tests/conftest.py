"""The one ``anyio_backend`` fixture: which event loops a test runs on, and in what time.

* Tests run on the backends their folder names in `FOLDER_BACKENDS` (the deepest folder listed
  wins), on both elsewhere. Emulator and endpoint behaviour runs on asyncio (the same code path
  on both loops, so one is enough there); concurrency, auth, retry and conformance tests run on
  both.
* ``pytestmark = pytest.mark.anyio_backends("asyncio", "trio")`` (or one name) in a module, or
  the mark on a test, overrides the folder's default.
* ``pytest.mark.virtual_time`` runs the test in virtual time (`tests.virtual_time`): timers jump
  instead of waiting, on both loops.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.virtual_time import virtual_backend

BOTH = ("asyncio", "trio")
FOLDER_BACKENDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("api",): ("asyncio",),
    ("emulator",): ("asyncio",),
    ("emulator", "conformance"): BOTH,
}
"""Folders under tests/ and the backends their tests run on unless a module or test says."""

_TESTS = Path(__file__).parent


def _default_backends(path: Path) -> tuple[str, ...]:
    folders = path.relative_to(_TESTS).parts[:-1] if path.is_relative_to(_TESTS) else ()
    for depth in range(len(folders), 0, -1):
        if folders[:depth] in FOLDER_BACKENDS:
            return FOLDER_BACKENDS[folders[:depth]]
    return BOTH


def _parametrized_directly(metafunc: pytest.Metafunc) -> bool:
    """A test's own ``@pytest.mark.parametrize("anyio_backend", …)`` wins over the defaults."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else ""
        listed = names.split(",") if isinstance(names, str) else list(names)
        if "anyio_backend" in (name.strip() for name in listed):
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "anyio_backend" not in metafunc.fixturenames or _parametrized_directly(metafunc):
        return
    marker = metafunc.definition.get_closest_marker("anyio_backends")
    names = tuple(marker.args) if marker else _default_backends(metafunc.definition.path)
    metafunc.parametrize("anyio_backend", names, indirect=True, ids=list(names))


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> str | tuple[str, dict[str, object]]:
    name = str(request.param)
    if request.node.get_closest_marker("virtual_time") is not None:
        return virtual_backend(name)
    return name
