"""Run a page's Python blocks against the emulator (see `blocks` for the rules)."""

from __future__ import annotations

import ast
import contextlib
import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import anyio

from seatable_async.emulator import Emulator
from seatable_async.emulator.demo import DEMO_LOGIN, DEMO_PASSWORD, seed_demo

from .blocks import Block, blocks, page_markers, units

# What the docs tell a reader to replace with their own server and token.
SERVERS = ("https://cloud.seatable.io", "https://seatable.example.com")
TOKEN_PLACEHOLDER = "<api token>"


@dataclass(frozen=True)
class OfflineServer:
    """The emulator standing in for "your server": the demo account, served on loopback."""

    url: str
    api_token: str
    emulator: Emulator

    VARIABLES: ClassVar[tuple[str, ...]] = (
        "SEATABLE_SERVER",
        "SEATABLE_URL",
        "SEATABLE_API_TOKEN",
        "SEATABLE_USER",
        "SEATABLE_PASSWORD",
    )

    def substitute(self, text: str) -> str:
        for server in SERVERS:
            text = text.replace(server, self.url)
        return text.replace(TOKEN_PLACEHOLDER, self.api_token)

    @property
    def environment(self) -> dict[str, str]:
        """The variables the docs tell the reader to export."""
        return {
            "SEATABLE_SERVER": self.url,
            "SEATABLE_URL": self.url,
            "SEATABLE_API_TOKEN": self.api_token,
            "SEATABLE_USER": DEMO_LOGIN,
            "SEATABLE_PASSWORD": DEMO_PASSWORD,
        }


@contextlib.contextmanager
def offline_server() -> Iterator[OfflineServer]:
    emu = Emulator("6.0")
    demo = seed_demo(emu)
    with emu.serve_in_thread() as url:
        yield OfflineServer(url, demo.api_token, emu)


def write_titled_files(page_blocks: list[Block], server: OfflineServer, where: Path) -> None:
    for block in page_blocks:
        if block.title:
            (where / block.title).write_text(server.substitute(block.code), encoding="utf-8")


def one_file(page_blocks: list[Block]) -> tuple[str, str]:
    """The page's Python blocks joined into one file: (its name, its text)."""
    python = [b for b in page_blocks if b.is_python]
    name = python[0].title
    assert name, f"{python[0].id}: a one-file page names its file in the first block's title"
    return name, "\n\n".join(b.code.rstrip() for b in python) + "\n"


def run_pytest(files: list[str], where: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            # Starlette >= 1.x asks for httpx2 under its TestClient; the docs' code is not at fault.
            "-W",
            "ignore:Using `httpx` with `starlette.testclient`",
            *files,
        ],
        cwd=where,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def run_page(path: Path, where: Path) -> int:
    """Run every Python block of the page; return how many blocks ran."""
    page_blocks = blocks(path)
    ran = 0
    with offline_server() as server:
        os.environ.update(server.environment)
        write_titled_files(page_blocks, server, where)
        if "one-file" in page_markers(path):
            name, text = one_file(page_blocks)
            (where / name).write_text(server.substitute(text), encoding="utf-8")
            run_pytest([name], where, server.environment)
            return sum(b.is_python for b in page_blocks)
        namespace: dict[str, Any] = {"__name__": "__main__"}
        for unit in units(page_blocks):
            if unit.blocks[0].marker == "compile-only" or _is_test_file(unit.blocks[0]):
                continue
            _run_unit(server.substitute(unit.source(run=True)), str(path), namespace)
            ran += sum(b.marker != "compile-only" for b in unit.blocks)
        tests = [b for b in page_blocks if _is_test_file(b)]
        if tests:
            run_pytest([str(b.title) for b in tests], where, server.environment)
            ran += len(tests)
    return ran


def _is_test_file(block: Block) -> bool:
    """A titled ``test_*.py`` block: pytest runs it (its fixtures come from pytest)."""
    return block.is_python and bool(block.title) and str(block.title).startswith("test_")


def _run_unit(source: str, filename: str, namespace: dict[str, Any]) -> None:
    code = compile(source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if code.co_flags & inspect.CO_COROUTINE:

        async def run() -> None:
            await eval(code, namespace)

        anyio.run(run)
    else:
        exec(code, namespace)
