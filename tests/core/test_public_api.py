"""The package's public surface is what __all__ says, and importing it configures nothing."""

from __future__ import annotations

import inspect
import logging
import subprocess
import sys
import typing
from collections.abc import Iterator
from typing import Any

import seatable_async as sa

PUBLIC = [
    "APIError",
    "Account",
    "AccountInfo",
    "Activity",
    "ActivityPage",
    "AdminBase",
    "AdminUser",
    "ApiTokenInfo",
    "Asset",
    "AuthenticationError",
    "BadRequestError",
    "Base",
    "BaseSummary",
    "BaseTokenInfo",
    "BigData",
    "BudgetEvent",
    "BudgetStore",
    "BulkImportError",
    "CellOptions",
    "CellValueError",
    "Client",
    "ClientClosedError",
    "ClientStats",
    "Column",
    "ColumnLike",
    "ColumnSpec",
    "Columns",
    "Comment",
    "Comments",
    "ConfigurationError",
    "CredentialRef",
    "CustomAsset",
    "CustomFolder",
    "EncodedRow",
    "Event",
    "EventStream",
    "EventsDropped",
    "EventsUnavailableError",
    "ExportProgress",
    "FailedBatch",
    "Files",
    "FleetStore",
    "GroupMembersResult",
    "ImportJob",
    "ImportOptions",
    "ImportProgress",
    "ImportReport",
    "InsecureConnectionError",
    "InsertedRows",
    "LinkInfo",
    "LinkedRecord",
    "Links",
    "MaybeAppliedBatch",
    "MaybeAppliedError",
    "MaybeAppliedTimeoutError",
    "Metadata",
    "NotFoundError",
    "Notification",
    "NotificationReceived",
    "Notifications",
    "OtherOperation",
    "PartialWrite",
    "PermissionDeniedError",
    "RateLimitedError",
    "Reconnected",
    "RequestTimeoutError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RowData",
    "RowDecoder",
    "RowEncoder",
    "RowIds",
    "RowUpdate",
    "RowsDeleted",
    "RowsInserted",
    "RowsLocked",
    "RowsUpdated",
    "SchemaChanged",
    "SeaTableError",
    "Secret",
    "SelectOption",
    "ServerError",
    "ServerInfo",
    "SnapshotResult",
    "SqlResult",
    "StoreUnavailable",
    "StoredToken",
    "SystemAdmin",
    "SystemInfo",
    "Table",
    "TableOperation",
    "Tables",
    "Team",
    "TeamAdmin",
    "TeamUser",
    "TokenExpiredError",
    "TokenFacts",
    "TokenGrant",
    "TokenRefreshTimeoutError",
    "TokenStore",
    "TransportError",
    "TwoFactorRequiredError",
    "UnsupportedOperationError",
    "UntrustedOriginError",
    "User",
    "UserInfo",
    "View",
    "Views",
    "Webhook",
    "WebhookPayloadError",
    "Workspace",
    "__version__",
]

# Created by the client (their constructors take internals), never by callers.
HANDLES = {
    "Account",
    "Base",
    "BigData",
    "Client",
    "Columns",
    "Comments",
    "Files",
    "Links",
    "Notifications",
    "SystemAdmin",
    "Tables",
    "TeamAdmin",
    "Views",
}

# Public subpackages and modules (importable as seatable_async.<name>).
SUBPACKAGES = {
    "bulk",
    "cells",
    "emulator",
    "errors",
    "events",
    "models",
    "redis",
    "cli",
    "webhooks",
}


def test_all_is_pinned() -> None:
    assert sa.__all__ == PUBLIC


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(sa) if not name.startswith(("_", "@"))}
    assert set(sa.__all__) - {"__version__"} == public - SUBPACKAGES


def _types(hint: Any) -> Iterator[type]:
    if isinstance(hint, type):
        yield hint
    for arg in typing.get_args(hint):
        yield from _types(arg)


def test_what_callers_pass_and_receive_is_importable_from_the_package() -> None:
    """Every SDK type in a public signature (arguments, results, attributes) is exported."""
    missing: set[str] = set()
    for name in sa.__all__:
        owner = getattr(sa, name)
        if not isinstance(owner, type) or issubclass(owner, BaseException):
            continue
        for attr, member in inspect.getmembers(owner):
            if attr.startswith("_") and (attr != "__init__" or name in HANDLES):
                continue
            target = member.fget if isinstance(member, property) else member
            if not callable(target):
                continue
            try:
                hints = typing.get_type_hints(target)
            except (NameError, TypeError):
                hints = {}
            for hint in hints.values():
                for cls in _types(hint):
                    module = getattr(cls, "__module__", "")
                    exported = getattr(sa, cls.__name__, None) is cls
                    if module.startswith("seatable_async.") and not exported:
                        missing.add(f"{name}.{attr}: {module}.{cls.__qualname__}")
    assert missing == set()


def test_the_version_has_one_source() -> None:
    import importlib.metadata
    import pathlib

    root = pathlib.Path(sa.__file__).parent.parent
    assert importlib.metadata.version("seatable-async") == sa.__version__
    assert 'dynamic = ["version"]' in (root / "pyproject.toml").read_text()
    from seatable_async._http.http_client import USER_AGENT

    assert f"seatable-async/{sa.__version__}" == USER_AGENT


def test_error_hierarchy_matches_the_design() -> None:
    assert issubclass(sa.MaybeAppliedError, sa.TransportError)
    assert issubclass(sa.TransportError, sa.SeaTableError)
    for cls in (
        sa.BadRequestError,
        sa.AuthenticationError,
        sa.PermissionDeniedError,
        sa.NotFoundError,
        sa.RateLimitedError,
        sa.ServerError,
    ):
        assert issubclass(cls, sa.APIError)
    assert issubclass(sa.TokenExpiredError, sa.AuthenticationError)
    assert issubclass(sa.TwoFactorRequiredError, sa.AuthenticationError)
    assert issubclass(sa.InsecureConnectionError, sa.SeaTableError)
    assert issubclass(sa.BulkImportError, sa.SeaTableError)


def test_import_configures_no_logging() -> None:
    code = (
        "import logging; root = logging.getLogger(); before = (root.level, list(root.handlers)); "
        "import seatable_async; "
        "assert (root.level, list(root.handlers)) == before; "
        "assert not logging.getLogger('seatable_async').handlers; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
    assert logging.getLogger("seatable_async").level == logging.NOTSET
