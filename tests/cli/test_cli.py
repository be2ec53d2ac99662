"""The ``seatable-async`` command line, end to end through the emulator served on loopback."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seatable_async.cli import app
from tests.cli.helpers import Served, reset_contacts

runner = CliRunner()


def _import(url: str, token: str, path: Path, *extra: str) -> object:
    return runner.invoke(
        app,
        ["import", "--server", url, "--table", "Contacts", str(path), *extra],
        env={"SEATABLE_API_TOKEN": token},
    )


def test_import_csv(server: Served, tmp_path: Path) -> None:
    emu, account, url = server
    reset_contacts(emu, account)
    path = tmp_path / "contacts.csv"
    lines = ["Name,Email,Age"] + [f"n{i},u{i}@x.org,{i % 80}" for i in range(2500)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _import(url, account.api_token, path, "--key", "Email", "--batch-size", "400")
    assert result.exit_code == 0, result.output
    assert "2,500" in result.output
    rows = emu.rows(account.base, "Contacts")
    assert len(rows) == 2500
    assert collections.Counter(r["Email"] for r in rows).most_common(1)[0][1] == 1
    assert {r["Age"] for r in rows if r["Email"] == "u81@x.org"} == {1}  # numbers converted


def test_import_jsonl(server: Served, tmp_path: Path) -> None:
    emu, account, url = server
    reset_contacts(emu, account)
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "\n".join(json.dumps({"Name": f"j{i}", "Score": i / 2}) for i in range(300)) + "\n\n",
        encoding="utf-8",
    )
    result = _import(url, account.api_token, path)
    assert result.exit_code == 0, result.output
    assert len(emu.rows(account.base, "Contacts")) == 300


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", "", "is empty"),
        ("header-only.csv", "Name,Email\n", "no rows"),
        ("short.csv", "Name,Email\na,b\nc\n", "line 3"),
        ("quote.csv", 'Name,Email\na,b\n"c,d\n', "line"),
        ("list.jsonl", '{"Name": "a"}\n[1, 2]\n', "line 2: a JSON list"),
        ("broken.jsonl", '{"Name": "a"}\n{"Name": \n', "line 2: not valid JSON"),
        ("unknown.csv", "Name,Shoe size\na,42\n", "'Shoe size'"),
    ],
)
def test_bad_files_send_nothing(
    server: Served,
    tmp_path: Path,
    name: str,
    content: str,
    expected: str,
) -> None:
    emu, account, url = server
    reset_contacts(emu, account)
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = emu.stats.requests.copy()
    result = _import(url, account.api_token, path)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert emu.rows(account.base, "Contacts") == []
    appended = emu.stats.requests["gateway.rows.append"] - before["gateway.rows.append"]
    assert appended == 0


def test_unknown_table(server: Served, tmp_path: Path) -> None:
    _, account, url = server
    path = tmp_path / "a.csv"
    path.write_text("Name\nx\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["import", "--server", url, "--table", "Nope", str(path)],
        env={"SEATABLE_API_TOKEN": account.api_token},
    )
    assert result.exit_code == 2
    assert "no table 'Nope'" in result.output


def test_missing_token_and_bad_token(server: Served, tmp_path: Path) -> None:
    _, _, url = server
    path = tmp_path / "a.csv"
    path.write_text("Name\nx\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["import", "--server", url, "--table", "Contacts", str(path)],
        env={"SEATABLE_API_TOKEN": ""},
    )
    assert result.exit_code == 2
    assert "SEATABLE_API_TOKEN" in result.output
    result = _import(url, "x" * 40, path)
    assert result.exit_code == 1
    assert "API-Token" in result.output
    assert "Traceback" not in result.output


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"
    path.write_text("x", encoding="utf-8")
    result = _import("http://127.0.0.1:1", "t" * 40, path)
    assert result.exit_code == 2
    assert "--format" in result.output


def test_failed_rows_exit_non_zero(server: Served, tmp_path: Path) -> None:
    emu, account, url = server
    reset_contacts(emu, account)
    token = emu.add_api_token(account.base, app_name="cli-ro", permission="r")
    path = tmp_path / "a.csv"
    path.write_text("Name\nx\ny\n", encoding="utf-8")
    result = _import(url, token, path)
    assert result.exit_code == 1
    assert "read-only" in result.output


def test_ping_info_token(server: Served) -> None:
    _, account, url = server
    result = runner.invoke(app, ["ping", "--server", url])
    assert result.exit_code == 0
    assert "pong" in result.output
    result = runner.invoke(app, ["info", "--server", url])
    assert result.exit_code == 0
    assert "6.0.10" in result.output
    result = runner.invoke(
        app, ["token", "--server", url], env={"SEATABLE_API_TOKEN": account.api_token}
    )
    assert result.exit_code == 0, result.output
    assert account.base.uuid in result.output
    assert "read-write" in result.output
    assert "API gateway" in result.output
    assert account.api_token not in result.output
    assert "eyJ" not in result.output  # no JWT


def test_unreachable_server_one_line() -> None:
    result = runner.invoke(app, ["ping", "--server", "http://127.0.0.1:1"])
    assert result.exit_code == 1
    assert "check --server" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["ping", "--server", "http://example.com"])
    assert result.exit_code == 2
    assert "--allow-insecure-http" in result.output


def test_demo_small() -> None:
    result = runner.invoke(app, ["demo", "--rows", "3000", "--batch-size", "500"])
    assert result.exit_code == 0, result.output
    assert "Base-Token requests" in result.output
    assert "3000" in result.output  # the SQL count read back


def test_demo_with_faults_and_rate_limit() -> None:
    result = runner.invoke(
        app,
        ["demo", "--rows", "4000", "--batch-size", "100", "--faults", "3", "--rate-limit", "200/1"],
    )
    assert result.exit_code == 0, result.output
    assert "4000" in result.output


def test_help_for_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "import", "export", "ping", "info", "token", "emulator"):
        assert command in result.output
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0, command
        assert "Usage" in sub.output
