"""Bulk import: stream any number of rows into a table through a fixed set of workers.

``import_rows`` (and ``Base.import_rows``, which calls it) reads the source once, cuts it into
batches of at most 1,000 rows and hands them to a fixed number of worker tasks through a bounded
anyio memory stream, so memory stays flat however many rows pass through. Every batch goes
through the client's request pipeline with the base's rate key, so the per-base rate limiter
paces all workers together and 429s / never-sent failures are retried there.

Accounting
    Every row read from the source ends up in exactly one of three states, recorded in the
    `ImportReport`: *inserted* (with its row id), *failed* (with the error, the batch
    number and the row indices) or *maybe applied* (the server may or may not hold it).
    ``inserted_count + failed_count + maybe_applied_count == rows_read`` always holds, also when
    the import is cancelled, stopped early or the source raises.

Ambiguous batches
    A row append that fails after the request may have reached the server (``MaybeAppliedError``:
    5xx, dropped connection, lost response; a ``TransportError`` with ``sent=True``; an
    unreadable 2xx answer) is never replayed blindly. With ``key="<column>"`` the batch is
    reconciled: the importer asks the server (SQL with parameters) which of the batch's key
    values exist, counts those rows as inserted (with the ids found) and sends only the missing
    ones, repeating while rounds make progress (it gives up after `MAX_RECONCILE_ROUNDS`
    rounds in a row that insert nothing). Without ``key`` the batch is reported as maybe
    applied.

Key values
    With ``key``, a row whose key value is missing, ``None``, an empty string or not a scalar
    (str, int, float, bool) is failed before anything is sent; so is a row whose key value
    repeats an earlier row of the *same batch*. Uniqueness across batches is not checked (that
    would cost memory proportional to the import): give every row a unique key. A key value that
    already exists in the table before the import is only noticed if its batch needs
    reconciliation, in which case the row counts as inserted with the existing row's id.

Errors that would fail every batch
    Authentication, permission, not-found (unknown table) and configuration errors (e.g. the
    client was closed) stop the import early: no further rows are read, batches already read are
    failed with that error without being sent, batches in flight finish. Other errors (400 bad
    row, 429 after every retry, never-sent transport failures) fail only their batch.

Cancellation and the report of what landed
    `ImportJob` runs an import and keeps its report. If the surrounding scope is cancelled
    mid-import, ``run()`` re-raises the cancellation (it is never swallowed) and ``job.report``
    still holds an exact account: batches in flight at that moment are maybe applied, rows read
    but not yet sent are failed ("not sent"). ``import_rows`` is ``ImportJob(...).run()``; use
    ``ImportJob`` directly when you need the report after a cancellation::

        job = ImportJob(base, "Table1", rows, key="Email")
        with anyio.move_on_after(60):
            await job.run()
        print(job.report.inserted_count)
"""

from seatable_async.bulk._job import (
    DEFAULT_MAX_CONCURRENCY as DEFAULT_MAX_CONCURRENCY,
)
from seatable_async.bulk._job import (
    MAX_BATCH_SIZE,
    MAX_RECONCILE_ROUNDS,
    ImportJob,
    import_rows,
)
from seatable_async.bulk._job import SQL_IN_CHUNK as SQL_IN_CHUNK
from seatable_async.bulk._job import ProgressCallback as ProgressCallback
from seatable_async.bulk._job import RowSource as RowSource
from seatable_async.bulk._report import (
    FailedBatch,
    ImportProgress,
    ImportReport,
    MaybeAppliedBatch,
    RowIds,
)
from seatable_async.bulk._report import InsertedRows as InsertedRows

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_RECONCILE_ROUNDS",
    "FailedBatch",
    "ImportJob",
    "ImportProgress",
    "ImportReport",
    "MaybeAppliedBatch",
    "RowIds",
    "import_rows",
]
