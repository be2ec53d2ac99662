"""Every route of the emulator, registered for one version (``control`` adds ``/_emulator/…``)."""

from __future__ import annotations

from .._server.router import Router
from . import (
    account,
    admin,
    collab,
    control,
    custom_folders,
    files,
    links,
    row_extras,
    rows,
    schema,
    tokens,
    webhooks,
)

__all__ = ["register_routes"]


def register_routes(router: Router, version: tuple[int, int], *, control_endpoints: bool) -> None:
    """Add the routes a server of ``version`` serves, in matching order."""
    for module in (account, admin, tokens, rows, schema, files):
        module.register(router, version)
    for module in (links, row_extras, collab, custom_folders, webhooks):
        module.register(router, version)
    if control_endpoints:
        control.register(router)
