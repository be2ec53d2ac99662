"""`PartialWrite`: what a batched write did before it failed (carried by its error)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs


@attrs.frozen
class PartialWrite:
    """What a batched write (``append_rows``, ``update_rows``, ``delete_rows``) did before it
    failed, so a caller can resume without duplicating rows.

    Indices refer to the rows (or ids, or updates) as the caller passed them.

    Attributes:
        total: how many rows the call was given.
        applied: indices the server confirmed (their batch succeeded).
        maybe_applied: indices whose batch failed after it may have reached the server.
        not_applied: indices that were certainly not written (refused, or never sent).
        row_ids: for appends, the new row id of each applied index.
    """

    total: int
    applied: tuple[int, ...]
    maybe_applied: tuple[int, ...]
    not_applied: tuple[int, ...]
    row_ids: Mapping[int, str] = attrs.field(factory=dict)
