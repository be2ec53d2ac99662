"""Every hostile case ends in its promised outcome, within its time and memory bounds, with
no credential in any string of the error (see `tests.hostile.cases` for the list)."""

from __future__ import annotations

import pytest

from .cases import CASES, Case
from .harness import leaked, run_case

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.virtual_time,
    # Reading stops early on purpose (a cap, a broken body); httpx nests async generators
    # without closing the inner ones, and trio's finalizer warns when they are collected.
    # The connection itself is closed (response.aclose()); the warning is httpx's, not a leak.
    pytest.mark.filterwarnings("ignore:Async generator 'http:ResourceWarning"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_hostile_case(case: Case) -> None:
    outcome = await run_case(case)
    if case.expect is None:
        assert outcome.error is None, repr(outcome.error)
    else:
        assert isinstance(outcome.error, case.expect), repr(outcome.error)
        if case.check is not None:
            assert case.check(outcome.error), repr(outcome.error)
    assert outcome.seconds <= case.within, outcome.seconds
    assert outcome.peak <= case.memory, outcome.peak
    assert leaked(outcome.error) == []
