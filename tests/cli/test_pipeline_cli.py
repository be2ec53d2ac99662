"""``seatable-async export`` on each format, and ``import`` checking values and reading Parquet,
end to end through the emulator served on loopback.

A real server stores a value its column cannot read as null (recorded for invalid dates,
seatable/openapi ``tests/API_ISSUES.md`` #5; the emulator does the same for numbers), so the
import must refuse such a file before sending anything.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from seatable_async.cli import app
from tests.cli.helpers import Served, reset_contacts

runner = CliRunner()


def _run(server: Served, *args: str) -> Any:
    _, account, url = server
    return runner.invoke(
        app, [args[0], "--server", url, *args[1:]], env={"SEATABLE_API_TOKEN": account.api_token}
    )


def test_import_refuses_a_file_with_a_value_its_column_cannot_hold(
    server: Served, tmp_path: Path
) -> None:
    emu, account, _ = server
    reset_contacts(emu, account)
    path = tmp_path / "contacts.csv"
    path.write_text("Name,Age\nfine,3\nbroken,notanumber\n", encoding="utf-8")
    result = _run(server, "import", "--table", "Contacts", str(path))
    assert result.exit_code == 2, result.output
    assert "line 3: column 'Age': not a number (value: 'notanumber')" in result.output
    assert "nothing was sent" in result.output
    assert emu.stats.requests["gateway.rows.append"] == 0
    assert emu.rows(account.base, "Contacts") == []


def test_import_reads_parquet(server: Served, tmp_path: Path) -> None:
    emu, account, _ = server
    reset_contacts(emu, account)
    path = tmp_path / "contacts.parquet"
    table = pa.table({"Name": [f"p{i}" for i in range(1500)], "Age": list(range(1500))})
    pq.write_table(table, path, row_group_size=400)
    result = _run(server, "import", "--table", "Contacts", str(path))
    assert result.exit_code == 0, result.output
    rows = emu.rows(account.base, "Contacts")
    assert sorted(r["Age"] for r in rows) == list(range(1500))


@pytest.mark.parametrize("kind", ["parquet", "csv", "jsonl"])
def test_export_each_format(server: Served, tmp_path: Path, kind: str) -> None:
    emu, account, _ = server
    reset_contacts(emu, account, rows=2500)
    path = tmp_path / f"out.{kind}"
    result = _run(server, "export", "--table", "Contacts", "--batch-size", "1000", str(path))
    assert result.exit_code == 0, result.output
    assert "2,500" in result.output
    assert emu.stats.requests["gateway.sql"] == 4  # COUNT(*) and three pages
    stored = {r["_id"]: r for r in emu.rows(account.base, "Contacts")}
    if kind == "parquet":
        table = pq.read_table(path)
        assert table.schema.field("Age").type == pa.float64()
        assert table.schema.field("_ctime").type == pa.timestamp("us", tz="UTC")
        rows = table.to_pylist()
    elif kind == "csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == ["_id", "_ctime", "_mtime", "Name", "Email", "Age", "City", "Score"]
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["_id"] for r in rows) == sorted(stored)
    for row in rows[:50]:
        assert float(row["Age"]) == stored[row["_id"]]["Age"]
        assert row["Name"] == stored[row["_id"]]["Name"]
    assert not list(tmp_path.glob(".*.partial"))


def test_export_then_import_round_trips_a_csv(server: Served, tmp_path: Path) -> None:
    """System fields of an exported file (``_id``, ``_ctime``, ``_mtime``) are left out."""
    emu, account, _ = server
    reset_contacts(emu, account, rows=300)
    path = tmp_path / "round.csv"
    assert _run(server, "export", "--table", "Contacts", str(path)).exit_code == 0
    before = sorted((r["Name"], r["Age"], r["Score"]) for r in emu.rows(account.base, "Contacts"))
    reset_contacts(emu, account)
    result = _run(server, "import", "--table", "Contacts", str(path))
    assert result.exit_code == 0, result.output
    after = sorted((r["Name"], r["Age"], r["Score"]) for r in emu.rows(account.base, "Contacts"))
    assert after == before


def test_export_a_query_and_a_view(server: Served, tmp_path: Path) -> None:
    emu, account, _ = server
    reset_contacts(emu, account, rows=120)
    query = tmp_path / "query.jsonl"
    result = _run(
        server, "export", "--sql", "SELECT Name, Age FROM Contacts WHERE Age < 10", str(query)
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in query.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["Age"] for r in lines) == sorted(i % 90 for i in range(120) if i % 90 < 10)
    view = tmp_path / "view.parquet"
    result = _run(server, "export", "--table", "Contacts", "--view", "Default View", str(view))
    assert result.exit_code == 0, result.output
    assert pq.read_table(view).num_rows == 120
    assert emu.stats.requests["gateway.rows.list"] == 1


def test_export_refuses_to_overwrite_and_bad_arguments(server: Served, tmp_path: Path) -> None:
    path = tmp_path / "exists.csv"
    path.write_text("keep me", encoding="utf-8")
    result = _run(server, "export", "--table", "Contacts", str(path))
    assert result.exit_code == 2 and "--overwrite" in result.output
    assert path.read_text(encoding="utf-8") == "keep me"
    result = _run(server, "export", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "--table" in result.output
    result = _run(server, "export", "--table", "Contacts", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and "--format" in result.output
    result = _run(server, "export", "--table", "Nope", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "Traceback" not in result.output  # unknown table: input
    assert not (tmp_path / "x.csv").exists()
