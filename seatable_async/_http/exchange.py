"""One attempt on the wire: the request built with its credential, sent, and its answer read
within its bounds (size caps by kind, the download rule for streamed bodies).

The pipeline decides what to do with the outcome; this module only moves bytes.
"""

from __future__ import annotations

import math

import anyio
import httpx

from seatable_async._http.body import BodyProblem, Reply, read_capped, stream_to
from seatable_async._http.call import Call, Lease
from seatable_async._http.failures import body_error
from seatable_async._http.limits import ERROR_BODY_BYTES, Limits
from seatable_async._http.scheme import SchemeState
from seatable_async._http.stats import StatsRecorder
from seatable_async._http.usage import count_request
from seatable_async.errors import ConfigurationError

__all__ = ["Wire", "body_size"]


class Wire:
    """Builds and sends one request, reading its answer into a `Reply`."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        scheme: SchemeState,
        stats: StatsRecorder,
        limits: Limits,
    ):
        self._http = http
        self._scheme = scheme
        self._stats = stats
        self._limits = limits

    def build(self, call: Call, lease: Lease | None) -> httpx.Request:
        headers = dict(call.headers) if call.headers else {}
        if lease is not None:
            headers["Authorization"] = f"{self._scheme.scheme} {lease.secret.get_secret()}"
        try:
            return self._http.build_request(
                call.method,
                call.url,
                params=call.params,
                json=call.json,
                data=call.form,
                files=call.files,
                content=call.content,
                headers=headers,
            )
        except (TypeError, ValueError) as exc:
            # json.dumps refuses a value (a set, NaN, an object): the caller's bad value.
            raise ConfigurationError(
                f"the request body cannot be sent as JSON ({type(exc).__name__}: "
                f"{_short(str(exc))})",
                method=call.method,
                path=call.template,
            ) from None

    async def send(
        self, call: Call, request: httpx.Request, attempt: anyio.CancelScope
    ) -> Reply | None:
        """Send ``request`` and read its answer within its bounds (None: the scope ran out)."""
        self._stats.requests += 1
        count_request()
        if call.token_request:
            self._stats.token_requests += 1
        limits = self._limits
        reply: Reply | None = None
        with attempt:
            response = await self._http.send(request, stream=True)
            try:
                status = response.status_code
                try:
                    if 200 <= status < 300 and call.response == "stream":
                        assert call.sink is not None
                        # The download rule replaces the attempt bound once the header is in.
                        attempt.deadline = math.inf
                        streamed = await stream_to(response, call.sink, limits)
                        reply = Reply(status, response.headers, b"", streamed)
                    elif 200 <= status < 300:
                        cap = limits.answer_cap(token_request=call.token_request)
                        body, _ = await read_capped(response, cap)
                        reply = Reply(status, response.headers, body)
                    else:
                        body, _ = await read_capped(response, ERROR_BODY_BYTES, truncate=True)
                        reply = Reply(status, response.headers, body)
                except BodyProblem as problem:
                    raise body_error(
                        problem, call, status, token_request=call.token_request
                    ) from None
            finally:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
        return reply


def body_size(request: httpx.Request) -> int:
    """The request body's length, as httpx declared it (0 when unknown or none)."""
    raw = request.headers.get("content-length", "0")
    return int(raw) if raw.isdigit() else 0


def _short(text: str) -> str:
    return " ".join(text.split())[:120]
