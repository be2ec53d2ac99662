"""The request pipeline every operation goes through.

limiter → credential → header scheme → httpx send → classify → tenacity retry.

Classification decides what happens after a failed attempt:

=====================================  =========================  ==========================
failure                                idempotent operation       non-idempotent write
=====================================  =========================  ==========================
never sent (connect error, pool full)  retry                      retry
TLS certificate not verified           raise                      raise
429, 408                               retry (server's wait)      retry (server's wait)
5xx, read timeout, dropped connection  retry                      ``MaybeAppliedError``
Base-Token refused (401/403 token)     re-mint once, replay       re-mint once, replay
``Bearer`` refused by an old server    replay once with ``Token``  replay once with ``Token``
other 4xx, redirects                   raise                      raise
=====================================  =========================  ==========================

Re-mint, scheme and stale-token replays do not count against ``RetryPolicy.max_attempts``; each
has its own small budget. ``RetryPolicy.deadline`` counts from the first attempt, and a wait
for the base's rate budget that would end after it fails at once with `RateLimitedError`.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import tenacity

from seatable_async._http.attempts import FREE_REPLAYS, Attempts, Replay
from seatable_async._http.body import Reply
from seatable_async._http.call import Call, DatedReply, Lease
from seatable_async._http.exchange import Wire, body_size
from seatable_async._http.failures import (
    MAYBE_SENT,
    NOT_SENT,
    describe,
    is_certificate_error,
    not_sent_error,
    sent_error,
    timeout_error,
)
from seatable_async._http.limits import Limits
from seatable_async._http.origins import OriginPolicy
from seatable_async._http.ratelimit import RateLimiter
from seatable_async._http.redact import redact
from seatable_async._http.responses import (
    decode_json,
    error_from_response,
    is_token_rejection,
    looks_like_scheme_rejection,
)
from seatable_async._http.retry import RetryPolicy, parse_retry_after
from seatable_async._http.scheme import SchemeState
from seatable_async._http.stats import StatsRecorder
from seatable_async.errors import (
    APIError,
    ConfigurationError,
    MaybeAppliedError,
    ServerError,
    TransportError,
)

__all__ = ["Pipeline"]

logger = logging.getLogger("seatable_async")

_NO_SLOT = contextlib.nullcontext()


class Pipeline:
    """Sends `Call` objects with auth, pacing, bounds, classification and retries."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        scheme: SchemeState,
        limiter: RateLimiter,
        concurrency: anyio.CapacityLimiter,
        policy: RetryPolicy,
        stats: StatsRecorder,
        limits: Limits,
        origins: OriginPolicy,
    ):
        self._http = http
        self._scheme = scheme
        self._limiter = limiter
        self._concurrency = concurrency
        self._policy = policy
        self._stats = stats
        self._limits = limits
        self._origins = origins
        self._wire = Wire(http=http, scheme=scheme, stats=stats, limits=limits)

    async def send(self, call: Call, *, policy: RetryPolicy | None = None) -> Any:
        """Send ``call`` until it succeeds or the policy gives up; return the decoded body.

        The whole operation (token wait, rate-limit waits, attempts, backoff) ends by
        ``RetryPolicy.deadline``, the running attempt included.

        Raises:
            UntrustedOriginError: the call's URL is not this client's server nor trusted
                (nothing is sent).
            RequestTimeoutError: a time bound ran out (``scope`` says which).
            SeaTableError: the typed error of the last attempt.
        """
        self._origins.check(call.url, what=f"the URL of {call.method} {call.template}")
        state = Attempts(call, policy or self._policy, anyio.current_time())
        # A download is bounded by the download rule once its header is in (see `Limits`).
        until = math.inf if call.response == "stream" else state.give_up_at
        with anyio.CancelScope(deadline=until):
            return await self._run(call, state)
        raise timeout_error(call, "operation", state.policy.deadline, on_wire=state.on_wire)

    async def _run(self, call: Call, state: Attempts) -> Any:
        # Most calls succeed at once: the first attempt runs before tenacity's loop is
        # built (that costs more than a fast request). The deadline counts from above.
        try:
            return await self._attempt(call, state, 1)
        except Exception as exc:
            if not state.should_retry(exc):
                raise
            first: Exception | None = exc
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
                if first is not None:
                    failure, first = first, None
                    raise failure  # tenacity takes it as attempt 1: wait, stop, log
                return await self._attempt(call, state, attempt.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _before_sleep(self, state: Attempts) -> Callable[[tenacity.RetryCallState], None]:
        def log(retry_state: tenacity.RetryCallState) -> None:
            self._stats.retries[state.cause] += 1
            if state.cause not in FREE_REPLAYS:
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

    async def _attempt(self, call: Call, state: Attempts, number: int) -> Any:
        lease = await call.credential.acquire() if call.credential is not None else None
        response, lease, scheme_refused = await self._exchange(call, state, lease, number)
        if scheme_refused and state.may_replay("scheme"):
            raise Replay("scheme")
        return await self._finish(call, state, lease, response)

    async def _exchange(
        self, call: Call, state: Attempts, lease: Lease | None, number: int
    ) -> tuple[Reply, Lease | None, bool]:
        """Wait for the rate budget and a connection slot, then send; return the answer, the
        credential lease that was actually sent, and whether the server refused ``Bearer``
        (the call is then replayed with ``Token``)."""
        key = call.rate_key
        if key is not None:
            await self._limiter.acquire(key, give_up_at=state.give_up_at)
        response: Reply | None = None
        sent = False
        started = time.perf_counter()
        # Token requests skip the queue of data requests: hundreds of operations may be
        # waiting for a slot while the token they need is being renewed.
        slot = _NO_SLOT if call.token_request else self._concurrency
        phase = self._limits.timeout
        try:
            async with slot:
                lease = self._fresh_lease(call, state, lease)
                request = self._wire.build(call, lease)
                limit = self._limits.attempt_limit(body_size(request))
                ends_at = anyio.current_time() + limit
                # The attempt's own bound, or the operation's when that comes first.
                scope_name = "attempt" if ends_at < state.give_up_at else "operation"
                bound = limit if scope_name == "attempt" else state.policy.deadline
                sent = state.on_wire = True
                attempt = anyio.CancelScope(deadline=min(ends_at, state.give_up_at))
                response, scheme_refused = await self._send_with_scheme(
                    call, lease, request, attempt
                )
                state.on_wire = False
                if response is None:
                    self._log(call, number, started, f"{scope_name} timeout")
                    error = timeout_error(call, scope_name, bound, on_wire=True)
                    if call.idempotent and scope_name == "attempt":
                        state.mark(error, "transport")
                    raise error
        except NOT_SENT as exc:
            sent = state.on_wire = False
            self._log(call, number, started, type(exc).__name__)
            failure = not_sent_error(exc, call, phase)
            if not is_certificate_error(exc):
                state.mark(failure, "not_sent")
            raise failure from exc
        except MAYBE_SENT as exc:
            state.on_wire = False
            self._log(call, number, started, type(exc).__name__)
            failure = sent_error(exc, call, phase)
            if not isinstance(failure, MaybeAppliedError):
                state.mark(failure, "transport")
            raise failure from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            sent = False
            raise ConfigurationError(
                f"invalid request URL ({type(exc).__name__})",
                method=call.method,
                path=call.template,
            ) from exc
        except httpx.HTTPError as exc:
            raise TransportError(
                f"HTTP failure: {describe(exc)}", method=call.method, path=call.template
            ) from exc
        finally:
            if key is not None:
                self._limiter.release(
                    key,
                    response.status_code if response is not None else None,
                    response.headers if response is not None else None,
                    sent=sent,
                )
        self._log(call, number, started, response.status_code)
        return response, lease, scheme_refused

    def _fresh_lease(self, call: Call, state: Attempts, lease: Lease | None) -> Lease | None:
        """Never send a token the client knows is due: a request that queued past the token's
        mandatory renewal point takes the renewed token, or goes back for one."""
        if lease is None or anyio.current_time() < lease.use_before:
            return lease
        assert call.credential is not None
        fresh = call.credential.current()
        if fresh is not None:
            return fresh
        if state.may_replay("stale"):
            raise Replay("stale")
        return lease  # still valid for a moment: the server decides

    async def _send_with_scheme(
        self, call: Call, lease: Lease | None, request: httpx.Request, attempt: anyio.CancelScope
    ) -> tuple[Reply | None, bool]:
        """Send; None when the attempt's scope ran out."""
        scheme = self._scheme
        if lease is None or scheme.confirmed:
            return await self._wire.send(call, request, attempt), False
        # Unconfirmed scheme: one authenticated request at a time, so at most one is refused
        # for its scheme; the lock covers only the exchange, never the rate-limit wait.
        async with scheme.probe_lock:
            # Confirmed while this request waited? Then ``scheme.scheme`` is the confirmed one
            # and the state methods below change nothing.
            used = scheme.scheme
            if request.headers["Authorization"].split(" ", 1)[0] != used:
                request = self._wire.build(call, lease)
            response = await self._wire.send(call, request, attempt)
            if response is None:
                return None, False
            if looks_like_scheme_rejection(
                response.status_code, response.content, scheme_probe=call.scheme_probe
            ):
                if used == "Bearer" and scheme.bearer_rejected():
                    return response, True
                if used == "Token":
                    scheme.token_also_rejected()
            elif response.status_code < 500:
                # Any answer that is not a refusal of the scheme confirms it (a 429 too: the
                # server authenticated the request before throttling it).
                scheme.confirm(used)
            return response, False

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
        self, call: Call, state: Attempts, lease: Lease | None, response: Reply
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
            if await call.credential.reject(lease) and state.may_replay("token"):
                raise Replay("token")
        content_type = response.headers.get("content-type", "")
        if 300 <= status < 400:
            raise APIError(
                f"the server answered with a redirect (HTTP {status}); redirects are not "
                "followed so that credentials and request bodies never go elsewhere — check "
                "the server URL",
                status=status,
                method=call.method,
                path=call.template,
            )
        server_wait = None
        if status == 429:
            self._stats.rate_limited += 1
            server_wait = parse_retry_after(
                response.headers, now=self._limiter.now(), cap=state.policy.max_server_wait
            )
        # A server may echo what it was sent: keep the credentials of this call out of the
        # message built from its answer.
        secrets = (*call.redact, lease.secret.get_secret()) if lease is not None else call.redact
        if secrets and body:
            body = redact(body.decode("utf-8", "replace"), secrets).encode()
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
        elif status == 408:
            # 408: the server gave up reading the request; it did not process it.
            state.mark(error, "transport")
        elif status >= 500:
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

    def _decode(self, call: Call, response: Reply) -> Any:
        kind = call.response
        if kind in ("json", "dated_json"):
            data = decode_json(
                response.content,
                content_type=response.headers.get("content-type", ""),
                method=call.method,
                path=call.template,
                status=response.status_code,
            )
            if kind == "dated_json":
                return DatedReply(data, _http_date(response.headers.get("date")))
            return data
        if kind == "text":
            return response.text
        if kind == "bytes":
            return response.content
        if kind == "stream":
            return response.streamed
        return None


def _http_date(raw: str | None) -> float | None:
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
