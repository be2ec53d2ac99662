"""What a `WebhookReceiver` did: counters and a frozen snapshot of them."""

from __future__ import annotations

import attrs

__all__ = ["ReceiverStats"]


@attrs.frozen
class ReceiverStats:
    """A snapshot of a receiver's counters (``receiver.stats``).

    Every request ends in exactly one of ``rejected``, ``too_large``, ``malformed``,
    ``unavailable``, ``duplicates``, ``overflowed``, ``queued`` or ``not_allowed``; every
    queued event in one of ``handled``, ``failed``, ``abandoned`` (or is still ``in_queue`` or
    ``in_progress``).

    Attributes:
        requests: HTTP requests received.
        rejected: refused with 403: missing, malformed or wrong signature (handler not run).
        too_large: refused with 413: the body exceeded ``max_body``.
        malformed: refused with 400: signed, but not a SeaTable event.
        not_allowed: refused with 405: not a POST.
        unavailable: refused with 503 because the receiver was not running.
        duplicates: exact repeats answered 200 and not handled again.
        overflowed: events the full queue could not take (503, or 200 with
            ``when_full="drop"``); each is logged with its row id.
        queued: events accepted (answered 200) for the handler.
        handled: handler calls that returned.
        failed: handler calls that raised or timed out (logged with the row id).
        abandoned: queued events never handled because the receiver stopped first.
        in_queue: events waiting for a worker now.
        in_progress: handler calls running now.
    """

    requests: int = 0
    rejected: int = 0
    too_large: int = 0
    malformed: int = 0
    not_allowed: int = 0
    unavailable: int = 0
    duplicates: int = 0
    overflowed: int = 0
    queued: int = 0
    handled: int = 0
    failed: int = 0
    abandoned: int = 0
    in_queue: int = 0
    in_progress: int = 0
