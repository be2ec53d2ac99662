"""The package's public surface is what __all__ says, and importing it configures nothing."""

from __future__ import annotations

import logging
import subprocess
import sys

import seatable_async as sa

CONTRACT = {
    "Client",
    "RetryPolicy",
    "ClientStats",
    "SeaTableError",
    "TransportError",
    "MaybeAppliedError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "TokenExpiredError",
    "TwoFactorRequiredError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "InsecureConnectionError",
    "BulkImportError",
}


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(sa) if not name.startswith(("_", "@"))}
    modules = {
        "account",
        "auth",
        "base",
        "client",
        "errors",
        "http",
        "models",
        "bulk",
        "cells",
        "files",
        "admin",
        "emulator",
        "cli",
        "redis",
    }
    assert set(sa.__all__) - {"__version__"} == public - modules
    assert set(sa.__all__) >= CONTRACT
    assert sa.__all__ == sorted(sa.__all__)


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
