"""`ImportOptions`: how an import runs — the one place its settings are declared and checked."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from seatable_async import _validate as check
from seatable_async.cells import CellOptions, cell_options
from seatable_async.errors import ConfigurationError

if TYPE_CHECKING:
    from seatable_async.bulk._report import ImportProgress

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_SETTLE",
    "IMPORT_DEFAULTS",
    "MAX_BATCH_SIZE",
    "ImportOptions",
    "ProgressCallback",
    "RowSource",
]

MAX_BATCH_SIZE = 1000
"""SeaTable's cap on rows per append request."""

DEFAULT_CONCURRENCY = 16
"""Batches in flight by default (the client's ``max_concurrency`` bounds requests anyway)."""

DEFAULT_SETTLE = 10.0
"""Seconds an ambiguous batch waits before its keys are checked (see `ImportOptions.settle`)."""

ProgressCallback = Callable[["ImportProgress"], Awaitable[None] | None]
RowSource = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]]


def _batch_size(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    check.integer(value, "batch_size", minimum=1, maximum=MAX_BATCH_SIZE)


def _concurrency(instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None:
        check.integer(value, "concurrency", minimum=1)


def _key(instance: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and "`" in check.text(value, "key"):
        raise ConfigurationError("key must be a column name without backticks")


def _progress(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check.function(value, "on_progress")


def _settle(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ConfigurationError("settle must be a number of seconds >= 0")


def _flag(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    check.boolean(value, attribute.name)


def _encode(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    cell_options(value, "encode")


@attrs.frozen(kw_only=True)
class ImportOptions:
    """How `Base.import_rows` / `ImportJob` run an import.

    Attributes:
        batch_size: rows per append request, 1..1000.
        concurrency: batches in flight (default 16).
        key: a column whose values identify rows uniquely; ambiguous batches are then
            reconciled so every row lands exactly once (see the package documentation).
        on_progress: called (sync or async) with an `ImportProgress` after each batch.
        raise_on_failure: raise `BulkImportError` when a row was not inserted.
        skip_existing: with ``key``, send only rows whose key is not in the table yet.
        settle: with ``key``, seconds an ambiguous batch waits before its keys are checked,
            so that a write the server finishes after answering 502/504 is seen, not re-sent.
        encode: encode rows by column type as they are read (a `CellOptions` tunes it); a
            row with an invalid value fails with its `CellValueError` and is never sent.

    Raises:
        ConfigurationError: an invalid setting.
    """

    batch_size: int = attrs.field(default=MAX_BATCH_SIZE, validator=_batch_size)
    concurrency: int | None = attrs.field(default=None, validator=_concurrency)
    key: str | None = attrs.field(default=None, validator=_key)
    on_progress: ProgressCallback | None = attrs.field(default=None, validator=_progress)
    raise_on_failure: bool = attrs.field(default=True, validator=_flag)
    skip_existing: bool = attrs.field(default=False, validator=_flag)
    settle: float = attrs.field(default=DEFAULT_SETTLE, validator=_settle)
    encode: bool | CellOptions = attrs.field(default=True, validator=_encode)

    def __attrs_post_init__(self) -> None:
        if self.skip_existing and self.key is None:
            raise ConfigurationError("skip_existing needs a key column to recognise rows")

    @property
    def cells(self) -> CellOptions | None:
        """The encoding settings, or None when rows are sent as given."""
        return cell_options(self.encode, "encode")

    @property
    def workers(self) -> int:
        return self.concurrency if self.concurrency is not None else DEFAULT_CONCURRENCY


IMPORT_DEFAULTS = ImportOptions()
"""Every setting at its default: the one place the defaults are declared is `ImportOptions`;
signatures that spell the settings out (`Base.import_rows`, the CLI's ``import``) read theirs
from here."""
