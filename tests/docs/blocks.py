"""Find the fenced code blocks of README.md and docs/**/*.md, and turn a page's Python blocks
into the programs that `test_python_blocks` runs and `test_mypy_blocks` type-checks.

How a page's code is executed (the contributors' guide lives in ``tests/docs/__init__.py``):

* Every Python block of a page runs, in page order, in **one namespace** per page, in a fresh
  working directory.
* A block holding a line ``...  # the examples below run here`` (its last line) is a **setup
  block**: every later Python block of the page is run inside it, indented at that line, until
  a block that starts its own event loop (``anyio.run(...)``, ``trio.run(...)``) or the page's
  end. Blocks run that way may use top-level ``await``, as a reader pasting them there would.
* A block whose info string carries ``title="name"`` is also written to the working directory
  under that name, before anything runs: ``title="contacts.csv"`` is the input file a later
  example reads, ``title="webapp.py"`` a module a later block imports.
* A page holding ``<!-- docs-test: one-file -->`` is one file: its Python blocks, joined in
  order, are written under the first block's title and run with pytest (when the name starts
  with ``test_``) or as a script.
* ``<!-- docs-test: compile-only REASON -->`` right above a block: the block is compiled and
  type-checked but not run; REASON says why, and names the block that runs instead.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = frozenset({"python", "py", "pycon"})
SHELL = frozenset({"bash", "sh", "shell", "console"})
SPLICE = "...  # the examples below run here"
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)(?P<info>.*)$"
)
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')
_MARKER = re.compile(r"<!--\s*docs-test:\s*(?P<kind>[\w-]+)\s*(?P<text>.*?)\s*-->", re.S)


@dataclass(frozen=True)
class Block:
    """One fenced code block: its page, first code line (1-based), language and text."""

    page: str
    line: int
    lang: str
    code: str
    title: str | None = None
    marker: str | None = None
    marker_text: str = ""

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def is_python(self) -> bool:
        return self.lang in PYTHON

    @property
    def is_setup(self) -> bool:
        lines = self.code.rstrip().splitlines()
        return bool(lines) and lines[-1].strip() == SPLICE

    @property
    def starts_event_loop(self) -> bool:
        """A complete program: a top-level ``anyio.run(...)`` / ``trio.run(...)`` call."""
        for node in ast.parse(self.code).body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                func = node.value.func
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "run"
                    and isinstance(func.value, ast.Name)
                    and func.value.id in {"anyio", "trio"}
                ):
                    return True
        return False


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def page_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def blocks(path: Path) -> list[Block]:
    """Every fenced block of one Markdown page, indented ones (lists, admonitions) included."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        start = i + 1
        i = start
        while i < len(lines) and not (
            lines[i].strip().startswith(fence) and lines[i].strip().strip(fence[0]) == ""
        ):
            i += 1
        body = [
            ln.removeprefix(indent) if ln.startswith(indent) else ln.lstrip()
            for ln in lines[start:i]
        ]
        marker, text = _marker_above(lines, start - 1)
        title = _TITLE.search(match["info"])
        found.append(
            Block(
                page=page_name(path),
                line=start + 1,
                lang=match["lang"].lower(),
                code="\n".join(body) + "\n",
                title=title["title"] if title else None,
                marker=marker,
                marker_text=text,
            )
        )
        i += 1
    return found


def page_markers(path: Path) -> set[str]:
    return {m["kind"] for m in _MARKER.finditer(path.read_text(encoding="utf-8"))}


def _marker_above(lines: list[str], fence_index: int) -> tuple[str | None, str]:
    """A ``<!-- docs-test: KIND TEXT -->`` comment ending on the line right above the fence."""
    j = fence_index - 1
    if j < 0 or not lines[j].strip().endswith("-->"):
        return None, ""
    k = j
    while k >= 0 and "<!--" not in lines[k]:
        k -= 1
    match = _MARKER.search("\n".join(lines[k : j + 1]))
    if match is None or match["kind"] == "one-file":
        return None, ""
    return match["kind"], " ".join(match["text"].split())


def all_blocks() -> list[Block]:
    return [b for path in pages() for b in blocks(path)]


@dataclass
class Unit:
    """What runs as one piece: a block, or a setup block with the blocks run inside it."""

    page: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.blocks[0].id

    def source(self, *, run: bool) -> str:
        """The unit's code, each block's lines at their line in the page (for tracebacks).

        With ``run=True`` the blocks marked compile-only are left out.
        """
        head = self.blocks[0]
        out = ["\n" * (head.line - 1)]
        if head.is_setup:
            lines = head.code.rstrip().splitlines()
            sentinel = lines[-1]
            indent = sentinel[: len(sentinel) - len(sentinel.lstrip())]
            out.append("\n".join(lines[:-1]) + "\n")
            written = head.line - 1 + len(lines) - 1
            for block in self.blocks[1:]:
                if run and block.marker == "compile-only":
                    continue
                out.append("\n" * max(block.line - 1 - written, 0))
                out.append(textwrap.indent(block.code, indent, lambda _line: True))
                written = max(written, block.line - 1) + block.code.count("\n")
            out.append(f"{indent}pass\n")
        else:
            out.append(head.code)
        return "".join(out)

    @property
    def awaits(self) -> bool:
        return self.blocks[0].is_setup


def units(page_blocks: list[Block]) -> Iterator[Unit]:
    """Group a page's Python blocks into units (see the module docstring)."""
    current: Unit | None = None
    for block in page_blocks:
        if not block.is_python:
            continue
        if current is not None and not block.starts_event_loop and not block.is_setup:
            current.blocks.append(block)
            continue
        if current is not None:
            yield current
            current = None
        unit = Unit(block.page, [block])
        if block.is_setup:
            current = unit
        else:
            yield unit
    if current is not None:
        yield current
