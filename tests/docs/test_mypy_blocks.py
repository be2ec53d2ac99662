"""``mypy --strict`` passes on every Python block of the docs (one run over all of them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .blocks import ROOT
from .modules import write_modules


def test_every_block_passes_mypy_strict(tmp_path: Path) -> None:
    """The project's mypy settings (pyproject.toml), strict, over every block as a module."""
    modules = write_modules(tmp_path)
    assert len(modules) >= 25  # one per unit: every Python block is in one of them
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--no-error-summary",
            "--show-error-codes",
            *(m.name for m in modules),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
