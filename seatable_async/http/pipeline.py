"""The request pipeline every operation goes through.

limiter → credential → header scheme → httpx send → classify → tenacity retry.

Classification decides what happens after a failed attempt:

=====================================  =========================  ==========================
failure                                idempotent operation       non-idempotent write
=====================================  =========================  ==========================
never sent (connect error, pool full)  retry                      retry
429                                    retry (server's wait)      retry (server's wait)
5xx, read timeout, dropped connection  retry                      ``MaybeAppliedError``
Base-Token refused (401/403 token)     re-mint once, replay       re-mint once, replay
``Bearer`` refused by an old server    replay once with ``Token``  replay once with ``Token``
other 4xx, redirects                   raise                      raise
=====================================  =========================  ==========================

Re-mint and scheme replays do not count against ``RetryPolicy.max_attempts``.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from typing import Any

import anyio
import attrs
import httpx
import tenacity

from seatable_async.auth.scheme import Scheme, SchemeState
from seatable_async.errors import (
    ConfigurationError,
    MaybeAppliedError,
    SeaTableError,
    ServerError,
    TransportError,
)
from seatable_async.http.call import Call, Lease
from seatable_async.http.ratelimit import RateLimiter
from seatable_async.http.responses import (
    decode_json,
    error_from_response,
    is_token_rejection,
    looks_like_scheme_rejection,
)
from seatable_async.http.retry import RetryPolicy, backoff_delay, parse_retry_after
from seatable_async.http.stats import StatsRecorder

__all__ = ["Pipeline"]

logger = logging.getLogger("seatable_async")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Replays that cost no attempt: a re-minted Base-Token, the Bearer→Token switch, and a token
# that went stale while the request queued for the rate limiter or a connection slot.
_FREE_CAUSES = ("token", "scheme", "stale")
_NO_SLOT = contextlib.nullcontext()
_MAX_STALE_REPLAYS = 5
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.ProtocolError)


class _Replay(Exception):
    """Internal: send the same call again at once (new Base-Token or other scheme)."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause


@attrs.define
class _Attempts:
    """Per-call retry bookkeeping read by tenacity's callbacks."""

    call: Call
    policy: RetryPolicy
    counted: int = 0
    stale_replays: int = 0
    token_replayed: bool = False
    retryable: BaseException | None = None
    cause: str = ""
    server_wait: float | None = None
    rng: random.Random | None = None

    def mark(self, exc: BaseException, cause: str, server_wait: float | None = None) -> None:
        self.retryable, self.cause, self.server_wait = exc, cause, server_wait

    def uncount(self) -> None:
        """Undo the count of a failure that is handed to tenacity a second time."""
        if self.cause not in _FREE_CAUSES:
            self.counted -= 1

    def should_retry(self, exc: BaseException) -> bool:
        if isinstance(exc, _Replay):
            self.cause = exc.cause
            return True
        if exc is not self.retryable:
            return False
        self.counted += 1
        return True

    def wait(self, retry_state: tenacity.RetryCallState) -> float:
        if self.cause in _FREE_CAUSES:
            return 0.0
        if self.server_wait is not None:
            return self.server_wait
        if self.cause == "429":
            return backoff_delay(
                self.counted, self.policy.rate_limit_wait, self.policy.max_server_wait, self.rng
            )
        policy = self.policy
        return backoff_delay(self.counted, policy.backoff_base, policy.backoff_max, self.rng)

    def stop(self, retry_state: tenacity.RetryCallState) -> bool:
        if self.cause in _FREE_CAUSES:
            return self.stale_replays > _MAX_STALE_REPLAYS
        if self.counted >= self.policy.max_attempts:
            return True
        elapsed = retry_state.seconds_since_start or 0.0
        return elapsed + (retry_state.upcoming_sleep or 0.0) > self.policy.deadline


class Pipeline:
    """Sends `Call` objects with auth, pacing, classification and retries."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        scheme: SchemeState,
        limiter: RateLimiter,
        concurrency: anyio.CapacityLimiter,
        policy: RetryPolicy,
        stats: StatsRecorder,
    ):
        self._http = http
        self._scheme = scheme
        self._limiter = limiter
        self._concurrency = concurrency
        self._policy = policy
        self._stats = stats

    async def send(self, call: Call, *, policy: RetryPolicy | None = None) -> Any:
        """Send ``call`` until it succeeds or the policy gives up; return the decoded body.

        Raises:
            SeaTableError: the typed error of the last attempt.
        """
        state = _Attempts(call, policy or self._policy)
        # Fast path: most calls succeed at once and never pay for building a retry loop.
        try:
            return await self._attempt(call, state, 1)
        except Exception as exc:
            if not state.should_retry(exc):
                raise
            first_failure: Exception | None = exc
        retrying = tenacity.AsyncRetrying(
            sleep=anyio.sleep,
            retry=tenacity.retry_if_exception(state.should_retry),
            wait=state.wait,
            stop=state.stop,
            reraise=True,
            before_sleep=self._before_sleep(state),
        )
        async for attempt in retrying:
            with attempt:
                if first_failure is not None:
                    # Hand the fast path's failure to tenacity as attempt 1, so waits, stop
                    # conditions and logging treat it like any other attempt.
                    failure, first_failure = first_failure, None
                    state.uncount()
                    raise failure
                return await self._attempt(call, state, attempt.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _before_sleep(self, state: _Attempts) -> Any:
        def log(retry_state: tenacity.RetryCallState) -> None:
            self._stats.retries[state.cause] += 1
            if state.cause not in _FREE_CAUSES:
                logger.info(
                    "retrying %s %s in %.2fs after %s (attempt %d of %d)",
                    state.call.method,
                    state.call.template,
                    retry_state.upcoming_sleep or 0.0,
                    state.cause,
                    state.counted + 1,
                    state.policy.max_attempts,
                )

        return log

    async def _attempt(self, call: Call, state: _Attempts, number: int) -> Any:
        lease = await call.credential.acquire() if call.credential is not None else None
        scheme = self._scheme
        if lease is not None and not scheme.confirmed:
            async with scheme.probe_lock:
                if not scheme.confirmed:
                    used = scheme.scheme
                    response, lease = await self._exchange(call, state, lease, used, number)
                    if looks_like_scheme_rejection(
                        response.status_code, response.content, scheme_probe=call.scheme_probe
                    ):
                        if used == "Bearer" and scheme.bearer_rejected():
                            raise _Replay("scheme")
                        if used == "Token":
                            scheme.token_also_rejected()
                    elif response.status_code < 500 and response.status_code != 429:
                        scheme.confirm(used)
                    return await self._finish(call, state, lease, response)
        response, lease = await self._exchange(call, state, lease, scheme.scheme, number)
        return await self._finish(call, state, lease, response)

    async def _exchange(
        self, call: Call, state: _Attempts, lease: Lease | None, scheme: Scheme, number: int
    ) -> tuple[httpx.Response, Lease | None]:
        """Wait for the rate budget and a connection slot, then send; return the answer and
        the credential lease that was actually sent."""
        headers = dict(call.headers) if call.headers else {}
        key = call.rate_key
        if key is not None:
            await self._limiter.acquire(key)
        response: httpx.Response | None = None
        started = time.perf_counter()
        # Token requests skip the queue of data requests: hundreds of operations may be
        # waiting for a slot while the token they need is being renewed.
        slot = _NO_SLOT if call.token_request else self._concurrency
        try:
            async with slot:
                if lease is not None and anyio.current_time() >= lease.use_before:
                    # Queued past the token's mandatory renewal point: never send a token the
                    # client knows is about to expire. Take the renewed one if the pool has
                    # it already, else go back for one (minting needs no slot held here).
                    assert call.credential is not None
                    fresh = call.credential.current()
                    if fresh is not None:
                        lease = fresh
                    else:
                        state.stale_replays += 1
                        if state.stale_replays <= _MAX_STALE_REPLAYS:
                            raise _Replay("stale")
                if lease is not None:
                    headers["Authorization"] = f"{scheme} {lease.secret.get_secret()}"
                self._stats.requests += 1
                if call.token_request:
                    self._stats.token_requests += 1
                response = await self._http.request(
                    call.method,
                    call.url,
                    params=call.params,
                    json=call.json,
                    data=call.form,
                    files=call.files,
                    content=call.content,
                    headers=headers,
                )
        except _NOT_SENT as exc:
            error = TransportError(
                f"request not sent: {type(exc).__name__}", method=call.method,
                path=call.template, sent=False,
            )
            state.mark(error, "not_sent")
            self._log(call, number, started, type(exc).__name__)
            raise error from None
        except _MAYBE_SENT as exc:
            self._log(call, number, started, type(exc).__name__)
            reason = f"{type(exc).__name__} after the request was sent"
            if call.idempotent:
                error = TransportError(reason, method=call.method, path=call.template)
                state.mark(error, "transport")
                raise error from None
            raise MaybeAppliedError(
                f"{reason}; the write may have been applied and was not replayed",
                method=call.method,
                path=call.template,
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ConfigurationError(
                f"invalid request URL ({type(exc).__name__})", method=call.method,
                path=call.template,
            ) from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"HTTP failure: {type(exc).__name__}", method=call.method, path=call.template
            ) from None
        finally:
            if key is not None:
                self._limiter.release(
                    key,
                    response.status_code if response is not None else None,
                    response.headers if response is not None else None,
                )
        self._log(call, number, started, response.status_code)
        return response, lease

    def _log(self, call: Call, number: int, started: float, outcome: object) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d, %.1f ms)",
                call.method,
                call.template,
                outcome,
                number,
                (time.perf_counter() - started) * 1000,
            )

    async def _finish(
        self, call: Call, state: _Attempts, lease: Lease | None, response: httpx.Response
    ) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            return self._decode(call, response)
        body = response.content
        if (
            lease is not None
            and call.credential is not None
            and call.credential.kind == "base"
            and is_token_rejection(status, body)
        ):
            self._stats.token_rejections += 1
            if not state.token_replayed and await call.credential.reject(lease):
                state.token_replayed = True
                raise _Replay("token")
        content_type = response.headers.get("content-type", "")
        if 300 <= status < 400:
            raise SeaTableError(
                f"the server answered with a redirect (HTTP {status}); redirects are not "
                "followed so that credentials and request bodies never go elsewhere — check "
                "the server URL",
                method=call.method,
                path=call.template,
            )
        server_wait = None
        if status == 429:
            self._stats.rate_limited += 1
            server_wait = parse_retry_after(
                response.headers, cap=state.policy.max_server_wait
            )
        error = error_from_response(
            status,
            body,
            content_type=content_type,
            method=call.method,
            path=call.template,
            headers={"x-seafile-otp": response.headers.get("x-seafile-otp", "")},
            retry_after=server_wait,
        )
        if status == 429:
            state.mark(error, "429", server_wait)
        elif status >= 500 or status == 408:
            if not call.idempotent:
                raise MaybeAppliedError(
                    f"HTTP {status} from a non-idempotent write; it may have been applied and "
                    "was not replayed",
                    method=call.method,
                    path=call.template,
                    status=status,
                ) from error
            if isinstance(error, ServerError):
                state.mark(error, "5xx")
        raise error

    def _decode(self, call: Call, response: httpx.Response) -> Any:
        kind = call.response
        if kind == "json":
            return decode_json(
                response.content,
                content_type=response.headers.get("content-type", ""),
                method=call.method,
                path=call.template,
                status=response.status_code,
            )
        if kind == "text":
            return response.text
        if kind == "bytes":
            return response.content
        return None
