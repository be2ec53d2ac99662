"""Reconciliation: which key values the table holds, and the duplicate sweep.

Used by the importer for ambiguous batches (a write that failed after it may have reached the
server) and for ``skip_existing``. Queries go through the public `Base.sql` (parameters on
every server version), in chunks of `SQL_IN_CHUNK` keys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from seatable_async.bulk._key_column import KeyColumn, key_value
from seatable_async.bulk._ledger import RowLedger
from seatable_async.cells import EncodedRow
from seatable_async.errors import MaybeAppliedError, SeaTableError, may_have_landed

if TYPE_CHECKING:
    from seatable_async._base.base import Base

__all__ = ["MAX_RECONCILE_ROUNDS", "SQL_IN_CHUNK", "Claim", "Reconciler"]

MAX_RECONCILE_ROUNDS = 3
"""Reconciliation rounds in a row that insert nothing before an ambiguous batch gives up."""

_MAX_ROUNDS = 50

SQL_IN_CHUNK = 500
"""Key values per query (well below SeaTable's statement limits)."""


@attrs.frozen
class Claim:
    """A reconciled key: the row the import counts as inserted, and the rows that held the
    key when the importer first looked (which the sweep never deletes).

    Attributes:
        value: the key value as the input gave it.
        keep: the row id in the report.
        seen: row ids present at the first check.
    """

    value: Any
    keep: str
    seen: frozenset[str]


class Reconciler:
    """Settles ambiguous batches of one import by key, and sweeps duplicates at the end.

    Args:
        base: the base.
        table: the table.
        key: the key column.
        ledger: the import's row ledger (rows are recorded there).
        settle: seconds an ambiguous batch waits before its keys are checked.
    """

    def __init__(self, base: Base, table: str, key: KeyColumn, ledger: RowLedger, *, settle: float):
        self._base = base
        self._table = table
        self._key = key
        self._ledger = ledger
        self._settle = settle
        self._claims: dict[Hashable, Claim] = {}
        self._last_resend = float("-inf")

    async def reconcile(
        self,
        number: int,
        indices: list[int],
        rows: list[dict[str, Any] | EncodedRow],
        first: SeaTableError | None,
    ) -> SeaTableError | None:
        """Send the rows whose key is not in the table yet; record every row in the ledger.

        ``first`` is the ambiguous failure that made the rows' outcome unknown, or None when
        the importer checks before the first send (``skip_existing``). After an ambiguous
        failure the rows first wait ``settle`` seconds: a write answered with a 502/504 may
        still be applied by the server, and must be found, not re-sent.

        Returns:
            The error of a request that would fail every batch (the import then stops).
        """
        key, ledger = self._key, self._ledger
        if first is not None:
            await anyio.sleep(self._settle)
        pending = list(zip(indices, rows, strict=True))
        seen: dict[int, frozenset[str]] = {}
        last: SeaTableError | None = first
        stalled, rounds, before = 0, 0, len(pending) + 1
        while True:
            # Checked right before every send, so a write that landed meanwhile is found.
            try:
                present = await self.existing([key_value(row, key.name) for _, row in pending])
            except SeaTableError as exc:
                reason = f"{last or 'sent'}; checking key {key.name!r} on the server failed: {exc}"
                ledger.maybe_applied(number, [i for i, _ in pending], MaybeAppliedError(reason))
                return exc
            missing: list[tuple[int, dict[str, Any] | EncodedRow]] = []
            for index, row in pending:
                value = key_value(row, key.name)
                form = key.normalize(value)
                ids = present.get(form, []) if form is not None else []
                seen.setdefault(index, frozenset(ids))
                if ids:
                    ledger.set_inserted(index, ids[0])
                    if first is not None:
                        self._claim(form, value, ids[0], seen[index])
                else:
                    missing.append((index, row))
            if not missing:
                return None
            stalled = 0 if len(missing) < before else stalled + 1
            before, rounds = len(missing), rounds + 1
            if stalled > MAX_RECONCILE_ROUNDS or rounds > _MAX_ROUNDS:
                reason = f"not inserted after {rounds - 1} reconciliation rounds; last: {last}"
                ledger.fail(number, [i for i, _ in missing], SeaTableError(reason))
                return None
            self._last_resend = anyio.current_time()
            try:
                # Rows are sent as the import prepared them (encoded when it encodes).
                ids = await self._base.append_rows(
                    self._table, [row for _, row in missing], encode=False
                )
            except SeaTableError as exc:
                still = ledger.record_partial([i for i, _ in missing], exc)
                if not may_have_landed(exc):
                    ledger.fail(number, still, exc)
                    return exc
                left = set(still)
                pending, last = [(i, r) for i, r in missing if i in left], exc
                await anyio.sleep(self._settle)
                continue
            for (index, row), row_id in zip(missing, ids, strict=True):
                ledger.set_inserted(index, row_id)
                if first is not None:
                    value = key_value(row, key.name)
                    self._claim(key.normalize(value), value, row_id, seen[index])
            return None

    def _claim(self, form: Hashable | None, value: Any, keep: str, seen: frozenset[str]) -> None:
        if form is not None:
            self._claims[form] = Claim(value, keep, seen)

    async def existing(self, values: Sequence[Any]) -> dict[Hashable, list[str]]:
        """Map each normalised key value found in the table to the ids of its rows."""
        key = self._key
        found: dict[Hashable, list[str]] = defaultdict(list)
        for start in range(0, len(values), SQL_IN_CHUNK):
            chunk = [key.sql_value(v) for v in values[start : start + SQL_IN_CHUNK]]
            marks = ", ".join("?" for _ in chunk)
            sql = (
                f"SELECT `_id`, `{key.name}` FROM `{self._table}` WHERE `{key.name}` IN "
                f"({marks}) LIMIT {4 * len(chunk) + 10}"
            )
            result = await self._base.sql(sql, chunk)
            for row in result.rows:
                row_id = row.get("_id")
                if not isinstance(row_id, str):
                    continue
                for form in key.stored(row.get(key.name)):
                    if row_id not in found[form]:
                        found[form].append(row_id)
        return dict(found)

    async def sweep(self) -> list[str]:
        """Delete the copies of reconciled keys that the import itself created.

        A copy is a row holding a reconciled key that is neither the row in the report nor one
        that was there at the first check: a write that landed after it was re-sent. The sweep
        runs ``settle`` seconds after the last re-send was sent, so it sees every write that
        lands within ``settle`` seconds of being sent; a write slower than that can land after
        the sweep (raise ``settle`` if your server's proxies give up on writes that long).

        Returns:
            The ids of the deleted rows.
        """
        if not self._claims:
            return []
        wait = self._last_resend + self._settle - anyio.current_time()
        if wait > 0:
            await anyio.sleep(wait)  # let writes that may still land, land
        by_value = list(self._claims.values())
        extra: list[str] = []
        for start in range(0, len(by_value), SQL_IN_CHUNK):
            chunk = by_value[start : start + SQL_IN_CHUNK]
            present = await self.existing([c.value for c in chunk])
            for claim in chunk:
                form = self._key.normalize(claim.value)
                for row_id in present.get(form, []) if form is not None else []:
                    if row_id != claim.keep and row_id not in claim.seen and row_id not in extra:
                        extra.append(row_id)
        if extra:
            await self._base.delete_rows(self._table, extra)
        return extra
