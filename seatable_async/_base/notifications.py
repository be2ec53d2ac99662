"""``base.notifications``: a base's notifications and toasts.

* ``list``: ``GET notifications/`` → ``{"notification_list": [...]}``; ``mark_seen``: ``PUT
  notifications/`` or ``notifications/{id}/`` with the form field ``seen`` = ``"true"`` or
  ``"false"`` (exactly those: 6.x ``test_notifications``); ``delete_all``: ``DELETE
  notifications/`` (v5.0 specs, tag "Notifications"; gateway 4.4+, dtable-server before 6.0).
* ``send_toast``: ``POST ui-toasts/`` with ``{"to_user", "toast_type", "detail": {"msg"}}``
  (the official client's ``send_toast_notification``; the 6.1 spec's
  ``sendToastNotification``), shown in the user's open browser tab.
"""

from __future__ import annotations

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint
from seatable_async.models import Notification

__all__ = ["Notifications"]

ALL = "/notifications/"
ONE = "/notifications/{notification_id}/"
LIST = Endpoint("base.notifications.list", "GET", gateway=ALL, legacy=ALL)
MARK_ALL = Endpoint("base.notifications.mark_seen", "PUT", gateway=ALL, legacy=ALL)
MARK_ONE = Endpoint("base.notifications.mark_seen", "PUT", gateway=ONE, legacy=ONE)
DELETE_ALL = Endpoint("base.notifications.delete_all", "DELETE", gateway=ALL, legacy=ALL)
TOAST = Endpoint(
    "base.notifications.send_toast", "POST", gateway="/ui-toasts/", legacy="/ui-toasts/"
)


class Notifications:
    """Notifications and toasts of a base (``base.notifications``)."""

    def __init__(self, context: BaseContext):
        self._ctx = context

    async def list(self) -> list[Notification]:
        """The notifications of this base (read or not) for the token's user.

        Raises:
            ResponseFormatError: the answer has no notification list.
        """
        route = await self._ctx.route()
        data = await self._ctx.send(LIST, route)
        found = data.get("notification_list") if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise LIST.malformed(route, "the answer has no notification_list")
        path = LIST.template(route)
        return [Notification.from_json(n, method="GET", path=path) for n in found]

    async def mark_seen(self, notification_id: int | None = None, *, seen: bool = True) -> None:
        """Mark one notification (or all of them) as read, or unread with ``seen=False``.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such notification.
        """
        check.boolean(seen, "seen")
        if notification_id is not None:
            check.integer(notification_id, "notification_id", minimum=1)
        route = await self._ctx.route(write=True)
        form = {"seen": "true" if seen else "false"}
        if notification_id is None:
            await self._ctx.send(MARK_ALL, route, form=form)
        else:
            args = {"notification_id": str(notification_id)}
            await self._ctx.send(MARK_ONE, route, args=args, form=form)

    async def delete_all(self) -> None:
        """Delete every notification of this base for the token's user."""
        route = await self._ctx.route(write=True)
        await self._ctx.send(DELETE_ALL, route)

    async def send_toast(self, user: str, text: str, type: str = "info") -> None:
        """Show a toast message to a user who has the base open in the browser.

        Args:
            user: the user's internal id (``…@auth.local``).
            text: the message.
            type: the toast's style, e.g. ``"info"``, ``"success"``, ``"warning"``,
                ``"danger"``.

        Raises:
            ConfigurationError: empty arguments (before any request).
        """
        user = check.text(user, "user")
        text = check.text(text, "text")
        kind = check.text(type, "type")
        route = await self._ctx.route()
        body = {"to_user": user, "toast_type": kind, "detail": {"msg": text}}
        await self._ctx.send(TOAST, route, json=body)
