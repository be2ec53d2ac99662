"""Run the batches of one write concurrently; when one fails, tell what landed.

Batched writes (``append_rows``, ``update_rows``, ``delete_rows``) split their input into
batches of the server's size cap. Batches start in input order, at most ``limit`` at once. After
the first failure no new batch starts, running ones finish, and the first failure in input
order is raised with a `PartialWrite` in its ``partial`` attribute, so a caller can resume
without duplicating rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import anyio
import attrs

from seatable_async.errors import PartialWrite, SeaTableError, may_have_landed

__all__ = ["Batch", "run_batches", "send_in_chunks"]

_R = TypeVar("_R")
_I = TypeVar("_I")


@attrs.frozen
class Batch(Generic[_R]):
    """One request of a batched write.

    Attributes:
        indices: the input positions the request covers.
        send: sends the request; returns what the server answered (row ids for appends).
    """

    indices: range
    send: Callable[[], Awaitable[_R]]


async def run_batches(
    batches: Sequence[Batch[_R]],
    *,
    limit: int,
    total: int,
    row_ids: Callable[[_R], Sequence[str]] | None = None,
) -> list[_R]:
    """Run ``batches`` (at most ``limit`` at once) and return their results in order.

    Args:
        batches: the requests, covering ``range(total)`` between them.
        limit: requests in flight at once.
        total: the number of input items.
        row_ids: for appends, reads the new row ids from a batch's result.

    Raises:
        SeaTableError: the first failure in input order, with ``partial`` set.
    """
    if len(batches) == 1:
        try:
            return [await batches[0].send()]
        except SeaTableError as exc:
            _with_partial(exc, batches, {}, {0: exc}, total, row_ids)
            raise
    results: dict[int, _R] = {}
    errors: dict[int, SeaTableError] = {}
    queue = iter(range(len(batches)))

    async def worker() -> None:
        # Workers take batches in input order, so what landed is mostly a prefix.
        for index in queue:
            if errors:
                return
            try:
                results[index] = await batches[index].send()
            except SeaTableError as exc:
                errors[index] = exc
            except Exception as exc:  # never an ExceptionGroup at the public API
                error = SeaTableError(f"unexpected failure: {type(exc).__name__}")
                error.__cause__ = exc
                errors[index] = error

    async with anyio.create_task_group() as group:
        for _ in range(min(limit, len(batches))):
            group.start_soon(worker)
    if errors:
        raise _with_partial(errors[min(errors)], batches, results, errors, total, row_ids)
    return [results[i] for i in range(len(batches))]


async def send_in_chunks(
    items: Sequence[_I],
    size: int,
    send: Callable[[list[_I]], Awaitable[_R]],
    *,
    limit: int,
    row_ids: Callable[[_R], Sequence[str]] | None = None,
) -> list[_R]:
    """Split ``items`` into chunks of ``size`` and `run_batches` ``send`` on each.

    Raises:
        SeaTableError: the first failure in input order, with ``partial`` set.
    """
    batches = [
        Batch(range(i, min(i + size, len(items))), _bound(send, list(items[i : i + size])))
        for i in range(0, len(items), size)
    ]
    return await run_batches(batches, limit=limit, total=len(items), row_ids=row_ids)


def _bound(send: Callable[[_I], Awaitable[_R]], chunk: _I) -> Callable[[], Awaitable[_R]]:
    def job() -> Awaitable[_R]:
        return send(chunk)

    return job


def _with_partial(
    error: SeaTableError,
    batches: Sequence[Batch[_R]],
    results: dict[int, _R],
    errors: dict[int, SeaTableError],
    total: int,
    row_ids: Callable[[_R], Sequence[str]] | None,
) -> SeaTableError:
    applied: list[int] = []
    maybe: list[int] = []
    ids: dict[int, str] = {}
    for number, batch in enumerate(batches):
        if number in results:
            applied.extend(batch.indices)
            if row_ids is not None:
                ids.update(zip(batch.indices, row_ids(results[number]), strict=False))
        elif number in errors and may_have_landed(errors[number]):
            maybe.extend(batch.indices)
    done = set(applied) | set(maybe)
    error.partial = PartialWrite(
        total=total,
        applied=tuple(applied),
        maybe_applied=tuple(maybe),
        not_applied=tuple(i for i in range(total) if i not in done),
        row_ids=ids,
    )
    return error
