"""How long a request may take and how large an answer may be: the `Limits` of a client.

Time, from the innermost bound out (each ends in a `RequestTimeoutError`, or a
`MaybeAppliedTimeoutError` for a write that was already sent):

* **phase** — ``timeout``: connecting, and each wait for the next bytes of the answer or for
  room to send the request (httpx's timeouts);
* **attempt** — ``attempt_timeout`` (default ``3 × timeout``) plus one second per
  ``min_transfer_rate`` bytes of request body: one attempt, connect + headers + the whole
  body, however the server paces its bytes;
* **operation** — ``RetryPolicy.deadline``: everything one call does (token wait, rate-limit
  waits, every attempt and backoff), the running attempt included;
* **download** (a file streamed with ``download_file``) — the attempt bound is replaced by the
  download rule: every window of ``timeout`` seconds must bring at least
  ``min_transfer_rate × timeout`` bytes, and the whole download ends after
  ``download_timeout`` when one is set; the operation deadline bounds it until the answer's
  header arrives.

Bytes: a successful answer may hold at most ``max_response_bytes`` (data) or
``max_token_response_bytes`` (Base-Token answers) after decoding; reading stops at the cap
with `ResponseTooLargeError`. Error answers are read up to `ERROR_BODY_BYTES` (enough for any
message) and the rest is dropped unread.
"""

from __future__ import annotations

import math

import attrs

from seatable_async.errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_TOKEN_RESPONSE_BYTES",
    "DEFAULT_MIN_TRANSFER_RATE",
    "ERROR_BODY_BYTES",
    "Limits",
]

DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
"""256 MiB: a 10,000-row SQL page of wide rows is a few MB; an answer far above is not SeaTable."""

DEFAULT_MAX_TOKEN_RESPONSE_BYTES = 64 * 1024
"""64 KiB: a Base-Token answer is well under 2 KB."""

DEFAULT_MIN_TRANSFER_RATE = 4096.0
"""Bytes per second below which a download (or a request body) counts as stalled."""

ERROR_BODY_BYTES = 64 * 1024
"""The part of an error answer that is read (SeaTable's messages are a few hundred bytes)."""


def _seconds(value: object, what: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigurationError(f"{what} must be a positive number of seconds")
    return float(value)


def _size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise ConfigurationError(f"{what} must be an integer number of bytes >= 1024")
    return value


@attrs.frozen
class Limits:
    """The time and size bounds of one client (see the module docstring for the rules).

    Attributes:
        timeout: seconds for connecting and for each wait for bytes.
        attempt_timeout: seconds one attempt may take in total (default ``3 × timeout``).
        min_transfer_rate: bytes per second a download must sustain (per window of
            ``timeout`` seconds), and the rate a request body is given time for.
        download_timeout: seconds one download may take in total (None: no total bound).
        max_response_bytes: cap of a data answer, decoded.
        max_token_response_bytes: cap of a Base-Token answer, decoded.
    """

    timeout: float
    attempt_timeout: float
    min_transfer_rate: float
    download_timeout: float | None
    max_response_bytes: int
    max_token_response_bytes: int

    @classmethod
    def build(
        cls,
        *,
        timeout: object,
        attempt_timeout: object = None,
        min_transfer_rate: object = DEFAULT_MIN_TRANSFER_RATE,
        download_timeout: object = None,
        max_response_bytes: object = DEFAULT_MAX_RESPONSE_BYTES,
        max_token_response_bytes: object = DEFAULT_MAX_TOKEN_RESPONSE_BYTES,
    ) -> Limits:
        """Check the client's arguments and derive the defaults.

        Raises:
            ConfigurationError: a bound that is not a positive number (or a size below 1 KiB).
        """
        phase = _seconds(timeout, "timeout")
        assert phase is not None
        total = (
            3 * phase if attempt_timeout is None else _seconds(attempt_timeout, "attempt_timeout")
        )
        assert total is not None
        if total < phase:
            raise ConfigurationError("attempt_timeout must be at least timeout")
        if (
            isinstance(min_transfer_rate, bool)
            or not isinstance(min_transfer_rate, (int, float))
            or not math.isfinite(min_transfer_rate)
            or min_transfer_rate <= 0
        ):
            raise ConfigurationError("min_transfer_rate must be a positive number of bytes/s")
        return cls(
            timeout=phase,
            attempt_timeout=total,
            min_transfer_rate=float(min_transfer_rate),
            download_timeout=_seconds(download_timeout, "download_timeout", optional=True),
            max_response_bytes=_size(max_response_bytes, "max_response_bytes"),
            max_token_response_bytes=_size(max_token_response_bytes, "max_token_response_bytes"),
        )

    def attempt_limit(self, request_bytes: int) -> float:
        """Seconds one attempt that sends ``request_bytes`` of body may take."""
        return self.attempt_timeout + request_bytes / self.min_transfer_rate

    def answer_cap(self, *, token_request: bool) -> int:
        """The cap of a successful answer of this kind."""
        return self.max_token_response_bytes if token_request else self.max_response_bytes

    @property
    def window_quota(self) -> float:
        """Bytes a download must bring in each window of `timeout` seconds."""
        return self.min_transfer_rate * self.timeout
