"""Property: whatever the server does — status × headers × body shape × pacing, on the data
route or the token route — every call ends in a value or a typed `SeaTableError`, within
``RetryPolicy.deadline`` (plus the token bound), within its memory bound, and no string of the
error holds a credential. Seeded by hypothesis; shapes from `tests.hostile.server`."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seatable_async as sa

from . import server as h
from .cases import BASE_TOKEN, Case, MiB, token_answer
from .harness import leaked, run_case

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.virtual_time,
    pytest.mark.filterwarnings("ignore:Async generator 'http:ResourceWarning"),
]


STATUSES = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 408, 429, 500, 502, 503])
BODIES = st.one_of(
    st.just(b""),
    st.binary(max_size=64),
    st.sampled_from([b"<html>x</html>", b"[" * 50_000, b'{"rows": 5}', b"null"]),
    st.builds(lambda m: {"error_msg": m}, st.sampled_from(["x", f"bad {BASE_TOKEN}"])),
    st.just({"rows": [{"_id": "r1"}]}),
)
HEADERS = st.lists(
    st.sampled_from(
        [
            ("Retry-After", "1"),
            ("Retry-After", "-5"),
            ("Retry-After", "99999999999"),
            ("Content-Encoding", "gzip"),
            ("Content-Encoding", "zstd"),
            ("X-Seafile-OTP", "required"),
        ]
    ),
    max_size=2,
    unique_by=lambda kv: kv[0],
)


@st.composite
def answers(draw: Any) -> h.Answer:
    shape = draw(st.sampled_from(["reply", "trickle", "head", "endless", "raw", "silence"]))
    status = draw(STATUSES)
    body = draw(BODIES)
    if shape == "reply":
        return h.reply(status, body, headers=draw(HEADERS))
    if shape == "trickle":
        return h.trickle(status, body, every=draw(st.sampled_from([0.1, 0.5, 3.0])))
    if shape == "head":
        return h.trickle_head(status, body, every=0.5)
    if shape == "endless":
        return h.endless_body(status, every=draw(st.sampled_from([0.0, 1.0])))
    if shape == "raw":
        return h.raw(draw(st.binary(min_size=1, max_size=40)))
    return h.silence()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    answer=answers(),
    where=st.sampled_from(["data", "token"]),
    call=st.sampled_from(["rows", "append", "token"]),
)
async def test_every_call_ends_typed_in_time_in_memory_without_secrets(
    answer: h.Answer, where: str, call: str
) -> None:
    case = Case(
        "property",
        "generated",
        call,
        None,
        10.0 + 3.0,  # RetryPolicy.deadline; the token bound (refresh_timeout 3) sits inside
        data=(lambda url: answer) if where == "data" else None,
        token=(lambda url: answer)
        if where == "token"
        else (lambda url: h.reply(200, token_answer(url))),
        memory=24 * MiB,
        client={"max_response_bytes": 4 * MiB, "refresh_timeout": 3},
    )
    outcome = await run_case(case)
    assert outcome.error is None or isinstance(outcome.error, sa.SeaTableError), repr(outcome.error)
    assert outcome.seconds <= case.within, outcome.seconds
    assert outcome.peak <= case.memory, outcome.peak
    assert leaked(outcome.error) == []
