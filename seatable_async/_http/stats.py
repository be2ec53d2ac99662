"""Counters of what the request machinery did, and their public snapshot."""

from __future__ import annotations

from collections import Counter

import attrs

__all__ = ["ClientStats", "StatsRecorder"]


@attrs.frozen
class ClientStats:
    """What a `Client` has done so far (a snapshot; no secrets).

    Attributes:
        requests: HTTP requests sent (every attempt counts).
        token_requests: Base-Token requests sent (first mints and renewals).
        token_refreshes: Base-Tokens renewed after the first one of their base.
        token_rejections: requests the server refused for an expired or invalid Base-Token.
        retries: retries by cause (``"429"``, ``"5xx"``, ``"transport"``, ``"not_sent"``,
            ``"token"``, ``"scheme"``).
        scheme: the ``Authorization`` scheme in use (``"Bearer"`` or ``"Token"``).
        scheme_confirmed: whether the server has confirmed it.
        rate_limited: 429 answers received.
        events_received: live events (``base.events()``) received from the server.
        events_dropped: live events dropped because a consumer fell behind (see
            `seatable_async.events`).
        event_reconnects: live-event connections re-established after a loss.
        event_rejoins: live-event rooms re-joined with a renewed Base-Token.
    """

    requests: int
    token_requests: int
    token_refreshes: int
    token_rejections: int
    retries: dict[str, int]
    scheme: str
    scheme_confirmed: bool
    rate_limited: int
    events_received: int = 0
    events_dropped: int = 0
    event_reconnects: int = 0
    event_rejoins: int = 0

    @property
    def total_retries(self) -> int:
        return sum(self.retries.values())


@attrs.define
class StatsRecorder:
    """Mutable counters owned by one client."""

    requests: int = 0
    token_requests: int = 0
    token_refreshes: int = 0
    token_rejections: int = 0
    rate_limited: int = 0
    retries: Counter[str] = attrs.field(factory=Counter)
    events_received: int = 0
    events_dropped: int = 0
    event_reconnects: int = 0
    event_rejoins: int = 0

    def token_fetched(self, renewal: bool) -> None:
        if renewal:
            self.token_refreshes += 1

    def snapshot(self, scheme: str, confirmed: bool) -> ClientStats:
        return ClientStats(
            requests=self.requests,
            token_requests=self.token_requests,
            token_refreshes=self.token_refreshes,
            token_rejections=self.token_rejections,
            retries=dict(self.retries),
            scheme=scheme,
            scheme_confirmed=confirmed,
            rate_limited=self.rate_limited,
            events_received=self.events_received,
            events_dropped=self.events_dropped,
            event_reconnects=self.event_reconnects,
            event_rejoins=self.event_rejoins,
        )
