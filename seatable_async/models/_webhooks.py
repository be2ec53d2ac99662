"""A base's webhook as the account endpoints describe it (old API manual, "Webhooks";
v5.0 spec ``listWebhooks``/``createWebhook``): ``{"id", "dtable_uuid", "url", "creator",
"created_at", "settings": {"secret": …}}``, ``settings`` absent when there is no secret."""

from __future__ import annotations

from typing import Any

import attrs

from seatable_async._secret import Secret
from seatable_async.errors import ResponseFormatError
from seatable_async.models._convert import JSONModel, structure

__all__ = ["Webhook"]


@attrs.frozen
class Webhook(JSONModel):
    """One webhook of a base: SeaTable ``POST``s each change of the base to ``url``.

    Attributes:
        id: the webhook's id (for `Account.update_webhook` / `Account.delete_webhook`).
        url: where the changes are sent.
        dtable_uuid: the base.
        creator: who made it (internal user id).
        created_at: when, as the server writes it.
        secret: the key SeaTable signs each request with, as a `Secret` (never printed);
            None when the webhook has none (its requests are unsigned).
        settings: the other settings the server sent (the secret taken out).
        raw: the answer, without the secret.
    """

    id: int
    url: str
    dtable_uuid: str = ""
    creator: str = ""
    created_at: str = ""
    secret: Secret | None = attrs.field(default=None, repr=False)
    settings: dict[str, Any] = attrs.field(factory=dict, repr=False)
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(cls, data: Any, *, method: str | None = None, path: str | None = None) -> Webhook:
        """Convert one webhook object; the secret goes into a `Secret`, nowhere else.

        Raises:
            ResponseFormatError: the object does not fit (naming the field).
        """
        secret: Any = None
        if isinstance(data, dict) and isinstance(data.get("settings"), dict):
            settings = dict(data["settings"])
            secret = settings.pop("secret", None)
            data = {**data, "settings": settings}
        hook = structure(data, cls, method=method, path=path)
        if secret is None or secret == "":
            return hook
        if not isinstance(secret, str):
            raise ResponseFormatError(
                "webhook: $.settings.secret: expected a string", method=method, path=path
            )
        return attrs.evolve(hook, secret=Secret(secret, kind="webhook secret", exact=True))
