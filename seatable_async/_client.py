"""``Client``: one per SeaTable server; owns the HTTP pool, token pool and background tasks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from datetime import tzinfo
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from seatable_async import _validate as check
from seatable_async._account import Account
from seatable_async._auth.pool import TokenPool
from seatable_async._auth.sources import ApiTokenSource, ExternalLinkSource
from seatable_async._base.base import Base
from seatable_async._base.context import BaseContext
from seatable_async._client_session import Session
from seatable_async._http.call import Call
from seatable_async._http.http_client import new_http_client
from seatable_async._http.limits import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_TOKEN_RESPONSE_BYTES,
    DEFAULT_MIN_TRANSFER_RATE,
    Limits,
)
from seatable_async._http.origins import OriginPolicy
from seatable_async._http.pipeline import Pipeline
from seatable_async._http.ratelimit import RateLimiter
from seatable_async._http.redact import install_url_filter, remove_url_filter
from seatable_async._http.retry import RetryPolicy
from seatable_async._http.scheme import SchemeState
from seatable_async._http.stats import ClientStats, StatsRecorder
from seatable_async._http.urls import normalize_server_url
from seatable_async._loops import current_loop
from seatable_async._secret import Secret
from seatable_async.errors import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ResponseFormatError,
)
from seatable_async.models import ServerInfo

if TYPE_CHECKING:
    import httpx

    from seatable_async._auth.store import FleetStore

__all__ = ["Client"]

logger = logging.getLogger("seatable_async")

_NOT_OPEN = "the Client is not open: use it as 'async with Client(url) as client:'"


class Client:
    """An async client for one SeaTable server.

    Use it as ``async with Client(url) as client:``; it owns one pooled ``httpx.AsyncClient``,
    the shared Base-Token pool, the negotiated header scheme, the per-base rate limiter and a
    task group for background token refreshes. Leaving the block cancels background work and
    closes every connection.

    Args:
        server_url: e.g. ``https://cloud.seatable.io``.
        auth_scheme: ``"auto"`` (Bearer, falling back to Token for servers before 4.0),
            ``"bearer"`` or ``"token"``.
        timeout: seconds for connect, read and write of one request.
        max_concurrency: requests in flight at once for this client.
        retry: the `RetryPolicy`.
        allow_insecure_http: allow ``http://`` to hosts other than loopback.
        transport: any ``httpx.AsyncBaseTransport`` (tests, the in-process emulator).
        verify: TLS verification setting passed to httpx (default: verify).
        refresh_timeout: seconds one Base-Token request may take while others wait for it.
        attempt_timeout: seconds one HTTP attempt may take in total — connect, headers and
            the whole body — however the server paces its bytes (default ``3 × timeout``,
            plus one second per ``min_transfer_rate`` bytes of request body).
        min_transfer_rate: bytes per second a download (`Base.download_file`) must sustain,
            counted per window of ``timeout`` seconds (default 4096).
        download_timeout: seconds one download may take in total (default: no total bound;
            the rate rule ends a stalled one).
        max_response_bytes: cap of a data answer after decoding (default 256 MiB); over it,
            reading stops with `ResponseTooLargeError`.
        max_token_response_bytes: cap of a Base-Token answer (default 64 KiB).
        trusted_hosts: hosts besides the server's own that may receive requests the server
            points to (``"host"`` for any port, ``"host:port"`` for one) — for deployments
            where dtable-server, dtable-db or the file server live on another host. URLs the
            server hands back naming any other host raise `UntrustedOriginError` unsent.
        store: shares Base-Tokens and rate budgets with other processes, e.g.
            `seatable_async.redis.RedisFleetStore` (default: this process only).
        clock: the Unix-time source that the server's rate-limit resets are compared with
            (default ``time.time``; tests pair it with the emulator's clock). Waits use the
            event loop's clock, so trio's ``MockClock`` drives everything else.
        timezone: the server's time zone (its ``TIME_ZONE`` setting), an IANA name such as
            ``"Europe/Berlin"`` or a `tzinfo`. Typed cells need it to write aware datetimes and
            read date-times in that zone (see `seatable_async.cells`); without it aware
            datetimes are refused on write and read values keep the offset the server sent.

    A client owns a task group for token renewals, so it must be closed by the task that
    opened it (``async with`` does this); closing it from another task raises
    `ConfigurationError` and leaves it open.

    Raises:
        ConfigurationError: invalid arguments (before any request).
        InsecureConnectionError: ``http://`` to a non-loopback host.
    """

    def __init__(
        self,
        server_url: str,
        *,
        auth_scheme: str = "auto",
        timeout: float = 30.0,
        max_concurrency: int = 32,
        retry: RetryPolicy | None = None,
        allow_insecure_http: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: Any = True,
        refresh_timeout: float = 30.0,
        store: FleetStore | None = None,
        clock: Callable[[], float] | None = None,
        timezone: str | tzinfo | None = None,
        attempt_timeout: float | None = None,
        min_transfer_rate: float = DEFAULT_MIN_TRANSFER_RATE,
        download_timeout: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_token_response_bytes: int = DEFAULT_MAX_TOKEN_RESPONSE_BYTES,
        trusted_hosts: Iterable[str] = (),
    ):
        self.server_url = normalize_server_url(server_url, allow_insecure_http=allow_insecure_http)
        check.integer(max_concurrency, "max_concurrency", minimum=1)
        self.limits = Limits.build(
            timeout=timeout,
            attempt_timeout=attempt_timeout,
            min_transfer_rate=min_transfer_rate,
            download_timeout=download_timeout,
            max_response_bytes=max_response_bytes,
            max_token_response_bytes=max_token_response_bytes,
        )
        self._origins = OriginPolicy(
            self.server_url, allow_insecure_http=allow_insecure_http, trusted_hosts=trusted_hosts
        )
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError("retry must be a RetryPolicy")
        self.max_concurrency = max_concurrency
        self.timezone = check.timezone(timezone)
        self.retry_policy = retry or RetryPolicy()
        self._timeout = self.limits.timeout
        self._transport = transport
        self._verify = verify
        self._refresh_timeout = refresh_timeout
        self._scheme = SchemeState(auth_scheme)
        self._stats = StatsRecorder()
        self._clock = clock or time.time
        self._limiter = RateLimiter(
            clock=self._clock, store=store, spawn=self._spawn if store else None
        )
        self._http: httpx.AsyncClient | None = None
        self._pipeline: Pipeline | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._pool = TokenPool(
            spawn=self._spawn,
            refresh_timeout=refresh_timeout,
            on_fetch=self._stats.token_fetched,
            store=store,
            wall_clock=self._clock,
        )
        self._server_info: ServerInfo | None = None
        self._server_info_lock = anyio.Lock()
        self._session = Session(
            server_url=self.server_url,
            send=self._send,
            pool=self._pool,
            clock=self._clock,
            max_concurrency=max_concurrency,
            server_version=self._server_version,
            stats=self._stats,
            timezone=self.timezone,
            max_response_bytes=self.limits.max_response_bytes,
        )
        self._in_flight: set[anyio.CancelScope] = set()
        self._closed = False
        self._owner: int | None = None
        self._loop: object | None = None

    def __repr__(self) -> str:
        state = "open" if self._http is not None else "closed"
        return f"<seatable_async.Client {self.server_url} ({state})>"

    async def __aenter__(self) -> Client:
        if self._http is not None or self._closed:
            raise ConfigurationError("a Client can be opened once; create a new one")
        self._http = new_http_client(
            transport=self._transport,
            timeout=self._timeout,
            max_connections=self.max_concurrency,
            verify=self._verify,
        )
        self._pipeline = Pipeline(
            http=self._http,
            scheme=self._scheme,
            limiter=self._limiter,
            concurrency=anyio.CapacityLimiter(self.max_concurrency),
            policy=self.retry_policy,
            stats=self._stats,
            limits=self.limits,
            origins=self._origins,
        )
        install_url_filter()
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        self._owner = anyio.get_current_task().id
        self._loop = current_loop()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owner is not None and anyio.get_current_task().id != self._owner:
            raise ConfigurationError(
                "a Client must be closed by the task that opened it (it owns a task group for "
                "token renewals); open and close it in one task, e.g. with 'async with'"
            )
        task_group, http = self._task_group, self._http
        self._task_group = None
        self._closed = True
        for scope in list(self._in_flight):
            scope.cancel()
        try:
            if task_group is not None:
                task_group.cancel_scope.cancel()
                await task_group.__aexit__(None, None, None)
        finally:
            self._pipeline = None
            self._http = None
            remove_url_filter()
            if http is not None:
                with anyio.CancelScope(shield=True):
                    await http.aclose()

    # -- machinery used by the handles -------------------------------------------------------

    def _spawn(self, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        if self._task_group is None:
            if self._closed:
                raise ClientClosedError("the Client is closed")
            raise ConfigurationError(_NOT_OPEN)
        self._task_group.start_soon(job)

    async def _send(self, call: Call, *, policy: RetryPolicy | None = None) -> Any:
        pipeline = self._pipeline
        if self._loop is not None and current_loop() is not self._loop:
            raise ConfigurationError(
                "this Client was opened in another event loop or thread; its connections and "
                "tasks belong to that loop: open one Client in each loop that uses one",
                method=call.method,
                path=call.template,
            )
        if self._closed:
            # Also while closing: nothing new is sent once __aexit__ began.
            raise ClientClosedError("the Client is closed", method=call.method, path=call.template)
        if pipeline is None:
            raise ConfigurationError(_NOT_OPEN)
        # Closing the client cancels this scope, so operations started from tasks outside
        # the client's block end promptly instead of using a closed connection pool.
        with anyio.CancelScope() as scope:
            self._in_flight.add(scope)
            try:
                return await pipeline.send(call, policy=policy)
            finally:
                self._in_flight.discard(scope)
        raise ClientClosedError(
            "the Client was closed while this request was in flight",
            method=call.method,
            path=call.template,
            maybe_sent=True,
        )

    # -- public API ---------------------------------------------------------------------------

    @property
    def stats(self) -> ClientStats:
        """A snapshot of what the client did: requests, token requests, retries, scheme, 429s."""
        return self._stats.snapshot(self._scheme.scheme, self._scheme.confirmed)

    async def ping(self) -> bool:
        """Return True if the server answers ``/api2/ping/`` (no token needed).

        Raises:
            SeaTableError: the server is unreachable or answered with an error.
        """
        data = await self._session.request("GET", "/api2/ping/", credential=None)
        return bool(data == "pong")

    async def server_info(self) -> ServerInfo:
        """Return the server's version and edition (no token needed).

        A version below 4.0 pins the ``Token`` header scheme without any rejected request.

        Raises:
            ResponseFormatError: the answer lacks ``version``.
        """
        path = "/server-info/"
        data = await self._session.request("GET", path, credential=None)
        info = ServerInfo.from_json(data, method="GET", path=path)
        self._server_info = info
        self._scheme.pin_for_version(info.version)
        return info

    async def _server_version(self) -> tuple[int, ...]:
        """The server's version, asked once (single-flight); errors are raised, not guessed."""
        if self._server_info is None:
            async with self._server_info_lock:
                if self._server_info is None:
                    await self.server_info()
        assert self._server_info is not None
        return self._server_info.version_tuple

    async def login(self, username: str, password: str, otp: str | None = None) -> Account:
        """Obtain an Account-Token with username (or email) and password.

        Args:
            username: the login email or login id.
            password: the password; it is sent once and never stored or logged.
            otp: the current two-factor code, if the account has 2FA.

        Returns:
            An `Account` holding the new Account-Token.

        Raises:
            TwoFactorRequiredError: 2FA is on and ``otp`` is missing or wrong.
            AuthenticationError: SeaTable refused the credentials (its message included).
        """
        username = check.text(username, "username")
        if not isinstance(password, str) or not password:
            raise ConfigurationError("password must be a non-empty string")
        headers = {"X-SEAFILE-OTP": otp.strip()} if otp else None
        path = "/api2/auth-token/"
        try:
            data = await self._session.request(
                "POST",
                path,
                credential=None,
                form={"username": username, "password": password},
                headers=headers,
            )
        except BadRequestError as exc:
            raise AuthenticationError(
                exc.message, status=exc.status, method="POST", path=path, error_msg=exc.error_msg
            ) from None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise ResponseFormatError("the login answer has no token", method="POST", path=path)
        return Account(self._session, Secret(token, kind="Account-Token"))

    def account(self, token: str) -> Account:
        """Use an existing Account-Token.

        Raises:
            ConfigurationError: the token is empty or malformed.
        """
        return Account(self._session, Secret(token, kind="Account-Token"))

    def base(self, api_token: str) -> Base:
        """A base reached with its API-Token; its Base-Token is minted, shared and renewed.

        Raises:
            ConfigurationError: the token is empty or malformed.
        """
        secret = Secret(api_token, kind="API-Token")
        source = ApiTokenSource(self.server_url, secret, self._send, self._clock)
        return Base(BaseContext(self._session, source, api_token=secret))

    def external_base(self, link_or_token: str) -> Base:
        """A read-only base reached through an external link (the full URL or its token).

        Raises:
            ConfigurationError: the link is empty or malformed.
        """
        token = _external_link_token(link_or_token)
        link = Secret(token, kind="external link")
        source = ExternalLinkSource(self.server_url, link, self._send, self._clock)
        return Base(BaseContext(self._session, source, read_only=True))


def _external_link_token(link_or_token: str) -> str:
    if not isinstance(link_or_token, str) or not link_or_token.strip():
        raise ConfigurationError("the external link is empty")
    text = link_or_token.strip().rstrip("/")
    if "://" in text:
        marker = "/external-links/"
        if marker not in text:
            raise ConfigurationError(
                "not an external link: expected …/dtable/external-links/<token>"
            )
        text = text.split(marker, 1)[1].split("?", 1)[0].split("#", 1)[0]
        if text.startswith("custom/"):
            text = text[len("custom/") :]
    if not text or "/" in text:
        raise ConfigurationError("not an external link: expected …/dtable/external-links/<token>")
    return text
