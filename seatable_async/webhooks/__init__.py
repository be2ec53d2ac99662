"""SeaTable's webhooks, received by a web app: verify, parse, and an ASGI receiver.

SeaTable ``POST``s every row change of a base to each of its webhooks' URLs (manage them with
`Account.list_webhooks` and friends). Three pieces, from the lowest::

    from seatable_async import webhooks

    ok = webhooks.verify_signature(body, headers.get("X-SeaTable-Signature"), secret)
    event = webhooks.parse_event(body)                     # a frozen WebhookEvent
    app = webhooks.WebhookReceiver(secret=secret, handler=handle)   # an ASGI app

The receiver needs only the core dependencies (it is plain ASGI on anyio): it runs under
uvicorn, hypercorn (asyncio or trio) or any ASGI server, and mounts in Starlette or FastAPI.
Webhooks against ``base.events()`` and a FastAPI recipe: ``docs/recipes/webhooks.md``.
"""

from seatable_async.errors import WebhookPayloadError
from seatable_async.webhooks._event import (
    LINK_OPERATIONS,
    CellChange,
    LinkedRow,
    WebhookEvent,
    parse_event,
)
from seatable_async.webhooks._receiver import Handler, WebhookReceiver
from seatable_async.webhooks._signature import SIGNATURE_HEADER, sign, verify_signature
from seatable_async.webhooks._stats import ReceiverStats

__all__ = [
    "LINK_OPERATIONS",
    "SIGNATURE_HEADER",
    "CellChange",
    "Handler",
    "LinkedRow",
    "ReceiverStats",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookReceiver",
    "parse_event",
    "sign",
    "verify_signature",
]
