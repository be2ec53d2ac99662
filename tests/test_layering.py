"""The package's layers point one way, read from the import graph (an AST walk).

Imports under ``if TYPE_CHECKING:`` are ignored (they never run); imports inside functions
count. A module may import its own layer and the layers below it, never above:

0. values: errors, secrets, argument checks, models, the cell codec
1. ``_http``: the request pipeline (the only user of httpx)
2. ``_auth``: tokens, the token pool, token sources, token stores
3. the session handed to handles, batch running
4. ``bulk``: imports built on the public API of ``Base``
5. handles: ``Base`` (and its resources), ``Account``, the admin handles, live events
6. ``Client``
7. the package's public face (``__init__``), store adapters (``redis``) and the webhook receiver
8. applications: the CLI and the emulator — never imported by anything below them
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator

import pytest

import seatable_async

ROOT = pathlib.Path(seatable_async.__file__).parent
PACKAGE = "seatable_async"

LAYERS: list[tuple[int, tuple[str, ...]]] = [
    (
        0,
        (
            "_version",
            "errors",
            "_partial_write",
            "_secret",
            "_validate",
            "_loops",
            "models",
            "cells",
        ),
    ),
    (1, ("_http",)),
    (2, ("_auth",)),
    (3, ("_client_session", "_batches")),
    (4, ("bulk",)),
    (5, ("_base", "_account", "_account_webhooks", "_admin", "events")),
    (6, ("_client",)),
    (7, ("", "redis", "webhooks")),
    (8, ("cli", "emulator")),
]

# Third-party packages and the only places that may import them.
CONFINED = {
    "httpx": ("_http", "emulator", "cli"),
    "redis": ("redis",),
    "cryptography": ("redis",),
    "rich": ("cli",),
    "typer": ("cli",),
    "starlette": ("emulator",),
    "uvicorn": ("emulator",),
}


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((PACKAGE, *parts))] = path
    return found


MODULES = _modules()


def _layer(module: str) -> int:
    rest = module[len(PACKAGE) + 1 :] if module != PACKAGE else ""
    top = rest.split(".", 1)[0]
    for layer, names in LAYERS:
        if top in names:
            return layer
    raise AssertionError(f"{module} has no layer: add it to LAYERS in {__file__}")


def _imports(module: str, path: pathlib.Path) -> Iterator[tuple[str, int]]:
    """(imported name, line) of every import that runs."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    yield from visit(other)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (child.level - 1)]
                    base = ".".join([*parts, base] if base else parts)
                for alias in child.names:
                    # ``from pkg import module`` imports the module; ``from module import
                    # name`` imports the module. (A package's __init__ runs before any of its
                    # modules anyway, so it is no edge of its own.)
                    full = f"{base}.{alias.name}"
                    yield (full if full in MODULES else base), child.lineno
            yield from visit(child)

    yield from visit(ast.parse(path.read_text()))


def _target(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _edges() -> Iterator[tuple[str, str, int]]:
    for module, path in MODULES.items():
        for name, line in _imports(module, path):
            target = _target(name)
            if target is not None and target != module:
                yield module, target, line


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module}:{line} imports {target} (layer {_layer(module)} -> {_layer(target)})"
        for module, target, line in _edges()
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_the_emulator_stands_alone() -> None:
    """Users run the emulator without the SDK's internals; the SDK never runs it."""
    crossing = [
        f"{module}:{line} imports {target}"
        for module, target, line in _edges()
        if module.startswith(f"{PACKAGE}.emulator") and not target.startswith(f"{PACKAGE}.emulator")
    ]
    assert crossing == []


@pytest.mark.parametrize(("library", "allowed"), sorted(CONFINED.items()))
def test_third_party_libraries_stay_in_their_layer(library: str, allowed: tuple[str, ...]) -> None:
    misplaced = []
    for module, path in MODULES.items():
        top = module[len(PACKAGE) + 1 :].split(".", 1)[0] if module != PACKAGE else ""
        for name, line in _imports(module, path):
            if name.split(".", 1)[0] == library and top not in allowed:
                misplaced.append(f"{module}:{line}")
    assert misplaced == []


def test_no_import_cycles_in_the_sdk() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES if ".emulator" not in m}
    for module, target, _ in _edges():
        if module in graph and target in graph:
            graph[module].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    assert cycles == []
