"""seatable-async: an async SeaTable SDK that masters Account-, API- and Base-Tokens.

Start with `Client`::

    async with seatable_async.Client("https://cloud.seatable.io") as client:
        base = client.base("<api token>")
        rows = await base.list_rows("Table1")
"""

from seatable_async._account import Account
from seatable_async._admin import SystemAdmin, TeamAdmin
from seatable_async._auth.store import (
    CredentialRef,
    FleetStore,
    StoredToken,
    StoreUnavailable,
    TokenStore,
)
from seatable_async._auth.tokens import TokenGrant
from seatable_async._base.base import Base
from seatable_async._base.export import ExportProgress
from seatable_async._client import Client
from seatable_async._http.budget import BudgetEvent, BudgetStore
from seatable_async._http.retry import RetryPolicy
from seatable_async._http.stats import ClientStats
from seatable_async._secret import Secret
from seatable_async._version import __version__
from seatable_async.bulk import (
    FailedBatch,
    ImportJob,
    ImportOptions,
    ImportProgress,
    ImportReport,
    InsertedRows,
    MaybeAppliedBatch,
    RowIds,
)
from seatable_async.cells import (
    CellOptions,
    ColumnLike,
    ColumnSpec,
    EncodedRow,
    LinkInfo,
    RowDecoder,
    RowEncoder,
)
from seatable_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BulkImportError,
    CellValueError,
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
    TokenFacts,
    User,
    View,
    Workspace,
)

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
    "ConfigurationError",
    "CredentialRef",
    "EncodedRow",
    "ExportProgress",
    "FailedBatch",
    "FleetStore",
    "GroupMembersResult",
    "ImportJob",
    "ImportOptions",
    "ImportProgress",
    "ImportReport",
    "InsecureConnectionError",
    "InsertedRows",
    "LinkInfo",
    "MaybeAppliedBatch",
    "MaybeAppliedError",
    "Metadata",
    "NotFoundError",
    "PartialWrite",
    "PermissionDeniedError",
    "RateLimitedError",
    "ResponseFormatError",
    "RetryPolicy",
    "RowDecoder",
    "RowEncoder",
    "RowIds",
    "SeaTableError",
    "Secret",
    "ServerError",
    "ServerInfo",
    "SqlResult",
    "StoreUnavailable",
    "StoredToken",
    "SystemAdmin",
    "SystemInfo",
    "Table",
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
    "User",
    "View",
    "Workspace",
    "__version__",
]
