"""Webhooks of the emulated bases: registered by `Emulator.add_webhook` or the account
routes (``_routes.webhooks``), fed from ``emu.events``, delivered over real HTTP.

Delivery as ``dtable-events`` does it (reference §8b, ``dtable_events/webhook/``): one
``POST`` per change message with the JSON body ``{"event": "update", "data": …}`` (what
``requests.post(url, json=body)`` sends: ``json.dumps`` with its default separators), a
30-second timeout, no retry; a non-2xx answer or an exception is a failed job. With a secret
the request carries ``X-SeaTable-Signature: sha256=<HMAC-SHA256 of the body>`` (help page
"The secret key of a webhook"; ``signature = "sha1"`` sends the old servers' SHA-1 of the
secret instead). After five failures in a row a webhook is invalid and gets nothing until it
is saved again (help page "Deactivation of a webhook in case of errors").

Writers only capture what changed (`_webhook_bodies.Change`); the messages are built, signed
and sent by the background `Sender`, so webhooks never slow the emulator's answers.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx
from attrs import define, frozen

from .._state.activity_log import ROW_OPS
from .._state.records import quote_ident
from .._state.state import extras_of
from .bodies import LINK_OPS, Change, link_datas, row_datas
from .sender import Post, Sender

if TYPE_CHECKING:
    from .._events.bus import EventBus
    from .._events.stats import EmulatorStats
    from .._state.records import Base
    from .._state.state import State

__all__ = ["Delivery", "Webhook", "WebhookHub"]

FAILURES_TO_INVALID = 5
_USER_AGENT = "python-requests/2.28.1"  # the sender in the help page's sample request


@define
class Webhook:
    """One webhook: ``valid`` turns False after five failed deliveries in a row."""

    id: int
    base_uuid: str
    url: str
    secret: str | None
    creator: str
    created_at: float
    valid: bool = True
    failures_in_a_row: int = 0


@frozen
class Delivery:
    """One failed delivery, as ``dtable-events`` keeps a failed job: the status (None when
    no answer came), the error, the request body."""

    webhook_id: int
    url: str
    status: int | None
    error: str | None
    body: bytes


class WebhookHub:
    """The webhooks of one emulator, their deliveries and their failures.

    Attributes:
        timeout: seconds a delivery may take (30, as ``dtable-events``).
        signature: ``"sha256"`` (current servers) or ``"sha1"`` (old servers' header).
        failures: the last 1,000 failed deliveries, oldest first.
    """

    def __init__(
        self, state: State, events: EventBus, stats: EmulatorStats, now: Callable[[], float]
    ) -> None:
        self._state = state
        self._events = events
        self._stats = stats
        self._now = now
        self.timeout = 30.0
        self.signature = "sha256"
        self.failures: collections.deque[Delivery] = collections.deque(maxlen=1000)
        self._hooks: dict[int, Webhook] = {}
        self._lock = threading.Lock()
        self._sender = Sender()
        self._recording = False

    @property
    def senders(self) -> int:
        """Delivery threads (2, as ``dtable-events``' trigger threads)."""
        return self._sender.threads

    @senders.setter
    def senders(self, value: int) -> None:
        self._sender.threads = max(1, int(value))

    # -- registry ----------------------------------------------------------------------

    def add(self, base: Base, url: str, secret: str | None, creator: str) -> Webhook:
        with self._lock:
            if any(h.base_uuid == base.uuid and h.url == url for h in self._hooks.values()):
                raise ValueError(f"base {base.name!r} already has a webhook for {url}")
            hook = Webhook(
                self._state.next_id("webhook"),
                base.uuid,
                url,
                secret or None,
                creator,
                self._now(),
            )
            self._hooks[hook.id] = hook
            if not self._recording:
                self._recording = True
                self._events.record(self._record)
        return hook

    def of_base(self, base_uuid: str) -> list[Webhook]:
        with self._lock:
            return [h for h in self._hooks.values() if h.base_uuid == base_uuid]

    def find(self, base_uuid: str, webhook_id: int) -> Webhook | None:
        hook = self._hooks.get(webhook_id)
        return hook if hook is not None and hook.base_uuid == base_uuid else None

    def save(self, hook: Webhook, url: str, secret: str | None) -> None:
        """Change a webhook; saving also makes an invalid one valid again."""
        with self._lock:
            hook.url, hook.secret = url, secret or None
            hook.valid, hook.failures_in_a_row = True, 0

    def remove(self, hook: Webhook) -> None:
        with self._lock:
            self._hooks.pop(hook.id, None)

    def as_json(self, hook: Webhook) -> dict[str, Any]:
        """The webhook as the account endpoints answer it (no ``settings`` without secret)."""
        created = datetime.fromtimestamp(hook.created_at, tz=timezone.utc)
        out: dict[str, Any] = {
            "id": hook.id,
            "dtable_uuid": hook.base_uuid,
            "url": hook.url,
            "creator": hook.creator,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        }
        if hook.secret:
            out["settings"] = {"secret": hook.secret}
        return out

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until every change so far has been delivered (or failed); False on timeout."""
        return self._sender.join(timeout)

    # -- capture (on the writer's thread, under the state lock) --------------------------

    def _record(
        self, base_uuid: str, op_type: str, table_id: str, op: Callable[[], dict[str, Any]]
    ) -> None:
        if not any(h.base_uuid == base_uuid for h in list(self._hooks.values())):
            return
        state = self._state
        base = state.bases.get(base_uuid)
        if base is None:
            return
        op_time = round(self._now(), 3)
        if op_type in LINK_OPS:
            self._record_links(base, op(), op_time)
            return
        table = base.table(table_id)
        if op_type not in ROW_OPS or table is None:
            return
        columns = tuple((c.key, c.name, c.type, c.data) for c in table.columns)
        modifier = ""
        if ROW_OPS[op_type] == "modify_row":
            modifier = self._modifier(base, table.name, op())
        change = Change(base_uuid, table.id, table.name, columns, op, op_time, modifier)
        self._sender.put(functools.partial(self._expand, change))

    def _modifier(self, base: Base, table: str, op: dict[str, Any]) -> str:
        # An update sets every row's _last_modifier to the writer; the operation omits it.
        ids = op.get("row_ids") or [op.get("row_id")]
        with self._state.lock:
            found = base.conn.execute(
                f"SELECT _last_modifier FROM {quote_ident(table)} WHERE _id = ?", (ids[0],)
            ).fetchone()
        return str(found[0] or "") if found else ""

    def _record_links(self, base: Base, op: dict[str, Any], op_time: float) -> None:
        with self._state.lock:
            link = extras_of(self._state, base).links.get(str(op.get("link_id")))
            table = base.table(str(op.get("table_id")))
            other = base.table(str(op.get("other_table_id")))
            if link is None or table is None or other is None:
                return
            datas = link_datas(base.uuid, op, link, (table, other), op_time)
        self._sender.put(lambda: [functools.partial(self._post, data) for data in datas])

    # -- delivery (on a sender thread) --------------------------------------------------

    def _expand(self, change: Change) -> Iterable[Post]:
        return [functools.partial(self._post, data) for data in row_datas(change)]

    def _post(self, data: dict[str, Any], client: httpx.Client) -> None:
        for hook in self.of_base(str(data["dtable_uuid"])):
            stats = self._stats
            if not hook.valid:
                stats.count("webhooks", "skipped_invalid")
                continue
            body = json.dumps({"event": "update", "data": data}, allow_nan=False).encode()
            stats.count("webhooks", "sent")
            status, error = self._send(client, hook, body)
            self._settle(hook, body, status, error)

    def _headers(self, secret: str | None, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": _USER_AGENT}
        if secret:
            key = secret.encode()
            if self.signature == "sha1":
                headers["X-SeaTable-Signature"] = hashlib.sha1(key).hexdigest()
            else:
                digest = hmac.new(key, body, hashlib.sha256).hexdigest()
                headers["X-SeaTable-Signature"] = f"sha256={digest}"
        return headers

    def _send(self, client: httpx.Client, hook: Webhook, body: bytes) -> tuple[int | None, str]:
        headers = self._headers(hook.secret, body)
        started = time.monotonic()
        try:
            answer = client.post(hook.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException:
            self._stats.count("webhooks", "timeouts")
            return None, f"timed out after {time.monotonic() - started:.1f} s"
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return answer.status_code, "" if answer.is_success else f"HTTP {answer.status_code}"

    def _settle(self, hook: Webhook, body: bytes, status: int | None, error: str) -> None:
        stats = self._stats
        with self._lock:
            if not error:
                hook.failures_in_a_row = 0
                stats.count("webhooks", "delivered")
                return
            hook.failures_in_a_row += 1
            self.failures.append(Delivery(hook.id, hook.url, status, error, body))
            stats.count("webhooks", "failed")
            if hook.valid and hook.failures_in_a_row >= FAILURES_TO_INVALID:
                hook.valid = False
                stats.count("webhooks", "invalidated")
