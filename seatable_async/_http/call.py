"""What one API operation asks of the request pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, Protocol

import attrs

from seatable_async._secret import Secret

__all__ = ["Call", "Credential", "DatedReply", "Lease", "Sink", "StaticCredential"]

ResponseKind = Literal["json", "dated_json", "text", "bytes", "stream", "none"]

Sink = Callable[[bytes], Awaitable[object]]
"""Receives a streamed body piece by piece (``response="stream"``)."""

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@attrs.frozen
class DatedReply:
    """A decoded JSON body with the answer's ``Date`` header (``response="dated_json"``).

    Attributes:
        data: the decoded body.
        server_date: the ``Date`` header as Unix seconds, or None when absent or unreadable.
    """

    data: Any
    server_date: float | None


@attrs.frozen
class Lease:
    """A credential value handed to one attempt.

    Attributes:
        secret: the token to put in the ``Authorization`` header.
        generation: which issue of the credential this is (Base-Tokens are renewed).
        use_before: the token's mandatory renewal point (monotonic clock).
    """

    secret: Secret
    generation: int = 0
    use_before: float = float("inf")
    """Monotonic time after which this token must not be sent any more."""


class Credential(Protocol):
    """Where an attempt gets its token from, and what happens when the server refuses it."""

    @property
    def kind(self) -> str:
        """``"account"``, ``"api"`` or ``"base"`` (used in messages and stats)."""
        ...

    async def acquire(self) -> Lease:
        """Return the token to use now (may mint one)."""
        ...

    def current(self) -> Lease | None:
        """The token to use now if one is at hand without I/O, else None."""
        ...

    async def reject(self, lease: Lease) -> bool:
        """The server refused ``lease``; return True if a replay with a new token is worthwhile."""
        ...


@attrs.frozen
class StaticCredential:
    """An Account-Token or API-Token: never renewed, so a refusal is final."""

    kind: str
    secret: Secret

    async def acquire(self) -> Lease:
        return Lease(self.secret)

    def current(self) -> Lease | None:
        return Lease(self.secret)

    async def reject(self, lease: Lease) -> bool:
        return False


@attrs.frozen(repr=False)
class Call:
    """One logical API operation, as the pipeline sends it (possibly several times).

    Attributes:
        method: HTTP method.
        url: absolute URL without secrets.
        template: path template for logs and errors, e.g. ``/api2/account/info/``.
        credential: where the ``Authorization`` token comes from; None for public endpoints.
        params, json, form, files, content, headers: what httpx sends.
        idempotent: whether a request that may have reached the server can be replayed;
            by default GET, HEAD, OPTIONS, PUT and DELETE are, POST is not (pass ``True`` for
            POST-reads such as a SQL SELECT).
        rate_key: the base whose rate budget this request spends, if any.
        scheme_probe: a 403 ``Permission denied.`` here can mean "wrong header scheme"
            (SeaTable's API-Token views before 4.0).
        response: how to decode a successful body (``"dated_json"`` returns a `DatedReply`;
            ``"stream"`` passes it to ``sink`` under the download rule and returns the number
            of bytes).
        token_request: this call mints a Base-Token (counted in ``ClientStats``).
        sink: where a ``"stream"`` body goes.
        redact: further secrets this call carries (a password, a token in the URL path), kept
            out of every message built from the answer.
    """

    method: str
    url: str
    template: str
    credential: Credential | None = None
    params: Mapping[str, str | int | float | bool] | None = None
    json: Any = None
    form: Mapping[str, Any] | None = None
    files: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    idempotent: bool = attrs.field(
        default=attrs.Factory(lambda self: self.method in _SAFE_METHODS, takes_self=True)
    )
    rate_key: str | None = None
    scheme_probe: bool = False
    response: ResponseKind = "json"
    token_request: bool = False
    sink: Sink | None = attrs.field(default=None, eq=False)
    redact: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Never the URL (a link token may sit in its path), the headers or the body.
        return f"<Call {self.method} {self.template}>"
