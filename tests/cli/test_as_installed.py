"""The console script as a user runs it: a real process, output to a pipe (not a terminal).

Covers what CliRunner cannot: a real SIGINT (Ctrl-C) mid-import, help and progress at 80
columns without a terminal, and ``SEATABLE_ASYNC_DEBUG=1`` for bug reports.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from seatable_async.emulator import Emulator
from seatable_async.emulator.demo import DemoAccount, seed_demo

ENTRY = "from seatable_async.cli import main; main()"
COMMANDS = ("demo", "import", "export", "ping", "info", "token", "emulator")
CONTROL = re.compile(r"\x1b\[|\r")  # cursor movement, colours, carriage returns
ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    # No terminal hints from the environment running the tests; the debug switch only when
    # a test sets it.
    unset = ("FORCE_COLOR", "TERM", "SEATABLE_ASYNC_DEBUG", "SEATABLE_API_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(COLUMNS="80", PYTHONPATH=str(ROOT), TERM="dumb", **extra)
    return env


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def slow_server() -> Iterator[tuple[DemoAccount, str]]:
    """The demo account served on loopback, every answer delayed, so an import takes long
    enough to be interrupted after its first progress line."""
    emu = Emulator("6.0", latency=0.05)
    account = seed_demo(emu)
    with emu.serve_in_thread() as url:
        yield account, url


def test_ctrl_c_mid_import_is_one_line_and_130(
    slow_server: tuple[DemoAccount, str], tmp_path: Path
) -> None:
    account, url = slow_server
    path = tmp_path / "rows.csv"
    path.write_text("Name\n" + "".join(f"n{i}\n" for i in range(10_000)), encoding="utf-8")
    args = ["import", "--server", url, "--table", "Contacts", "--batch-size", "50"]
    process = subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args, "--concurrency", "1", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(SEATABLE_API_TOKEN=account.api_token),
    )
    try:
        assert process.stdout is not None
        # 200 batches of 50 ms or more: the first tenth is printed after ~1 s, long before
        # the end. Wait for it (bounded by the lines the import can print), then Ctrl-C.
        for _ in range(20):
            line = process.stdout.readline()
            if "rows (10%)" in line or not line:
                break
        assert "rows (10%)" in line, line
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, (out, err)
    assert "Traceback" not in out + err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [
        "error: interrupted (Ctrl-C) — rows sent before it may be in the table; check it "
        "before running again (with --key, unclear batches are reconciled)"
    ]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_fits_80_columns_without_a_terminal(command: str | None) -> None:
    result = _run(*([command] if command else []), "--help")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "Usage: seatable-async" in result.stdout
    assert max(len(line) for line in lines) <= 80
    assert not CONTROL.search(result.stdout)


def test_progress_without_a_terminal_is_plain_lines() -> None:
    result = _run("demo", "--rows", "5000", "--batch-size", "250")
    assert result.returncode == 0, result.stderr
    assert not CONTROL.search(result.stdout)
    progress = [ln for ln in result.stdout.splitlines() if "rows (" in ln]
    assert [ln.rsplit("(", 1)[1] for ln in progress] == [f"{p}%)" for p in range(10, 101, 10)]
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_debug_env_shows_the_traceback(tmp_path: Path) -> None:
    args = ("import", "--server", "https://127.0.0.1:1", "--table", "T", str(tmp_path / "x.csv"))
    (tmp_path / "x.csv").write_bytes("Name\ncafé\n".encode("latin-1"))
    quiet = _run(*args, SEATABLE_API_TOKEN="t" * 40)
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    loud = _run(*args, SEATABLE_API_TOKEN="t" * 40, SEATABLE_ASYNC_DEBUG="1")
    assert loud.returncode == 2
    assert "Traceback" in loud.stderr
    assert "InputError" in loud.stderr
    assert loud.stderr.strip().splitlines()[-1] == quiet.stderr.strip()
