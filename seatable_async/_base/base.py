"""``Base``: one SeaTable base, reached with a Base-Token the client mints and renews.

`Base` is a façade. Its flat methods are the methods of the objects that own each concern —
typed cells (`Cells`, ``typed.py``), rows (`RowOps`, ``rows.py``), insert/lock
(`RowExtras`, ``row_extras.py``), SQL (`SqlOps`, ``sql.py``), export and frames (`Exporter`,
``export_api.py``), attachments (`Attachments`, ``attachments.py``), collaborators
(`Collab`, ``collab.py``) — forwarded by `Delegate`; the table below the class docstring says
which method lives where. Resources hang off it (``base.tables``, ``base.columns``, …). All of
them talk to the server only through the base's `BaseContext`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from os import PathLike
from typing import TYPE_CHECKING, Any, overload

from seatable_async import _validate as check
from seatable_async._base.attachments import Attachments
from seatable_async._base.big_data import BigData
from seatable_async._base.collab import Collab
from seatable_async._base.columns import Columns
from seatable_async._base.comments import Comments
from seatable_async._base.context import BaseContext
from seatable_async._base.custom_folders import Files
from seatable_async._base.delegate import Delegate
from seatable_async._base.export_api import Exporter
from seatable_async._base.links import Links
from seatable_async._base.notifications import Notifications
from seatable_async._base.row_extras import RowExtras
from seatable_async._base.rows import RowOps
from seatable_async._base.sql import SqlOps
from seatable_async._base.tables import Tables
from seatable_async._base.typed import Cells
from seatable_async._base.views import Views
from seatable_async.bulk._options import IMPORT_DEFAULTS
from seatable_async.cells import CellOptions
from seatable_async.models import BaseTokenInfo, Metadata

if TYPE_CHECKING:
    from seatable_async.bulk import ImportProgress, ImportReport
    from seatable_async.events import Event, EventStream

__all__ = ["Base"]


class Base:
    """One SeaTable base, reached with a Base-Token that the client mints and renews.

    Create it with `Client.base` (API-Token), `Account.base` (Account-Token) or
    `Client.external_base` (external link, read-only). Any number of tasks may use one
    ``Base`` (or several for the same credential) at once; they share one Base-Token.

    Attributes:
        tables: the base's tables (`Tables`: list, add, rename, duplicate, delete).
        columns: their columns (`Columns`: insert, rename, retype, select options…).
        views: their views (`Views`: list, get, add, update, delete).
        links: `Links` — add, remove, set and read the links of link columns.
        big_data: `BigData` — insert into, archive to and unarchive from big-data storage.
        comments: `Comments` — row comments.
        notifications: `Notifications` — the base's notifications and toasts.
        files: `Files` — files in the base's custom folders.
    """

    # Where each flat method lives (one owner per concern; signatures and docs are the owner's).
    row_encoder = Delegate("_cells", Cells.row_encoder)
    row_decoder = Delegate("_cells", Cells.row_decoder)
    list_rows = Delegate("_rows", RowOps.list_rows)
    rows = Delegate("_rows", RowOps.rows)
    get_row = Delegate("_rows", RowOps.get_row)
    append_rows = Delegate("_rows", RowOps.append_rows)
    update_rows = Delegate("_rows", RowOps.update_rows)
    delete_rows = Delegate("_rows", RowOps.delete_rows)
    insert_row = Delegate("_row_extras", RowExtras.insert_row)
    lock_rows = Delegate("_row_extras", RowExtras.lock_rows)
    unlock_rows = Delegate("_row_extras", RowExtras.unlock_rows)
    sql = Delegate("_sql", SqlOps.sql)
    sql_pages = Delegate("_sql", SqlOps.sql_pages)
    export = Delegate("_export", Exporter.export)
    arrow_batches = Delegate("_export", Exporter.arrow_batches)
    to_arrow = Delegate("_export", Exporter.to_arrow)
    to_pandas = Delegate("_export", Exporter.to_pandas)
    to_polars = Delegate("_export", Exporter.to_polars)
    upload_file = Delegate("_attachments", Attachments.upload_file)
    delete_file = Delegate("_attachments", Attachments.delete_file)
    related_users = Delegate("_collab", Collab.related_users)
    user_info = Delegate("_collab", Collab.user_info)
    activities = Delegate("_collab", Collab.activities)
    snapshot = Delegate("_collab", Collab.snapshot)

    def __init__(self, context: BaseContext):
        self._ctx = context
        self._cells = Cells(context)
        self._rows = RowOps(context, self._cells)
        self._row_extras = RowExtras(context)
        self._sql = SqlOps(context, self._cells)
        self._export = Exporter(context, self._cells, self._rows, self._sql)
        self._attachments = Attachments(context)
        self._collab = Collab(context)
        self.tables = Tables(context)
        self.columns = Columns(context)
        self.views = Views(context)
        self.links = Links(context)
        self.big_data = BigData(context)
        self.comments = Comments(context)
        self.notifications = Notifications(context)
        self.files = Files(context)

    def __repr__(self) -> str:
        token = self._ctx.peek()
        name = token.grant.dtable_name or token.dtable_uuid if token else "not yet authorised"
        return f"<seatable_async.Base {name}>"

    async def token_info(self) -> BaseTokenInfo:
        """Describe the current Base-Token (minting one if needed); the token stays hidden.

        Raises:
            AuthenticationError, PermissionDeniedError: the credential was refused.
        """
        token = await self._ctx.token()
        route = await self._ctx.route_for(token)
        return BaseTokenInfo.from_grant(
            token.grant, uses_gateway=route.gateway, generation=token.generation
        )

    async def metadata(self) -> Metadata:
        """Return the base's structure: tables with their columns and views.

        Always asks the server, and refreshes the schema that typed cells use.

        Returns:
            `Metadata`; ``metadata.table("Table1").column("Name")`` looks things up.

        Raises:
            AuthenticationError, PermissionDeniedError: the credential was refused.
        """
        return await self._ctx.schema.fetch()

    @overload
    async def download_file(self, path_or_url: str) -> bytes: ...

    @overload
    async def download_file(self, path_or_url: str, *, to: str | PathLike[str]) -> int: ...

    async def download_file(
        self, path_or_url: str, *, to: str | PathLike[str] | None = None
    ) -> bytes | int:
        """Download an asset of this base, into memory or streamed to a file.

        The body is streamed under the download rule (see ``Client(min_transfer_rate=...,
        download_timeout=...)``); in memory it is capped by ``max_response_bytes``.

        Args:
            path_or_url: the asset path (``/files/2026-11/report.pdf``, relative to the base's
                asset folder) or the URL stored in a file/image cell.
            to: a file path to stream the content to (written as ``<name>.part``, renamed
                when complete).

        Returns:
            The file's content, or with ``to`` the number of bytes written.

        Raises:
            ConfigurationError: empty path, or this base has no API-Token (before any request).
            BadRequestError: SeaTable says the path does not exist.
        """
        return await self._attachments.download_file(path_or_url, to=to)

    def events(
        self,
        types: Iterable[type[Event]] | None = None,
        *,
        buffer_size: int = 10_000,
        names: bool = True,
    ) -> EventStream:
        """Live changes of this base: ``async with base.events() as stream: async for e in
        stream``. Needs the ``events`` extra and asyncio (see `seatable_async.events`).

        Args:
            types: event classes to deliver (e.g. ``[sa.RowsInserted]``); None for all.
                `Reconnected` and `EventsDropped` markers always come through.
            buffer_size: events kept for a slow consumer; the oldest are dropped beyond it.
            names: give row cells by column name too (reads the base's metadata).

        Raises:
            ConfigurationError: bad arguments (at once).
            EventsUnavailableError: on entry, when not on asyncio or the extra is missing.
        """
        from seatable_async.events import EventStream

        return EventStream(self, self._ctx, types=types, buffer_size=buffer_size, names=names)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        json: Any = None,
        form: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send any request with this base's Base-Token: the escape hatch for endpoints the
        SDK does not wrap.

        The request goes through the same token pool, header scheme, rate budget and
        retries as every other operation; a refused token is re-minted once.

        Args:
            method: ``"GET"``, ``"POST"``, ``"PUT"`` or ``"DELETE"``.
            path: a server path, ``{base_uuid}`` filled in, e.g.
                ``"/api-gateway/api/v2/dtables/{base_uuid}/rows/"``.
            params: query parameters.
            json: the JSON body.
            form: a form body instead (some dtable-web endpoints take forms).
            idempotent: whether a sent request may be replayed after a 5xx or a lost answer
                (default: all but POST).

        Returns:
            The decoded JSON answer.

        Raises:
            ConfigurationError: a bad method or path (before any request).
            SeaTableError: as for every operation.
        """
        method, path = check.request_target(method, path)
        route = await self._ctx.route()
        url = self._ctx.session.url(path.replace("{base_uuid}", route.dtable_uuid))
        extra: dict[str, Any] = {} if idempotent is None else {"idempotent": idempotent}
        if form is not None:
            extra["form"] = form
        return await self._ctx.send_url(method, url, path, route, params=params, json=json, **extra)

    async def import_rows(
        self,
        table: str,
        source: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]] | Any,
        *,
        batch_size: int = IMPORT_DEFAULTS.batch_size,
        concurrency: int | None = IMPORT_DEFAULTS.concurrency,
        key: str | None = IMPORT_DEFAULTS.key,
        on_progress: Callable[[ImportProgress], Awaitable[None] | None] | None = None,
        raise_on_failure: bool = IMPORT_DEFAULTS.raise_on_failure,
        skip_existing: bool = IMPORT_DEFAULTS.skip_existing,
        settle: float = IMPORT_DEFAULTS.settle,
        encode: bool | CellOptions = IMPORT_DEFAULTS.encode,
    ) -> ImportReport:
        """Stream any number of rows into ``table`` with bounded memory; account for each one.

        The settings are `ImportOptions`' fields, with its defaults (``IMPORT_DEFAULTS``):
        batches of 1000 rows, 16 in flight, no key, raise on failure, settle 10 s, encode.

        Args:
            table: table name.
            source: an iterable or async iterable of rows (column name -> value), or a frame
                streamed batch by batch: a pandas or polars DataFrame, a pyarrow ``Table``,
                ``RecordBatch`` or ``RecordBatchReader``, or an iterable of record batches
                (``ParquetFile.iter_batches()``); empty frame values leave the cell empty.
            batch_size: rows per request, 1..1000.
            concurrency: batches in flight (default 16; the client's ``max_concurrency``
                bounds requests in flight anyway).
            key: a column whose values identify rows; lets ambiguous batches (sent, answer
                lost) be reconciled so every row lands exactly once.
            on_progress: called with an ``ImportProgress`` as batches complete.
            raise_on_failure: raise ``BulkImportError`` (carrying the report) if any row was
                not inserted.
            skip_existing: with ``key``, send only rows whose key is not in the table yet
                (one SQL query per batch) — to resume an interrupted import exactly once.
            settle: with ``key``, seconds an ambiguous batch waits before its keys are
                checked, so a write the server applies after answering 502/504 is found
                rather than sent twice (see `seatable_async.bulk`).
            encode: encode every row by column type as it is read (see `append_rows`); a row
                with an invalid value is reported failed with its `CellValueError` and never
                sent. False sends rows as given.

        Returns:
            ``ImportReport``: inserted (with ids), failed and maybe-applied rows.

        Raises:
            BulkImportError: some rows failed and ``raise_on_failure`` is True.
            PermissionDeniedError: read-only token or external link.
        """
        from seatable_async.bulk import ImportJob, ImportOptions

        options = ImportOptions(
            batch_size=batch_size,
            concurrency=concurrency,
            key=key,
            on_progress=on_progress,
            raise_on_failure=raise_on_failure,
            skip_existing=skip_existing,
            settle=settle,
            encode=encode,
        )
        return await ImportJob(self, table, source, options).run()
