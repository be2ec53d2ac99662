"""``docs/migration.md`` covers every public method of the installed official client's
``Base`` and ``Account``, with no blank cell, and its parity table adds up."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

seatable_api = pytest.importorskip("seatable_api")

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "migration.md"


def _official(cls_name: str) -> set[str]:
    tree = ast.parse((Path(seatable_api.__file__).parent / "main.py").read_text())
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name]
    return {n.name for n in cls.body if isinstance(n, ast.FunctionDef) and n.name[0] != "_"}


def _rows(section: str) -> dict[str, list[str]]:
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| `([a-z_]+)", line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[match.group(1)] = cells
    return rows


def test_every_official_method_has_a_row_without_blanks() -> None:
    text = GUIDE.read_text()
    base_part = text.split("## `Account`")[0].split("## `Base`")[1]
    account_part = text.split("## `Account`")[1].split("## Parity")[0]
    for part, official in (
        (base_part, _official("SeaTableAPI")),
        (account_part, _official("Account")),
    ):
        rows = _rows(part)
        assert set(rows) == official
        assert all(len(cells) == 3 and all(cells) for cells in rows.values()), rows
    assert (len(_official("SeaTableAPI")), len(_official("Account"))) == (63, 7)


def test_the_parity_count_matches_the_rows() -> None:
    text = GUIDE.read_text()
    rows = _rows(text.split("## Parity")[0])
    without = {name for name, cells in rows.items() if cells[1].startswith("None")}
    hatch = {name for name, cells in rows.items() if "`base.request` " in cells[1]}
    assert len(without) == 7 and len(hatch) == 2
    assert "| **Total** | **70** | **61** | **2** | **7** |" in text
