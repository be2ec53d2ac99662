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

__all__ = ["frame_rows", "read_chunks"]

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


async def read_chunks(
    source: RowSource, size: int, stopped: Callable[[], bool]
) -> AsyncGenerator[Sequence[Any], None]:
    """Yield ``source`` in chunks of up to ``size`` rows until it ends or ``stopped()``.

    An async iterable is read as it comes; a list or tuple is sliced (nothing blocks); any
    other iterable may block (a file, a database cursor), so it is read in a worker thread.
    An error the source raises comes after the rows read before it.
    """
    if isinstance(source, AsyncIterable):
        stream = aiter(source)
        # An async generator stopped mid-way is closed here, not left to the garbage collector.
        closing = contextlib.aclosing(stream) if isinstance(stream, AsyncGenerator) else _nothing()
        async with closing:
            chunk: list[Any] = []
            async for row in stream:
                chunk.append(row)
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
                    if stopped():
                        return
            if chunk:
                yield chunk
        return
    if isinstance(source, (list, tuple)):
        for start in range(0, len(source), size):
            yield source[start : start + size]
            if stopped():
                return
        return
    rows = iter(source)
    head, failure = await anyio.to_thread.run_sync(_read_chunk, rows, 1)
    if failure is not None:
        raise failure
    if head and _is_record_batch(head[0]):
        # An iterable of record batches (ParquetFile.iter_batches(), …): read it as rows.
        rows = iter_frame_rows(itertools.chain(head, rows), batch_size=size)
    else:
        rows = itertools.chain(head, rows)
    while not stopped():
        chunk, failure = await anyio.to_thread.run_sync(_read_chunk, rows, size)
        if chunk:
            yield chunk
        if failure is not None:
            raise failure
        if len(chunk) < size:
            return


@contextlib.asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


def _read_chunk(rows: Iterator[Any], size: int) -> tuple[list[Any], Exception | None]:
    """Up to ``size`` rows, and the exception the source raised after them, if any."""
    chunk: list[Any] = []
    try:
        for row in itertools.islice(rows, size):
            chunk.append(row)
    except Exception as exc:
        return chunk, exc
    return chunk, None
