"""The hostile cases: what a server does on purpose, which call meets it, what must follow.

Each `Case` pairs an answer of `tests.hostile.server` (for the data route, or for the token
route) with a client call and the outcome the SDK promises: a typed error (or a value), within
a time bound, within a memory bound, with no credential in any string it produced. The table
in the issue's closing note is printed from this list (``python -m tests.hostile.table``).

Server behaviour relied on: the shape of SeaTable's Base-Token answer (``access_token``,
``dtable_uuid``, ``dtable_server``, ``dtable_db``, ``use_api_gateway``) and the gateway's
``/api-gateway/api/v2/dtables/{uuid}/rows/`` paths, as in
``/work/shared/reference/seatable-api.md`` ("app-access-token", "rows"); everything else the
server does here is the misbehaviour under test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

import seatable_async as sa

from . import server as h

API_TOKEN = "api-token-0123456789abcdef"
BASE_TOKEN = "base-token-SECRET-0123456789"
UUID = "0f0e0d0c-0b0a-0908-0706-050403020100"
TOKEN_PATH = "/api/v2.1/dtable/app-access-token/"
MiB = 1024 * 1024


def token_answer(url: str, **overrides: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "app_name": "hostile",
        "access_token": BASE_TOKEN,
        "dtable_uuid": UUID,
        "dtable_server": url + "/dtable-server/",
        "dtable_db": url + "/dtable-db/",
        "use_api_gateway": True,
        "workspace_id": 1,
        "dtable_name": "B",
    }
    answer.update(overrides)
    return answer


ROWS_OK = {"rows": [{"_id": "r1", "Name": "a"}]}

Answerer = Callable[[str], "h.Answer"]
"""Builds an answer given the server's own URL."""


@attrs.frozen
class Case:
    """One hostile case.

    Attributes:
        name: a short id.
        did: what the server (or source) did, in words for the table.
        call: ``"ping"``, ``"rows"`` (list_rows), ``"append"`` (a non-idempotent write),
            ``"token"`` (token_info), ``"download"`` (download_file).
        data: the answer on the data route (None: a good answer).
        token: the answer on the token route (None: a good token answer).
        expect: the error type the call must raise (None: it must succeed).
        within: seconds (virtual) the call may take at most.
        memory: bytes of Python allocation the call may peak at.
        client: extra `Client` arguments.
        check: a further assertion on the error.
    """

    name: str
    did: str
    call: str
    expect: type[BaseException] | None
    within: float
    data: Answerer | None = None
    token: Answerer | None = None
    memory: int = 8 * MiB
    client: dict[str, Any] = attrs.field(factory=dict)
    check: Callable[[BaseException], bool] | None = None


def _scope(name: str) -> Callable[[BaseException], bool]:
    return lambda exc: getattr(exc, "scope", None) == name


def _const(answer: h.Answer) -> Answerer:
    return lambda url: answer


SMALL_CAP: dict[str, Any] = {"client": {"max_response_bytes": 4 * MiB}, "memory": 16 * MiB}
"""A cap that makes "memory stays bounded" visible: peak within a few times the cap."""

# Client(timeout=2, retry=RetryPolicy(max_attempts=2, deadline=10)) unless a case says more.
CASES: list[Case] = [
    # -- time -------------------------------------------------------------------------------
    Case(
        "trickle-body",
        "body 1 byte every 0.5 s (issue's probe)",
        "rows",
        sa.RequestTimeoutError,
        10.5,
        data=_const(h.trickle(200, ROWS_OK, every=0.5)),
        check=_scope("operation"),
    ),
    Case(
        "trickle-body-attempt",
        "body 1 byte / 0.5 s, deadline 60",
        "rows",
        sa.RequestTimeoutError,
        12.5,
        data=_const(h.trickle(200, ROWS_OK, every=0.5)),
        client={"retry": sa.RetryPolicy(max_attempts=2, deadline=60, backoff_base=0.01)},
        check=_scope("attempt"),
    ),
    Case(
        "trickle-head",
        "status line + headers 1 byte / 0.5 s",
        "rows",
        sa.RequestTimeoutError,
        10.5,
        data=_const(h.trickle_head(200, ROWS_OK, every=0.5)),
    ),
    Case(
        "silence",
        "reads the request, never answers",
        "rows",
        sa.RequestTimeoutError,
        10.5,
        data=_const(h.silence()),
        check=_scope("phase"),
    ),
    Case(
        "silence-write",
        "never answers a row append",
        "append",
        sa.MaybeAppliedTimeoutError,
        10.5,
        data=_const(h.silence()),
    ),
    Case(
        "trickle-write",
        "append answered 1 byte / 0.5 s",
        "append",
        sa.MaybeAppliedTimeoutError,
        10.5,
        data=_const(h.trickle(200, {"row_ids": []}, every=0.5)),
    ),
    Case(
        "token-silence",
        "token endpoint never answers",
        "token",
        sa.TokenRefreshTimeoutError,
        10.5,
        token=_const(h.silence()),
        client={"refresh_timeout": 3, "timeout": 8},
    ),
    Case(
        "token-trickle",
        "token answer 1 byte / 0.5 s",
        "token",
        sa.RequestTimeoutError,
        10.5,
        token=lambda url: h.trickle(200, token_answer(url), every=0.5),
        client={"refresh_timeout": 30},
    ),
    Case(
        "endless-slow",
        "chunked body that never ends, 60 KB/s",
        "rows",
        sa.SeaTableError,
        10.5,
        data=_const(h.endless_body(every=1.0)),
    ),
    Case(
        "trickle-download",
        "file 1 byte / 0.5 s",
        "download",
        sa.RequestTimeoutError,
        40.0,
        data=_const(h.trickle(200, b"x" * 4096, every=0.5)),
        check=_scope("download"),
    ),
    # -- bytes ------------------------------------------------------------------------------
    Case(
        "endless-chunked",
        "chunked body that never ends (full speed)",
        "rows",
        sa.ResponseTooLargeError,
        10.5,
        data=_const(h.endless_body()),
        **SMALL_CAP,
    ),
    Case(
        "huge-length",
        "declares a 1 PB Content-Length",
        "rows",
        sa.ResponseTooLargeError,
        1.0,
        data=_const(h.endless_body(chunked=False)),
    ),
    Case(
        "gzip-bomb",
        "gzip body decoding to 1 GB",
        "rows",
        sa.ResponseTooLargeError,
        10.0,
        data=_const(h.gzip_bomb(1024 * MiB)),
        **SMALL_CAP,
    ),
    Case(
        "deflate-bomb",
        "deflate body decoding to 1 GB",
        "rows",
        sa.ResponseTooLargeError,
        10.0,
        data=_const(h.gzip_bomb(1024 * MiB, encoding="deflate")),
        **SMALL_CAP,
    ),
    Case(
        "token-huge",
        "token answer of 1 MB",
        "token",
        sa.ResponseTooLargeError,
        1.0,
        token=lambda url: h.reply(200, {**token_answer(url), "pad": "x" * MiB}),
        check=lambda exc: getattr(exc, "kind", "") == "token",
    ),
    Case(
        "error-huge",
        "500 with an endless body",
        "rows",
        sa.ServerError,
        10.5,
        data=_const(h.endless_body(500)),
        memory=4 * MiB,
    ),
    Case(
        "download-cap",
        "a 3 MB file, max_response_bytes 1 MiB",
        "download",
        sa.ResponseTooLargeError,
        5.0,
        data=_const(h.reply(200, b"x" * (3 * MiB))),
        client={"max_response_bytes": MiB},
        memory=8 * MiB,
    ),
    Case(
        "bad-encoding",
        "Content-Encoding: br (never asked for)",
        "rows",
        sa.ResponseFormatError,
        1.0,
        data=_const(h.reply(200, b"\x00\x01", headers=[("Content-Encoding", "br")])),
    ),
    Case(
        "corrupt-gzip",
        "gzip header, garbage body",
        "rows",
        sa.ResponseFormatError,
        1.0,
        data=_const(h.reply(200, b"\x1f\x8bgarbage", headers=[("Content-Encoding", "gzip")])),
    ),
    # -- framing ----------------------------------------------------------------------------
    Case(
        "short-length",
        "Content-Length 1000, 10 bytes, close",
        "rows",
        sa.TransportError,
        1.0,
        data=_const(h.lying_length(b'{"rows": []', 1000)),
    ),
    Case(
        "bad-chunk-hex",
        "chunk size not hexadecimal",
        "rows",
        sa.TransportError,
        1.0,
        data=_const(h.bad_chunking("hex")),
    ),
    Case(
        "chunk-no-end",
        "no last chunk, then close",
        "rows",
        sa.TransportError,
        1.0,
        data=_const(h.bad_chunking("no-end")),
    ),
    Case(
        "broken-status",
        "status line is garbage",
        "rows",
        sa.TransportError,
        1.0,
        data=_const(h.raw(b"HTTP/9 banana\r\n\r\n")),
    ),
    Case(
        "close-at-once",
        "closes without a byte",
        "rows",
        sa.TransportError,
        1.0,
        data=_const(h.close_at_once()),
    ),
    Case(
        "close-write",
        "closes without a byte after an append",
        "append",
        sa.MaybeAppliedError,
        1.0,
        data=_const(h.close_at_once()),
    ),
    # -- shapes -----------------------------------------------------------------------------
    Case(
        "html-200",
        "200 with an HTML page",
        "rows",
        sa.ResponseFormatError,
        1.0,
        data=_const(h.reply(200, b"<html>hi</html>", content_type="text/html")),
    ),
    Case(
        "json-list",
        "rows answer is a JSON list",
        "rows",
        sa.ResponseFormatError,
        1.0,
        data=_const(h.reply(200, [1, 2, 3])),
    ),
    Case(
        "json-deep",
        "JSON nested 100,000 levels",
        "rows",
        sa.ResponseFormatError,
        2.0,
        data=_const(h.reply(200, b"[" * 100_000 + b"]" * 100_000)),
    ),
    Case(
        "token-no-uuid",
        "token answer without dtable_uuid",
        "token",
        sa.ResponseFormatError,
        1.0,
        token=lambda url: h.reply(200, {"access_token": BASE_TOKEN}),
    ),
    # -- origins ----------------------------------------------------------------------------
    Case(
        "legacy-elsewhere",
        "token names dtable_server on another host",
        "rows",
        sa.UntrustedOriginError,
        1.0,
        token=lambda url: h.reply(
            200,
            token_answer(
                url, use_api_gateway=False, dtable_server="http://198.51.100.7/dtable-server/"
            ),
        ),
    ),
    Case(
        "legacy-http-elsewhere",
        "token names https dtable_db on another host",
        "token",
        None,
        1.0,
        token=lambda url: h.reply(
            200, token_answer(url, dtable_db="https://evil.example/dtable-db/")
        ),
    ),
    Case(
        "redirect",
        "302 to another host",
        "rows",
        sa.APIError,
        1.0,
        data=_const(h.reply(302, b"", headers=[("Location", "http://198.51.100.7/x")])),
    ),
    # -- secrets ----------------------------------------------------------------------------
    Case(
        "echo-token",
        "400 echoing the Base-Token back",
        "rows",
        sa.BadRequestError,
        1.0,
        data=_const(h.reply(400, {"error_msg": f"invalid token {BASE_TOKEN} for base"})),
    ),
    Case(
        "echo-401",
        "401 echoing the token (re-mint, then refuse)",
        "rows",
        sa.AuthenticationError,
        1.0,
        data=_const(h.reply(401, {"detail": f"Token {BASE_TOKEN} is not valid"})),
    ),
    # -- a good server, for contrast ------------------------------------------------------
    Case("healthy", "a well-formed answer", "rows", None, 1.0),
]
