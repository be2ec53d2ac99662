"""Running one hostile case: a loopback server that answers the token and data routes as the
case says, one client call, and what came of it (outcome, virtual seconds, peak memory)."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from typing import Any

import anyio
import attrs

import seatable_async as sa

from . import server as h
from .cases import API_TOKEN, BASE_TOKEN, ROWS_OK, TOKEN_PATH, UUID, Case, token_answer

SECRETS = (API_TOKEN, BASE_TOKEN)
DOWNLOAD_LINK_PATH = "/api/v2.1/dtable/app-download-link/"


@attrs.frozen
class Outcome:
    error: BaseException | None
    value: Any
    seconds: float
    peak: int
    requests: list[h.Seen]


def handler_for(case: Case, url_box: list[str]) -> Any:
    def handle(seen: h.Seen) -> h.Answer:
        url = url_box[0]
        if seen.path == TOKEN_PATH:
            return case.token(url) if case.token else h.reply(200, token_answer(url))
        if seen.path == "/api2/ping/":
            return case.data(url) if case.data else h.reply(200, "pong")
        if seen.path == DOWNLOAD_LINK_PATH:
            return h.reply(200, {"download_link": url + "/seafhttp/files/tok123456/f.bin"})
        if case.data is not None:
            return case.data(url)
        if seen.path.startswith("/seafhttp/files/"):
            return h.reply(200, b"file content", content_type="application/octet-stream")
        if seen.method == "POST":
            return h.reply(200, {"inserted_row_count": 1, "row_ids": [{"_id": "r1"}]})
        return h.reply(200, ROWS_OK)

    return handle


async def _call(client: sa.Client, case: Case) -> Any:
    if case.call == "ping":
        return await client.ping()
    base = client.base(API_TOKEN)
    if case.call == "token":
        return await base.token_info()
    if case.call == "rows":
        return await base.list_rows("T")
    if case.call == "append":
        return await base.append_rows("T", [{"Name": "x"}], encode=False)
    if case.call == "download":
        return await base.download_file("/files/f.bin")
    raise AssertionError(case.call)


def client_options(case: Case) -> dict[str, Any]:
    options: dict[str, Any] = {
        "timeout": 2,
        "retry": sa.RetryPolicy(max_attempts=2, deadline=10, backoff_base=0.01, backoff_max=0.02),
    }
    options.update(case.client)
    return options


async def run_case(case: Case) -> Outcome:
    """Serve ``case`` on loopback and make its call; measure virtual time and peak memory."""
    box = [""]
    async with h.serve(handler_for(case, box)) as server:
        box[0] = server.url
        gc.collect()
        tracemalloc.start()
        started = anyio.current_time()
        error: BaseException | None = None
        value: Any = None
        try:
            async with sa.Client(server.url, **client_options(case)) as client:
                value = await _call(client, case)
        except Exception as exc:
            error = exc
        seconds = anyio.current_time() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return Outcome(error, value, seconds, peak, list(server.seen))


def strings_of(error: BaseException) -> Iterator[str]:
    """Every string an error shows: str, repr, args and attributes, along its whole chain."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        exc = todo.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        yield str(exc)
        yield repr(exc)
        for arg in exc.args:
            yield repr(arg)
        for value in vars(exc).values():
            if isinstance(value, BaseException):
                todo.append(value)
            else:
                yield repr(value)
        todo += [exc.__cause__, exc.__context__]
        todo += list(getattr(exc, "exceptions", ()))  # an exception group's members


def leaked(error: BaseException | None) -> list[str]:
    """The secrets found in any string of ``error``."""
    if error is None:
        return []
    return [s for s in SECRETS if any(s in text for text in strings_of(error))]


__all__ = ["UUID", "Outcome", "client_options", "leaked", "run_case", "strings_of"]
