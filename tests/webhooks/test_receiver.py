"""``WebhookReceiver`` driven in-process as an ASGI app (asyncio and trio).

What it relies on from the server: the signature header and body shape (reference §8b; help
page "The secret key of a webhook"), SeaTable counting anything but 200 as a failure and
marking a webhook invalid after five in a row (help page "Deactivation of a webhook in case
of errors"; why repeats and drops answer 200).
"""

from __future__ import annotations

import logging

import anyio
import pytest

import seatable_async as sa
from seatable_async import webhooks
from tests.webhooks.helpers import SECRET, Recorder, client_for, event_body, signed

pytestmark = pytest.mark.anyio


async def test_a_signed_event_is_acknowledged_and_handled_once() -> None:
    handler = Recorder()
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handler)
    body = event_body()
    async with receiver, client_for(receiver) as http:
        answer = await http.post("/hooks/seatable", content=body, headers=signed(body))
        assert (answer.status_code, answer.json()) == (200, {"status": "queued"})
    assert [e.row_id for e in handler.events] == ["r1"]
    stats = receiver.stats
    assert (stats.requests, stats.queued, stats.handled, stats.failed) == (1, 1, 1, 0)


async def test_forged_tampered_and_unsigned_requests_never_reach_the_handler() -> None:
    handler = Recorder()
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handler)
    body = event_body()
    cases = [
        signed(body, "not-the-secret"),  # forged
        {"X-SeaTable-Signature": webhooks.sign(event_body("r2"), SECRET)},  # tampered
        {},  # unsigned
        {"X-SeaTable-Signature": "sha256=zz"},  # malformed
        {"X-SeaTable-Signature": webhooks.sign(body, SECRET).upper()[:10]},
    ]
    async with receiver, client_for(receiver) as http:
        for headers in cases:
            answer = await http.post("/", content=body, headers=headers)
            assert answer.status_code == 403
        # Two signature headers: not what SeaTable sends.
        twice = [("x-seatable-signature", webhooks.sign(body, SECRET))] * 2
        assert (await http.post("/", content=body, headers=twice)).status_code == 403
    assert handler.events == []
    assert receiver.stats.rejected == len(cases) + 1
    assert receiver.stats.queued == 0


async def test_verification_comes_before_parsing() -> None:
    handler = Recorder()
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handler)
    async with receiver, client_for(receiver) as http:
        garbage = b"not json at all"
        assert (await http.post("/", content=garbage)).status_code == 403
        answer = await http.post("/", content=garbage, headers=signed(garbage))
        assert answer.status_code == 400
    assert (receiver.stats.rejected, receiver.stats.malformed) == (1, 1)
    assert handler.events == []


async def test_a_slow_handler_never_delays_the_acknowledgement() -> None:
    """Every request is answered while the handler is still blocked (no timing involved)."""
    gate = anyio.Event()
    handler = Recorder(gate)
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handler, concurrency=2)
    async with receiver, client_for(receiver) as http:
        for i in range(50):
            body = event_body(f"r{i}")
            assert (await http.post("/", content=body, headers=signed(body))).status_code == 200
        await anyio.wait_all_tasks_blocked()
        assert handler.events == []
        assert receiver.stats.in_progress == 2
        assert receiver.stats.in_queue == 48
        gate.set()
    assert sorted(e.row_id for e in handler.events) == sorted(f"r{i}" for i in range(50))


async def test_exact_repeats_are_dropped_within_the_window() -> None:
    now = [1000.0]
    handler = Recorder()
    receiver = webhooks.WebhookReceiver(
        secret=SECRET, handler=handler, dedupe_window=60, clock=lambda: now[0]
    )
    body = event_body()
    async with receiver, client_for(receiver) as http:
        first = await http.post("/", content=body, headers=signed(body))
        again = await http.post("/", content=body, headers=signed(body))
        assert first.json() == {"status": "queued"}
        assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
        # Same row, op and millisecond but other content: another write, not a repeat.
        other = event_body(row_data=[{"column_key": "0000", "value": "x"}])
        assert (await http.post("/", content=other, headers=signed(other))).json() == {
            "status": "queued"
        }
        # Another op_time: a new event.
        later = event_body(op_time=1649929622.59)
        assert (await http.post("/", content=later, headers=signed(later))).json() == {
            "status": "queued"
        }
        now[0] += 61
        after = await http.post("/", content=body, headers=signed(body))
        assert after.json() == {"status": "queued"}
    assert len(handler.events) == 4
    assert receiver.stats.duplicates == 1


async def test_the_repeat_filter_is_bounded() -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=Recorder(), dedupe_size=2)
    bodies = [event_body(f"r{i}") for i in range(3)]
    async with receiver, client_for(receiver) as http:
        for body in [*bodies, bodies[0]]:
            await http.post("/", content=body, headers=signed(body))
    # r0 was forgotten when r2 came in: its re-send is handled again.
    assert (receiver.stats.queued, receiver.stats.duplicates) == (4, 0)


@pytest.mark.parametrize(("when_full", "status"), [("reject", 503), ("drop", 200)])
async def test_a_full_queue_is_answered_and_logged(
    when_full: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    gate = anyio.Event()
    handler = Recorder(gate)
    receiver = webhooks.WebhookReceiver(
        secret=SECRET, handler=handler, concurrency=1, max_queue=2, when_full=when_full
    )
    caplog.set_level(logging.WARNING, "seatable_async.webhooks")
    async with receiver, client_for(receiver) as http:
        answers = []
        for i in range(5):
            body = event_body(f"r{i}")
            answers.append(await http.post("/", content=body, headers=signed(body)))
            await anyio.wait_all_tasks_blocked()  # the worker has taken r0 before r1 comes
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        assert [a.status_code for a in answers[3:]] == [status, status]
        gate.set()
    assert [e.row_id for e in handler.events] == ["r0", "r1", "r2"]
    assert receiver.stats.overflowed == 2
    lost = [r.getMessage() for r in caplog.records if "queue full" in r.getMessage()]
    assert len(lost) == 2 and "row r3" in lost[0] and "row r4" in lost[1]
    assert SECRET not in caplog.text


async def test_handler_errors_are_logged_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    handled: list[str] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        if event.row_id == "bad":
            raise RuntimeError("boom")
        handled.append(event.row_id)

    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handler, concurrency=1)
    async with receiver, client_for(receiver) as http:
        for row in ("bad", "good"):
            body = event_body(row)
            assert (await http.post("/", content=body, headers=signed(body))).status_code == 200
    assert handled == ["good"]
    assert (receiver.stats.failed, receiver.stats.handled) == (1, 1)
    assert "failed on modify_row of row bad" in caplog.text


async def test_a_handler_timeout_cancels_the_call() -> None:
    async def never(event: webhooks.WebhookEvent) -> None:
        await anyio.sleep_forever()

    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=never, handler_timeout=0.01)
    body = event_body()
    async with receiver, client_for(receiver) as http:
        await http.post("/", content=body, headers=signed(body))
    assert receiver.stats.failed == 1


async def test_stopping_drains_the_queue_then_abandons_what_is_left() -> None:
    handler = Recorder()
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=handler, concurrency=1)
    async with receiver, client_for(receiver) as http:
        for i in range(3):
            body = event_body(f"r{i}")
            await http.post("/", content=body, headers=signed(body))
    assert len(handler.events) == 3  # drained on exit

    async def stuck(event: webhooks.WebhookEvent) -> None:
        await anyio.sleep_forever()

    receiver = webhooks.WebhookReceiver(
        secret=SECRET, handler=stuck, concurrency=1, drain_timeout=0
    )
    async with receiver, client_for(receiver) as http:
        for i in range(3):
            body = event_body(f"r{i}")
            await http.post("/", content=body, headers=signed(body))
    assert receiver.stats.abandoned == 3
    assert not receiver.running


async def test_not_running_answers_503_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=Recorder())
    body = event_body()
    async with client_for(receiver) as http:
        for _ in range(2):
            answer = await http.post("/", content=body, headers=signed(body))
            assert answer.status_code == 503
    assert receiver.stats.unavailable == 2
    assert caplog.text.count("async with receiver:") == 1  # said once, not per request


async def test_http_edges() -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=Recorder(), max_body=100)
    async with receiver, client_for(receiver) as http:
        wrong = await http.get("/")
        assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
        big = b"x" * 101
        assert (await http.post("/", content=big, headers=signed(big))).status_code == 413
        # No Content-Length: the limit holds while reading, the rest is never read.
        chunks = [{"type": "http.request", "body": b"x" * 40, "more_body": True}] * 5
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return chunks.pop()

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "headers": [(b"x-seatable-signature", b"x")]}
        await receiver(scope, receive, send)
        assert sent[0]["status"] == 413
        assert len(chunks) == 2
    assert (receiver.stats.not_allowed, receiver.stats.too_large) == (1, 2)


async def test_secret_rotation_accepts_either_secret() -> None:
    handler = Recorder()
    receiver = webhooks.WebhookReceiver(secret=["new", sa.Secret("old")], handler=handler)
    async with receiver, client_for(receiver) as http:
        for i, secret in enumerate(("new", "old", "neither")):
            body = event_body(f"r{i}")
            await http.post("/", content=body, headers=signed(body, secret))
    assert [e.row_id for e in handler.events] == ["r0", "r1"]


async def test_legacy_signatures_only_when_asked() -> None:
    import hashlib

    legacy = {"X-SeaTable-Signature": hashlib.sha1(SECRET.encode()).hexdigest()}
    body = event_body()
    for allow, status in ((False, 403), (True, 200)):
        receiver = webhooks.WebhookReceiver(
            secret=SECRET, handler=Recorder(), allow_legacy_sha1=allow
        )
        async with receiver, client_for(receiver) as http:
            assert (await http.post("/", content=body, headers=legacy)).status_code == status


async def test_the_lifespan_starts_and_stops_the_workers() -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=Recorder())
    to_app, app_inbox = anyio.create_memory_object_stream[dict[str, str]](2)
    app_outbox, from_app = anyio.create_memory_object_stream[dict[str, str]](2)

    async def receive() -> dict[str, str]:
        return await app_inbox.receive()

    async def send(message: dict[str, str]) -> None:
        await app_outbox.send(message)

    async with to_app, app_inbox, app_outbox, from_app, anyio.create_task_group() as tg:
        tg.start_soon(receiver, {"type": "lifespan"}, receive, send)
        await to_app.send({"type": "lifespan.startup"})
        assert (await from_app.receive())["type"] == "lifespan.startup.complete"
        assert receiver.running
        await to_app.send({"type": "lifespan.shutdown"})
        assert (await from_app.receive())["type"] == "lifespan.shutdown.complete"
    assert not receiver.running


async def test_a_lifespan_leaves_a_receiver_started_elsewhere_running() -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=Recorder())
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return next(messages)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    async with receiver:
        await receiver({"type": "lifespan"}, receive, send)
        assert receiver.running
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_running_twice_is_refused() -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=Recorder())
    async with receiver:
        with pytest.raises(sa.ConfigurationError, match="already running"):
            await receiver.__aenter__()
    async with receiver:  # and it can run again after a stop
        assert receiver.running


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secret": ""},
        {"secret": []},
        {"secret": 5},
        {"handler": "not callable"},
        {"concurrency": 0},
        {"max_queue": 1.5},
        {"when_full": "block"},
        {"dedupe_window": -1},
        {"max_body": True},
        {"handler_timeout": 0},
        {"drain_timeout": float("nan")},
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"secret": SECRET, "handler": Recorder(), **kwargs}
    with pytest.raises(sa.ConfigurationError):
        webhooks.WebhookReceiver(**args)  # type: ignore[arg-type]


def test_the_secret_never_shows() -> None:
    receiver = webhooks.WebhookReceiver(secret=SECRET, handler=Recorder())
    assert SECRET not in repr(receiver)
    assert SECRET not in repr(vars(receiver))
