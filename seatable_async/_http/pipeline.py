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
import ssl
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import tenacity

from seatable_async._http.attempts import FREE_REPLAYS, Attempts, Replay
from seatable_async._http.call import Call, DatedReply, Lease
from seatable_async._http.ratelimit import RateLimiter
from seatable_async._http.responses import (
    decode_json,
    error_from_response,
    is_token_rejection,
    looks_like_scheme_rejection,
)
from seatable_async._http.retry import RetryPolicy, parse_retry_after
from seatable_async._http.scheme import Scheme, SchemeState
from seatable_async._http.stats import StatsRecorder
from seatable_async._http.usage import count_request
from seatable_async.errors import (
    APIError,
    ConfigurationError,
    MaybeAppliedError,
    SeaTableError,
    ServerError,
    TransportError,
)

__all__ = ["Pipeline"]

logger = logging.getLogger("seatable_async")

_NO_SLOT = contextlib.nullcontext()

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.ProtocolError)


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
            SeaTableError: the typed error of the last attempt; nothing else (an unexpected
                library error is wrapped, with the original as ``__cause__``).
        """
        state = Attempts(call, policy or self._policy, anyio.current_time())
        try:
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
        except SeaTableError:
            raise
        except Exception as exc:
            raise SeaTableError(
                f"unexpected failure: {type(exc).__name__}",
                method=call.method,
                path=call.template,
            ) from exc
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
    ) -> tuple[httpx.Response, Lease | None, bool]:
        """Wait for the rate budget and a connection slot, then send; return the answer, the
        credential lease that was actually sent, and whether the server refused ``Bearer``
        (the call is then replayed with ``Token``)."""
        key = call.rate_key
        if key is not None:
            await self._limiter.acquire(key, give_up_at=state.give_up_at)
        response: httpx.Response | None = None
        sent = False
        started = time.perf_counter()
        # Token requests skip the queue of data requests: hundreds of operations may be
        # waiting for a slot while the token they need is being renewed.
        slot = _NO_SLOT if call.token_request else self._concurrency
        try:
            async with slot:
                lease = self._fresh_lease(call, state, lease)
                sent = True
                response, scheme_refused = await self._send_with_scheme(call, lease)
        except _NOT_SENT as exc:
            sent = False
            self._log(call, number, started, type(exc).__name__)
            error = TransportError(
                f"request not sent: {_describe(exc)}",
                method=call.method,
                path=call.template,
                sent=False,
            )
            if not _is_certificate_error(exc):
                state.mark(error, "not_sent")
            raise error from exc
        except _MAYBE_SENT as exc:
            self._log(call, number, started, type(exc).__name__)
            reason = f"{_describe(exc)} after the request was sent"
            if call.idempotent:
                error = TransportError(reason, method=call.method, path=call.template)
                state.mark(error, "transport")
                raise error from exc
            raise MaybeAppliedError(
                f"{reason}; the write may have been applied and was not replayed",
                method=call.method,
                path=call.template,
            ) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            sent = False
            raise ConfigurationError(
                f"invalid request URL ({type(exc).__name__})",
                method=call.method,
                path=call.template,
            ) from exc
        except httpx.HTTPError as exc:
            raise TransportError(
                f"HTTP failure: {_describe(exc)}", method=call.method, path=call.template
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
        self, call: Call, lease: Lease | None
    ) -> tuple[httpx.Response, bool]:
        scheme = self._scheme
        if lease is None or scheme.confirmed:
            return await self._request(call, lease, scheme.scheme), False
        # Unconfirmed scheme: one authenticated request at a time, so at most one is refused
        # for its scheme; the lock covers only the exchange, never the rate-limit wait.
        async with scheme.probe_lock:
            # Confirmed while this request waited? Then ``scheme.scheme`` is the confirmed one
            # and the state methods below change nothing.
            used = scheme.scheme
            response = await self._request(call, lease, used)
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

    async def _request(self, call: Call, lease: Lease | None, scheme: Scheme) -> httpx.Response:
        headers = dict(call.headers) if call.headers else {}
        if lease is not None:
            headers["Authorization"] = f"{scheme} {lease.secret.get_secret()}"
        self._stats.requests += 1
        count_request()
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
        # httpx binds a response and its stream to each other (a reference cycle), so a read
        # body would wait for the cyclic garbage collector; with 4 MB SQL pages that is
        # hundreds of MB. The body is read and the stream closed: drop the cycle now.
        response.stream = httpx.ByteStream(b"")
        return response

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
        self, call: Call, state: Attempts, lease: Lease | None, response: httpx.Response
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

    def _decode(self, call: Call, response: httpx.Response) -> Any:
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
        return None


def _describe(exc: httpx.HTTPError) -> str:
    """The failure's kind and its own words (httpx's messages carry no URL or header)."""
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_certificate_error(exc: BaseException) -> bool:
    """A TLS verification failure is a configuration problem: retrying cannot help."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _http_date(raw: str | None) -> float | None:
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
