"""Reading an import's source in chunks without blocking the event loop."""

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

__all__ = ["read_chunks"]


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
