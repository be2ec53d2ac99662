"""seatable-async: an async SeaTable SDK that masters Account-, API- and Base-Tokens.

Start with `Client`::

    async with seatable_async.Client("https://cloud.seatable.io") as client:
        base = client.base("<api token>")
        rows = await base.list_rows("Table1")
"""

from seatable_async.account import Account
from seatable_async.admin import SystemAdmin, TeamAdmin
from seatable_async.base import Base
from seatable_async.client import Client
from seatable_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BulkImportError,
    ClientClosedError,
    ConfigurationError,
    InsecureConnectionError,
    MaybeAppliedError,
    NotFoundError,
    PartialWrite,
    PermissionDeniedError,
    RateLimitedError,
    ResponseFormatError,
    SeaTableError,
    ServerError,
    TokenExpiredError,
    TokenRefreshTimeoutError,
    TransportError,
    TwoFactorRequiredError,
    UnsupportedOperationError,
)
from seatable_async.http.retry import RetryPolicy
from seatable_async.http.stats import ClientStats
from seatable_async.models import (
    AccountInfo,
    AdminBase,
    AdminUser,
    ApiTokenInfo,
    Asset,
    BaseSummary,
    BaseTokenInfo,
    Column,
    GroupMembersResult,
    Metadata,
    ServerInfo,
    SqlResult,
    SystemInfo,
    Table,
    Team,
    TeamUser,
    User,
    View,
    Workspace,
)

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "Account",
    "AccountInfo",
    "AdminBase",
    "AdminUser",
    "ApiTokenInfo",
    "Asset",
    "AuthenticationError",
    "BadRequestError",
    "Base",
    "BaseSummary",
    "BaseTokenInfo",
    "BulkImportError",
    "Client",
    "ClientClosedError",
    "ClientStats",
    "Column",
    "ConfigurationError",
    "GroupMembersResult",
    "InsecureConnectionError",
    "MaybeAppliedError",
    "Metadata",
    "NotFoundError",
    "PartialWrite",
    "PermissionDeniedError",
    "RateLimitedError",
    "ResponseFormatError",
    "RetryPolicy",
    "SeaTableError",
    "ServerError",
    "ServerInfo",
    "SqlResult",
    "SystemAdmin",
    "SystemInfo",
    "Table",
    "Team",
    "TeamAdmin",
    "TeamUser",
    "TokenExpiredError",
    "TokenRefreshTimeoutError",
    "TransportError",
    "TwoFactorRequiredError",
    "UnsupportedOperationError",
    "User",
    "View",
    "Workspace",
    "__version__",
]
