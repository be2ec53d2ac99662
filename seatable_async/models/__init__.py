"""Frozen value objects the SDK returns, converted from SeaTable's JSON at the edge.

Every model with ``from_json`` checks the shape it needs and raises `ResponseFormatError`
(never ``KeyError``/``TypeError``) naming the field when the answer does not fit; fields
SeaTable adds later are kept in ``raw`` where useful. See ``_convert.py`` for the mechanism.
"""

from seatable_async.models._account import (
    AccountInfo,
    ApiTokenInfo,
    BaseSummary,
    ServerInfo,
    User,
    Workspace,
)
from seatable_async.models._admin import (
    AdminBase,
    AdminUser,
    GroupMembersResult,
    SystemInfo,
    Team,
    TeamUser,
)
from seatable_async.models._base_values import (
    Asset,
    BaseTokenInfo,
    Column,
    Metadata,
    SelectOption,
    SqlResult,
    Table,
    TokenFacts,
    View,
    rows_by_name,
)
from seatable_async.models._extras import (
    Activity,
    ActivityPage,
    Comment,
    CustomAsset,
    CustomFolder,
    LinkedRecord,
    Notification,
    SnapshotResult,
    UserInfo,
)
from seatable_async.models._webhooks import Webhook

__all__ = [
    "AccountInfo",
    "Activity",
    "ActivityPage",
    "AdminBase",
    "AdminUser",
    "ApiTokenInfo",
    "Asset",
    "BaseSummary",
    "BaseTokenInfo",
    "Column",
    "Comment",
    "CustomAsset",
    "CustomFolder",
    "GroupMembersResult",
    "LinkedRecord",
    "Metadata",
    "Notification",
    "SelectOption",
    "ServerInfo",
    "SnapshotResult",
    "SqlResult",
    "SystemInfo",
    "Table",
    "Team",
    "TeamUser",
    "TokenFacts",
    "User",
    "UserInfo",
    "View",
    "Webhook",
    "Workspace",
    "rows_by_name",
]
