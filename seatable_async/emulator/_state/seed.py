"""Seeding the state from outside the REST API: what `Emulator.add_base` and its siblings,
and the control endpoints, put in (bases with link columns, API-Tokens, groups, row comments,
notifications)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import links
from .extras import stamp
from .records import ApiToken, Base, Group, new_token
from .state import State, extras_of
from .store import ColumnSpec

__all__ = ["add_api_token", "add_base", "add_comment", "add_group", "add_notification"]


def add_base(
    state: State,
    owner: str,
    name: str,
    tables: Mapping[str, Mapping[str, ColumnSpec]] | None = None,
    *,
    big_data: bool = False,
) -> Base:
    """A base in the owner's personal workspace (the owner, by login or internal email, is
    created with password "password" if unknown), its link columns paired."""
    with state.lock:
        user = state.find_user(owner) or state.add_user(owner, "password")
        base = state.add_base(user, name, tables, big_data=big_data)
        links.attach_link_columns(state, base)
        return base


def add_api_token(
    state: State, now: Callable[[], float], base: Base, app_name: str, permission: str
) -> str:
    """A new API-Token of ``base``; ValueError for a bad permission or a taken app name."""
    if permission not in ("r", "rw"):
        raise ValueError("permission must be 'r' or 'rw'")
    with state.lock:
        if any(
            t.base_uuid == base.uuid and t.app_name == app_name for t in state.api_tokens.values()
        ):
            raise ValueError(f"api token {app_name!r} exists")
        token = new_token()
        when = now()
        state.api_tokens[token] = ApiToken(
            token, base.uuid, app_name, permission, base.owner, when, when
        )
    return token


def add_group(state: State, name: str, org_id: int | None, members: Iterable[str]) -> int:
    """A group (optionally in a team) of the known ``members``; returns its id."""
    with state.lock:
        group = Group(state.next_id("group"), name, org_id)
        for m in members:
            user = state.find_user(m)
            if user is not None:
                group.members.append(user.email)
        state.groups[group.id] = group
        return group.id


def add_comment(
    state: State, now: Callable[[], float], base: Base, row_id: str, text: str, author: str
) -> int:
    """A row comment; returns its id."""
    extras = extras_of(state, base)
    when = now()
    with state.lock:
        number = extras.next_id("comment")
        extras.comments.append(
            {
                "author": author,
                "comment": text,
                "created_at": stamp(when),
                "dtable_uuid": base.uuid,
                "id": number,
                "resolved": 0,
                "row_id": row_id,
                "updated_at": stamp(when),
                "_ts": when,
            }
        )
    return number


def add_notification(
    state: State,
    now: Callable[[], float],
    base: Base,
    to_user: str,
    msg_type: str,
    detail: dict[str, Any],
) -> int:
    """A notification for ``to_user`` (internal email); returns its id."""
    extras = extras_of(state, base)
    with state.lock:
        number = extras.next_id("notification")
        extras.notifications.append(
            {
                "created_at": stamp(now()),
                "detail": dict(detail),
                "dtable_uuid": base.uuid,
                "id": number,
                "msg_type": msg_type,
                "seen": 0,
                "username": to_user,
            }
        )
    return number
