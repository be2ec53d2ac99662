"""Write the docs' Python blocks out as modules for one ``mypy --strict`` run.

Each unit (see `blocks.units`) becomes a module whose lines sit at the page's line numbers, so
mypy's messages point into the Markdown. A unit with top-level ``await`` is the body of an
``async def``, as a reader runs it. Names a unit takes from an earlier block of its page are
imported from that block's module; a titled block that another block imports is written under
its title (``webapp.py``), a one-file page under its file name.
"""

from __future__ import annotations

import ast
import builtins
import re
import textwrap
from pathlib import Path

from .blocks import Unit, blocks, page_markers, pages, units
from .runner import one_file

_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__"}


def write_modules(where: Path) -> list[Path]:
    written: list[Path] = []
    imported = _imported_names()
    for path in pages():
        page_blocks = blocks(path)
        if not any(b.is_python for b in page_blocks):
            continue
        if "one-file" in page_markers(path):
            name, text = one_file(page_blocks)
            written.append(_write(where / name, text))
            continue
        exported: list[tuple[str, set[str]]] = []
        for unit in units(page_blocks):
            head = unit.blocks[0]
            title_stem = head.title[:-3] if head.title and head.title.endswith(".py") else None
            module = title_stem if title_stem in imported else _module_name(unit)
            source = unit.source(run=False)
            tree = ast.parse(source)
            wrapped = _awaits(source)
            imports = _imports_for(tree, exported)
            text = _assemble(source, imports, wrapped)
            if not wrapped:  # later units of the page import what this one defines
                text += f"__all__ = {sorted(_top_level_names(tree))!r}\n"
            written.append(_write(where / f"{module}.py", text))
            exported.append((module, set() if wrapped else _top_level_names(tree)))
    return written


def _module_name(unit: Unit) -> str:
    slug = re.sub(r"\W+", "_", unit.page.removesuffix(".md")).strip("_").lower()
    return f"docs_{slug}_{unit.blocks[0].line}"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _awaits(source: str) -> bool:
    try:
        compile(source, "<block>", "exec")
    except SyntaxError:
        return True  # top-level await / async with / async for
    return False


def _imported_names() -> set[str]:
    names: set[str] = set()
    for path in pages():
        for block in blocks(path):
            if block.is_python:
                for node in ast.walk(ast.parse(block.code)):
                    if isinstance(node, ast.ImportFrom) and node.module:
                        names.add(node.module)
                    elif isinstance(node, ast.Import):
                        names.update(a.name for a in node.names)
    return names


def _bound_names(tree: ast.AST) -> set[str]:
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        names |= (
            _bound_names(ast.Module(body=[node], type_ignores=[]))
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            else {node.name}
        )
    return names


def _imports_for(tree: ast.Module, exported: list[tuple[str, set[str]]]) -> list[str]:
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    free = sorted(used - _bound_names(tree) - _BUILTINS)
    lines = []
    for name in free:
        for module, names in reversed(exported):
            if name in names:
                lines.append(f"from {module} import {name}")
                break
    return lines


def _assemble(source: str, imports: list[str], wrapped: bool) -> str:
    lines = source.split("\n")
    head = [*imports, "async def _docs_unit() -> None:"] if wrapped else imports
    body = textwrap.indent("\n".join(lines), "    ").split("\n") if wrapped else lines
    blank = 0
    while blank < len(body) and not body[blank].strip():
        blank += 1
    if blank >= len(head):
        body[blank - len(head) : blank] = head  # keep every line at its page line
    else:
        body = head + body
    return "\n".join(body) + "\n"
