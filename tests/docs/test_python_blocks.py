"""Every Python block of README.md and docs/ runs against the emulator and passes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .blocks import blocks, page_name, pages
from .runner import OfflineServer, run_page

PYTHON_PAGES = [p for p in pages() if any(b.is_python for b in blocks(p))]


@pytest.mark.parametrize("path", PYTHON_PAGES, ids=page_name)
def test_page_runs(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page's blocks run in order in one namespace; a block that raises fails the page."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in OfflineServer.VARIABLES:
        monkeypatch.setenv(name, "")  # restored after the test, whatever the page sets
        monkeypatch.delenv(name)
    before = set(sys.modules)
    try:
        ran = run_page(path, tmp_path)
    finally:
        for module in set(sys.modules) - before:
            if getattr(sys.modules[module], "__file__", "") and str(tmp_path) in str(
                sys.modules[module].__file__
            ):
                del sys.modules[module]
    expected = [b for b in blocks(path) if b.is_python and b.marker != "compile-only"]
    assert ran == len(expected)
