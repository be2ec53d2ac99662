"""Bulk import: stream any number of rows into a table through a fixed set of workers.

``Base.import_rows`` (an `ImportJob` run) reads the source once, cuts it into batches of at
most 1,000 rows and hands them to a fixed number of worker tasks through a bounded anyio memory
stream, so memory stays flat however many rows pass through. Every batch goes through the
client's request pipeline with the base's rate key, so the per-base rate limiter paces all
workers together and 429s / never-sent failures are retried there.

Accounting
    Every row read from the source ends up in exactly one of three states, recorded in the
    `ImportReport`: *inserted* (with its row id), *failed* (with the error, the batch
    number and the row indices) or *maybe applied* (the server may or may not hold it).
    ``inserted_count + failed_count + maybe_applied_count == rows_read`` always holds, also when
    the import is cancelled, stopped early or the source raises.

Exactly once, with ``key``
    A row append that fails after the request may have reached the server (5xx such as a
    proxy's 502/504, a dropped connection, a lost or unreadable answer) is never replayed
    blindly. With ``key="<column>"`` the batch is reconciled:

    1. it waits ``settle`` seconds (default 10): a proxy that answers 502/504 may have left the
       write running, and it usually lands within seconds;
    2. it asks the server which of the batch's key values exist — right before every re-send —
       counts those rows as inserted (with the ids found) and sends only the missing ones,
       repeating while rounds make progress (giving up after `MAX_RECONCILE_ROUNDS` rounds in a
       row that insert nothing);
    3. after the import (and at least ``settle`` seconds after the last re-send), a duplicate
       sweep looks up every reconciled key once more and deletes the copies the import itself
       created — rows holding the key that are neither the row in the report nor rows that
       were there at the first check — and lists them in ``report.duplicates_removed``.

    Key values are compared as the server stores them, by the key column's type (numbers
    numerically, dates by calendar day, …; see `seatable_async.bulk._key_column`); key columns the
    server computes (formula, link, multiple-select, …) are refused before anything is sent.
    A row whose key is missing, unusable or repeats an earlier row of the input is failed
    before anything is sent, naming the earlier row. A key value that already existed in the
    table before the import is only noticed if its batch needs reconciliation, in which case
    the row counts as inserted with the existing row's id (use ``skip_existing`` to check
    every batch). Without ``key`` an ambiguous batch is reported as maybe applied.

Errors that would fail every batch
    Authentication, permission, not-found (unknown table) and configuration errors (e.g. the
    client was closed) stop the import early: no further rows are read, batches already read are
    failed with that error without being sent, batches in flight finish. Other errors (400 bad
    row, 429 after every retry, never-sent transport failures) fail only their batch.

Cancellation and the report of what landed
    `ImportJob` runs an import and keeps its report. If the surrounding scope is cancelled
    mid-import, ``run()`` re-raises the cancellation (it is never swallowed) and ``job.report``
    still holds an exact account: batches in flight at that moment are maybe applied, rows read
    but not yet sent are failed ("not sent")::

        job = ImportJob(base, "Table1", rows, key="Email")
        with anyio.move_on_after(60):
            await job.run()
        print(job.report.inserted_count)
"""

from seatable_async.bulk._job import ImportJob
from seatable_async.bulk._options import (
    DEFAULT_CONCURRENCY,
    DEFAULT_SETTLE,
    MAX_BATCH_SIZE,
    ImportOptions,
    ProgressCallback,
    RowSource,
)
from seatable_async.bulk._reconcile import MAX_RECONCILE_ROUNDS, SQL_IN_CHUNK
from seatable_async.bulk._report import (
    FailedBatch,
    ImportProgress,
    ImportReport,
    InsertedRows,
    MaybeAppliedBatch,
    RowIds,
    SettledRows,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_SETTLE",
    "MAX_BATCH_SIZE",
    "MAX_RECONCILE_ROUNDS",
    "SQL_IN_CHUNK",
    "FailedBatch",
    "ImportJob",
    "ImportOptions",
    "ImportProgress",
    "ImportReport",
    "InsertedRows",
    "MaybeAppliedBatch",
    "ProgressCallback",
    "RowIds",
    "RowSource",
    "SettledRows",
]
