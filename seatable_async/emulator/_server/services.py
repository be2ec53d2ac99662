"""What the emulator's parts may use of it: the narrow collaborators a request handler gets.

A handler reads ``req.services`` (a `Services`), never the `Emulator`: the state, the event
bus, the counters, the clock, the version, the reassignable settings, the token minter, the
file links, the webhooks, the late commits and the rate-limit policy. The `Emulator` builds
one `Services` and keeps its public attributes in step with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from attrs import define, field, frozen

from .._auth.minter import TokenMinter
from .._events.bus import EventBus
from .._events.stats import EmulatorStats
from .._faults.faults import FaultInjector, Faults
from .._faults.late_commits import LateCommits
from .._faults.limits import LimitPolicy, Limits
from .._state.file_links import FileLinks
from .._state.state import State
from .._webhooks.hub import WebhookHub

__all__ = ["Clock", "Services", "Settings", "VersionInfo"]


@define
class Clock:
    """The emulator's wall clock: ``base`` (default ``time.time``) plus what `advance` added."""

    base: Callable[[], float] = time.time
    offset: float = 0.0

    def now(self) -> float:
        """Unix seconds on the emulator's clock."""
        return self.base() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@frozen
class VersionInfo:
    """The emulated SeaTable version: ``name`` ("6.0"), ``numbers`` ((6, 0)), ``full``
    ("6.0.10", what ``/server-info/`` reports)."""

    name: str
    numbers: tuple[int, int] = field()
    full: str = field()

    @numbers.default
    def _numbers(self) -> tuple[int, int]:
        return (int(self.name[0]), int(self.name[2]))

    @full.default
    def _full(self) -> str:
        return f"{self.name}.10"

    @property
    def has_gateway(self) -> bool:
        """The API gateway serves base operations (4.4 and later)."""
        return self.numbers >= (4, 4)

    @property
    def has_legacy(self) -> bool:
        """dtable-server and dtable-db serve base operations (before 6.0)."""
        return self.numbers < (6, 0)


class Settings:
    """What may be reassigned on a running emulator (the `Emulator` attributes of the same
    names forward here)."""

    def __init__(
        self,
        *,
        token_ttl: float,
        latency: float,
        rate_limit: tuple[int, float] | None,
        redirect_legacy: bool,
        control: bool,
        limits: str | Limits | None,
        faults: Faults | None,
    ) -> None:
        self.token_ttl = token_ttl
        self.latency = latency
        self.rate_limit = rate_limit
        self.redirect_legacy = redirect_legacy
        self.control = control
        self._limits: Limits | None = None
        self.limits = limits
        self._faults: Faults | None = None
        self.injector: FaultInjector | None = None
        self.faults = faults

    @property
    def limits(self) -> Limits | None:
        return self._limits

    @limits.setter
    def limits(self, value: str | Limits | None) -> None:
        self._limits = Limits.preset(value) if isinstance(value, str) else value

    @property
    def faults(self) -> Faults | None:
        return self._faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        """Setting faults restarts the deterministic random sequence from its seed."""
        self._faults = value
        self.injector = FaultInjector(value) if value is not None else None

    def base_window(self) -> tuple[int, float] | None:
        """The per-base window in force: ``rate_limit``, else the limits' per-minute one."""
        if self.rate_limit is not None:
            return self.rate_limit
        lim = self._limits
        if lim is not None and lim.base_per_minute is not None:
            return (lim.base_per_minute, 60.0)
        return None


@frozen
class Services:
    """The collaborators of one emulator, as request handlers, the ASGI app and the
    Socket.IO server use them."""

    state: State
    events: EventBus
    stats: EmulatorStats
    clock: Clock
    version: VersionInfo
    settings: Settings
    tokens: TokenMinter
    files: FileLinks
    webhooks: WebhookHub
    late: LateCommits
    policy: LimitPolicy

    def advance(self, seconds: float) -> None:
        """Move the clock forward; late writes that fall due land now."""
        self.clock.advance(seconds)
        self.late.apply_due()
