"""Shell blocks that call ``seatable-async`` run against a served emulator.

Per page: one emulator with the demo account served on loopback, a fresh working directory
holding the page's titled blocks (input files), and the page's shell lines in order. What the
docs tell the reader to replace is replaced: the server URLs (`runner.SERVERS`), ``...`` in
``export NAME=...``, and ``--port N`` of ``seatable-async emulator`` (a free port instead).
Lines that install packages or run other tools (``pip``, ``pytest``, ``python``, ``mkdocs``)
are not run here.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .blocks import SHELL, Block, blocks, page_name, pages
from .runner import OfflineServer, offline_server, write_titled_files

CLI = "seatable-async"


def commands(block: Block) -> list[list[str]]:
    """The block's commands, continuation lines joined, comments dropped, ``&&`` split."""
    text = re.sub(r"\\\n", " ", block.code)
    found: list[list[str]] = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            found.append(words[:cut])
            words = words[cut + 1 :]
    return found


def cli_pages() -> list[Path]:
    return [
        p
        for p in pages()
        if any(b.lang in SHELL and any(c[:1] == [CLI] for c in commands(b)) for b in blocks(p))
    ]


@pytest.mark.parametrize("path", cli_pages(), ids=page_name)
def test_shell_blocks_run(path: Path, tmp_path: Path) -> None:
    page_blocks = blocks(path)
    ran = 0
    with offline_server() as server:
        write_titled_files(page_blocks, server, tmp_path)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEATABLE_")}
        for block in page_blocks:
            if block.lang not in SHELL:
                continue
            for words in commands(block):
                if words[0] == "export":
                    name, _, value = words[1].partition("=")
                    env[name] = server.environment.get(name, value) if value == "..." else value
                elif words[0] == CLI:
                    _run(block, _substitute(words, server), tmp_path, env)
                    ran += 1
    assert ran > 0


def _substitute(words: list[str], server: OfflineServer) -> list[str]:
    words = [server.substitute(w) for w in words]
    if words[1:2] == ["emulator"] and "--port" in words:
        words[words.index("--port") + 1] = "0"
    return [sys.executable, "-c", "from seatable_async.cli import main; main()", *words[1:]]


def _run(block: Block, argv: list[str], where: Path, env: dict[str, str]) -> None:
    shown = shlex.join(["seatable-async", *argv[3:]])
    if argv[3:4] == ["emulator"]:
        with subprocess.Popen(
            argv, cwd=where, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=30)
        assert first.startswith("URL http://127.0.0.1:"), f"{block.id}: {shown}: {first}{err}"
        return
    result = subprocess.run(
        argv, cwd=where, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{block.id}: {shown}\n{result.stdout}{result.stderr}"
