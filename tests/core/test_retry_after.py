"""Server-directed waits are parsed defensively."""

from __future__ import annotations

import email.utils

import pytest

from seatable_async._http.retry import RetryPolicy, backoff_delay, parse_retry_after

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "-10"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "99999999999999999999999999999999999"}, None),
        ({"retry-after": "Fri, 99 Zzz 2026 00:00:00 GMT"}, None),
        ({"retry-after": email.utils.formatdate(NOW + 20, usegmt=True)}, 20.0),
        ({"retry-after": email.utils.formatdate(NOW - 20, usegmt=True)}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "x", "retry-after": "2"}, 2.0),
        ({"x-ratelimit-reset": str(int(NOW + 7))}, 7.0),
        ({"x-ratelimit-reset": str(int(NOW + 40 * 86400))}, 60.0),  # monthly quota: capped
        ({"x-ratelimit-reset": str(int(NOW - 5))}, None),
        ({"x-ratelimit-reset": "garbage"}, None),
        ({"retry-after": "500"}, 60.0),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    value = parse_retry_after(headers, now=NOW, cap=60.0)
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected, abs=1.0)


def test_backoff_is_jittered_exponential_and_capped() -> None:
    values = [backoff_delay(n, 0.2, 8.0) for n in range(1, 12)]
    assert 0.1 <= values[0] <= 0.2
    assert all(v <= 8.0 for v in values)
    assert max(values[6:]) >= 4.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": 1.5},
        {"deadline": -1},
        {"backoff_base": 0},
        {"max_server_wait": float("inf")},
    ],
)
def test_retry_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    from seatable_async.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
