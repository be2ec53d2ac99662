"""The import settings are declared once (`ImportOptions`); every signature that spells them
out — `Base.import_rows`, the CLI's ``import`` — takes its defaults from there."""

from __future__ import annotations

import inspect

import attrs
import pytest

import seatable_async as sa
from seatable_async.bulk._options import IMPORT_DEFAULTS


def test_import_rows_takes_exactly_the_options_with_their_defaults() -> None:
    fields = {f.name: f.default for f in attrs.fields(sa.ImportOptions)}
    keywords = {
        name: parameter.default
        for name, parameter in inspect.signature(sa.Base.import_rows).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert keywords == fields
    assert attrs.asdict(IMPORT_DEFAULTS, recurse=False) == fields


def test_the_cli_batch_size_default_is_the_options_default() -> None:
    pytest.importorskip("typer")
    from seatable_async.cli._import import import_command

    batch_size = inspect.signature(import_command).parameters["batch_size"]
    assert batch_size.default == IMPORT_DEFAULTS.batch_size == 1000


@pytest.mark.parametrize("command", ["import_command", "demo"])
def test_the_cli_import_defaults_are_the_options_defaults(command: str) -> None:
    """The demo and the import command take batch size and concurrency from `ImportOptions`."""
    pytest.importorskip("typer")
    from seatable_async.cli import _demo, _import

    function = getattr(_import if command == "import_command" else _demo, command)
    parameters = inspect.signature(function).parameters
    assert parameters["batch_size"].default == IMPORT_DEFAULTS.batch_size
    assert parameters["concurrency"].default == IMPORT_DEFAULTS.workers
