"""What is retried, what is raised, and what counts as maybe-applied."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import httpx
import pytest

import seatable_async as sa
from tests.core.fakes import FakeSeaTable, api_token

pytestmark = pytest.mark.anyio

URL = "http://127.0.0.1"
FAST = sa.RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_max=0.002, rate_limit_wait=0.001)


def once(
    predicate: Callable[[httpx.Request], bool], make: Callable[[httpx.Request], httpx.Response]
):
    def step(request: httpx.Request) -> httpx.Response | None:
        return make(request) if predicate(request) else None

    return step


def on_rows(method: str) -> Callable[[httpx.Request], bool]:
    return lambda r: r.method == method and r.url.path.endswith("/rows/")


def raise_(exc: type[Exception]) -> Callable[[httpx.Request], httpx.Response]:
    def make(request: httpx.Request) -> httpx.Response:
        raise exc("scripted failure", request=request)  # type: ignore[call-arg]

    return make


def status(code: int, **kwargs: object) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, **kwargs)  # type: ignore[arg-type]


# (failure, read is retried, write outcome)
TABLE = [
    (status(429), True, "retried"),
    (status(429, headers={"retry-after": "0"}), True, "retried"),
    (status(500, text="<html>oops</html>"), True, "maybe"),
    (status(502), True, "maybe"),
    (status(503, json={"error_msg": "busy"}), True, "maybe"),
    (raise_(httpx.ConnectError), True, "retried"),
    (raise_(httpx.ConnectTimeout), True, "retried"),
    (raise_(httpx.PoolTimeout), True, "retried"),
    (raise_(httpx.ReadTimeout), True, "maybe"),
    (raise_(httpx.ReadError), True, "maybe"),
    (raise_(httpx.RemoteProtocolError), True, "maybe"),
    (status(400, json={"error_message": "bad"}), False, "raised"),
    (status(404, json={"error_message": "table not found"}), False, "raised"),
]


@pytest.mark.parametrize(("failure", "read_retried", "write_outcome"), TABLE)
async def test_classification(
    failure: Callable[[httpx.Request], httpx.Response], read_retried: bool, write_outcome: str
) -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport(), retry=FAST) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")

        fake.script.append(once(on_rows("GET"), failure))
        if read_retried:
            assert await base.list_rows("T") == []
        else:
            with pytest.raises(sa.APIError):
                await base.list_rows("T")

        fake.script.append(once(on_rows("POST"), failure))
        before = len(fake.rows)
        if write_outcome == "retried":
            assert len(await base.append_rows("T", [{"Name": "x"}], encode=False)) == 1
            assert len(fake.rows) == before + 1
        elif write_outcome == "maybe":
            with pytest.raises(sa.MaybeAppliedError):
                await base.append_rows("T", [{"Name": "x"}], encode=False)
            assert fake.requests[f"POST /api-gateway/api/v2/dtables/{_uuid()}/rows/"] == 1
        else:
            with pytest.raises(sa.APIError):
                await base.append_rows("T", [{"Name": "x"}], encode=False)


def _uuid() -> str:
    from tests.core.fakes import API_TOKENS

    return API_TOKENS[api_token(1)]


async def test_attempt_cap_raises_the_last_error() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport(), retry=FAST) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        for _ in range(10):
            fake.script.append(once(on_rows("GET"), status(503)))
        with pytest.raises(sa.ServerError) as info:
            await base.list_rows("T")
        assert info.value.status == 503
        assert client.stats.retries["5xx"] == 3


async def test_429_honours_retry_after() -> None:
    fake = FakeSeaTable()
    policy = sa.RetryPolicy(max_attempts=3, rate_limit_wait=5.0)
    async with sa.Client(URL, transport=fake.transport(), retry=policy) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        fake.script.append(once(on_rows("GET"), status(429, headers={"retry-after": "0.2"})))
        started = anyio.current_time()
        await base.list_rows("T")
        waited = anyio.current_time() - started
        assert 0.15 <= waited < 2.0  # the server's 0.2 s, not the 5 s fallback
        assert client.stats.rate_limited == 1
        assert client.stats.retries["429"] == 1


async def test_deadline_stops_retrying() -> None:
    fake = FakeSeaTable()
    policy = sa.RetryPolicy(max_attempts=100, deadline=0.3, backoff_base=0.1, backoff_max=0.1)
    async with sa.Client(URL, transport=fake.transport(), retry=policy) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        for _ in range(100):
            fake.script.append(once(on_rows("GET"), status(500)))
        started = anyio.current_time()
        with pytest.raises(sa.ServerError):
            await base.list_rows("T")
        assert anyio.current_time() - started < 1.0


async def test_cancellation_during_backoff_propagates_promptly() -> None:
    fake = FakeSeaTable()
    policy = sa.RetryPolicy(max_attempts=5, backoff_base=30, backoff_max=30)
    async with sa.Client(URL, transport=fake.transport(), retry=policy) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        fake.script.append(once(on_rows("GET"), status(503)))
        started = anyio.current_time()
        with anyio.move_on_after(0.2) as scope:
            await base.list_rows("T")
        assert scope.cancelled_caught
        assert anyio.current_time() - started < 1.0


async def test_cancellation_during_a_request_propagates_promptly() -> None:
    fake = FakeSeaTable()
    fake.token_gate = anyio.Event()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        started = anyio.current_time()
        with anyio.move_on_after(0.2) as scope:
            await base.list_rows("T")
        assert scope.cancelled_caught
        assert anyio.current_time() - started < 1.0


async def test_redirect_is_not_followed() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        fake.script.append(
            once(on_rows("POST"), status(302, headers={"location": "https://evil.example/x"}))
        )
        with pytest.raises(sa.SeaTableError, match="redirect"):
            await base.append_rows("T", [{"a": 1}], encode=False)
        # The redirect target was never contacted.
        assert all(h.startswith(("Bearer", "Token")) for h in fake.seen_authorization)


async def test_408_is_retried_for_writes_too() -> None:
    """408: the server gave up reading the request, so it processed nothing (RFC 9110 §15.5.9);
    a write is retried, not reported as maybe applied."""
    fake = FakeSeaTable()
    fake.script.append(once(on_rows("POST"), status(408)))
    async with sa.Client(URL, transport=fake.transport(), retry=FAST) as client:
        ids = await client.base(api_token(1)).append_rows("T", [{"Name": "x"}], encode=False)
    assert len(ids) == 1 and len(fake.rows) == 1


async def test_a_certificate_failure_is_not_retried_and_says_why() -> None:
    import ssl

    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed: self-signed")
        except ssl.SSLCertVerificationError as exc:
            raise httpx.ConnectError("certificate verify failed", request=request) from exc

    async with sa.Client(URL, transport=httpx.MockTransport(handler), retry=FAST) as client:
        with pytest.raises(sa.TransportError, match="certificate verify failed") as caught:
            await client.ping()
    assert attempts == [1]
    assert caught.value.sent is False


async def test_a_bug_below_is_not_disguised_as_a_seatable_error() -> None:
    """Every failure the SDK can name has its own error; a bug in a transport (or in the SDK)
    is not one of them, so it reaches the caller as itself, once, unretried — not as a vague
    "unexpected failure" that hides which of the two it was."""
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise RuntimeError("a bug somewhere below")

    async with sa.Client(URL, transport=httpx.MockTransport(handler), retry=FAST) as client:
        with pytest.raises(RuntimeError, match="a bug somewhere below"):
            await client.ping()
    assert attempts == [1]


async def test_the_internal_replay_signal_cannot_leak() -> None:
    """Worst case for free replays: every lease is stale on arrival and the server refuses
    every token. The stale, token and scheme replays each stop at their budget and the caller
    gets a typed error (the review's ``_Replay`` escape)."""
    from seatable_async._http.call import Call, Lease

    minted: list[int] = []

    class AlwaysStale:
        kind = "base"

        async def acquire(self) -> Lease:
            minted.append(1)
            return Lease(sa.Secret("t" * 40), len(minted), use_before=-1.0)

        def current(self) -> Lease | None:
            return None

        async def reject(self, lease: Lease) -> bool:
            return True

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "Invalid token"})

    async with sa.Client(URL, transport=httpx.MockTransport(handler), retry=FAST) as client:
        call = Call("GET", URL + "/x/", "/x/", credential=AlwaysStale(), rate_key="b")
        with pytest.raises(sa.AuthenticationError):
            await client._send(call)
        stats = client.stats
    assert stats.retries["stale"] == 5
    assert stats.retries["token"] == 1
    assert stats.requests <= 4
