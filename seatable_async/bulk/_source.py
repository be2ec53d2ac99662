"""Reading an import's source in chunks without blocking the event loop.

DataFrames and Arrow data (a pandas or polars DataFrame, a pyarrow Table, RecordBatch or
RecordBatchReader, or an iterable of record batches such as ``ParquetFile.iter_batches()``)
are read batch by batch and turned into rows of plain Python values as they are needed (see
`seatable_async.cells.iter_frame_rows`), so a reader backed by a file or a generator streams
with flat memory.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterator,
    Sequence,
)
from typing import Any

import anyio.to_thread

from seatable_async.bulk._options import RowSource
from seatable_async.cells import iter_frame_rows
from seatable_async.cells._deps import loaded

__all__ = ["CANCEL_GRACE", "Taken", "frame_rows", "read_chunks"]

_FRAME_TYPES = (("pandas", "DataFrame"), ("polars", "DataFrame"))
_ARROW_TYPES = ("Table", "RecordBatch", "RecordBatchReader")


def frame_rows(source: Any, size: int) -> Any:
    """Rows of ``source`` if it is a DataFrame or Arrow data (read lazily), else ``source``."""
    frame = any(
        (module := loaded(name)) is not None and isinstance(source, getattr(module, kind))
        for name, kind in _FRAME_TYPES
    )
    pa = loaded("pyarrow")
    arrow = pa is not None and isinstance(source, tuple(getattr(pa, t) for t in _ARROW_TYPES))
    batches = isinstance(source, (list, tuple)) and bool(source) and _is_record_batch(source[0])
    if frame or arrow or batches or hasattr(source, "__arrow_c_stream__"):
        return iter_frame_rows(source, batch_size=size)
    return source


def _is_record_batch(item: Any) -> bool:
    pa = loaded("pyarrow")
    return pa is not None and isinstance(item, pa.RecordBatch)


class Taken:
    """How many rows have been taken from a source so far (the job reports every one).

    A worker thread reading a blocking source counts here too; it stops at the next row once
    `stop` is set.
    """

    def __init__(self) -> None:
        self.count = 0
        self.stop = False


CANCEL_GRACE = 1.0
"""Seconds a cancelled import waits for a blocking sync source to finish the row it is
producing; after that the import ends without it (that row, if it comes, is neither taken
into the report nor sent)."""


async def read_chunks(
    source: RowSource, size: int, stopped: Callable[[], bool], taken: Taken
) -> AsyncGenerator[Sequence[Any], None]:
    """Yield ``source`` in chunks of up to ``size`` rows until it ends or ``stopped()``.

    An async iterable is read as it comes; a list or tuple is sliced (nothing blocks); any
    other iterable may block (a file, a database cursor), so it is read in a worker thread.
    Either way an error the source raises comes after the rows read before it, and every row
    taken from the source is counted in ``taken`` first (so a cancellation can report it).
    """
    if isinstance(source, AsyncIterable):
        async for chunk in _async_chunks(source, size, stopped, taken):
            yield chunk
        return
    if isinstance(source, (list, tuple)):
        for start in range(0, len(source), size):
            chunk = source[start : start + size]
            taken.count += len(chunk)
            yield chunk
            if stopped():
                return
        return
    rows = iter(source)
    head, failure = await _in_thread(rows, 1, taken)
    if failure is not None:
        raise failure
    if head and _is_record_batch(head[0]):
        # An iterable of record batches (ParquetFile.iter_batches(), …): read it as rows.
        taken.count -= len(head)  # batches, not rows: their rows are counted as read
        rows = iter_frame_rows(itertools.chain(head, rows), batch_size=size)
        head = []
    if head:
        yield head
    while not stopped():
        chunk, failure = await _in_thread(rows, size, taken)
        if chunk:
            yield chunk
        if failure is not None:
            raise failure
        if len(chunk) < size:
            return


async def _async_chunks(
    source: AsyncIterable[Any], size: int, stopped: Callable[[], bool], taken: Taken
) -> AsyncGenerator[Sequence[Any], None]:
    stream = aiter(source)
    # An async generator stopped mid-way is closed here, not left to the garbage collector.
    closing = contextlib.aclosing(stream) if isinstance(stream, AsyncGenerator) else _nothing()
    async with closing:
        chunk: list[Any] = []
        failure: Exception | None = None
        try:
            async for row in stream:
                taken.count += 1
                chunk.append(row)
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
                    if stopped():
                        return
        except Exception as exc:  # the rows read before the error are sent first
            failure = exc
        if chunk:
            yield chunk
        if failure is not None:
            raise failure


async def _in_thread(
    rows: Iterator[Any], size: int, taken: Taken
) -> tuple[list[Any], Exception | None]:
    """Read up to ``size`` rows in a worker thread; a cancellation ends the wait within
    `CANCEL_GRACE` seconds however long the source blocks."""
    done = threading.Event()
    try:
        return await anyio.to_thread.run_sync(
            _read_chunk, rows, size, taken, done, abandon_on_cancel=True
        )
    except anyio.get_cancelled_exc_class():
        taken.stop = True
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(done.wait, CANCEL_GRACE)
        raise


@contextlib.asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


def _read_chunk(
    rows: Iterator[Any], size: int, taken: Taken, done: threading.Event
) -> tuple[list[Any], Exception | None]:
    """Up to ``size`` rows, and the exception the source raised after them, if any."""
    chunk: list[Any] = []
    try:
        for row in itertools.islice(rows, size):
            taken.count += 1
            chunk.append(row)
            if taken.stop:
                break
    except Exception as exc:
        return chunk, exc
    finally:
        done.set()
    return chunk, None
