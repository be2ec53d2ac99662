"""``Base``: operations with a Base-Token (rows, SQL, metadata), routed per server version."""

from __future__ import annotations

import re
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from os import PathLike
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import attrs

from seatable_async._batches import Batch, run_batches
from seatable_async._sql_text import SQL_CAP, inline_parameters, result_cap, without_literals
from seatable_async._sql_text import SQL_DEFAULT_LIMIT as SQL_DEFAULT_LIMIT
from seatable_async.auth.pool import PooledCredential, TokenSource
from seatable_async.auth.secret import Secret
from seatable_async.auth.sources import ApiTokenSource
from seatable_async.auth.tokens import BaseToken
from seatable_async.errors import (
    BadRequestError,
    ConfigurationError,
    PermissionDeniedError,
    ResponseFormatError,
)
from seatable_async.http.call import Call
from seatable_async.models import Asset, BaseTokenInfo, Metadata, SqlResult, rows_by_name

if TYPE_CHECKING:
    from seatable_async.bulk import ImportProgress, ImportReport
    from seatable_async.client import Client

_T = TypeVar("_T")

__all__ = ["Base"]

APPEND_CAP = 1000
UPDATE_CAP = 1000
DELETE_CAP = 10000
LIST_CAP = 1000

_READ_ONLY = (
    "this Base-Token is read-only (permission 'r'): use an API-Token with 'rw'. Note that "
    "SeaTable also downgrades 'rw' tokens to 'r' while the team or user is over its asset or "
    "row quota"
)


@attrs.frozen
class _Route:
    """Where base operations go for one Base-Token: the API gateway or the legacy servers."""

    gateway: bool
    base_url: str
    sql_url: str
    dtable_uuid: str

    def url(self, gateway_path: str, legacy_path: str | None = None) -> str:
        if self.gateway or legacy_path is None:
            return self.base_url + gateway_path
        return self.base_url + legacy_path


class Base:
    """One SeaTable base, reached with a Base-Token that the client mints and renews.

    Create it with `Client.base` (API-Token), `Account.base` (Account-Token) or
    `Client.external_base` (external link, read-only). Any number of tasks may use one
    ``Base`` (or several for the same credential) at once; they share one Base-Token.
    """

    def __init__(
        self,
        client: Client,
        source: TokenSource,
        *,
        api_token: Secret | None = None,
        account_token: Secret | None = None,
        read_only: bool = False,
    ):
        self._client = client
        self._source = source
        self._credential = PooledCredential(client._pool, source)
        self._api_token = api_token
        self._account_token = account_token
        self._read_only = read_only

    def __repr__(self) -> str:
        token = self._client._pool.peek(self._source)
        name = token.grant.dtable_name or token.dtable_uuid if token else "not yet authorised"
        return f"<seatable_async.Base {name}>"

    # -- routing and calls --------------------------------------------------------------------

    async def _token(self) -> BaseToken:
        return await self._client._pool.get(self._source)

    async def _route(self) -> _Route:
        token = await self._token()
        return await self._route_for(token)

    async def _route_for(self, token: BaseToken) -> _Route:
        uuid = token.dtable_uuid
        server = self._client.server_url
        gateway = token.grant.use_api_gateway
        dtable_server = (token.grant.dtable_server or "").rstrip("/")
        if gateway is None:
            if dtable_server.endswith("/api-gateway"):
                gateway = True
            elif isinstance(self._source, ApiTokenSource):
                # An API-Token answer without use_api_gateway comes from a pre-4.4 server.
                gateway = False
            else:
                # Account-Token and external-link answers never say; the gateway exists
                # from 4.4 on.
                gateway = (await self._client._known_version()) >= (4, 4)
        if gateway:
            base_url = f"{server}/api-gateway/api/v2/dtables/{uuid}"
            return _Route(True, base_url, base_url + "/sql", uuid)
        if not dtable_server:
            raise ResponseFormatError(
                "the Base-Token answer names no dtable_server for this pre-gateway server",
                method="GET",
                path="access-token",
            )
        dtable_db = (token.grant.dtable_db or f"{server}/dtable-db").rstrip("/")
        return _Route(
            False,
            f"{dtable_server}/api/v1/dtables/{uuid}",
            f"{dtable_db}/api/v1/query/{uuid}/",
            uuid,
        )

    def _call(
        self,
        route: _Route,
        method: str,
        url: str,
        template: str,
        *,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> Call:
        prefix = (
            "/api-gateway/api/v2/dtables/{base_uuid}"
            if route.gateway
            else ("/dtable-server/api/v1/dtables/{base_uuid}")
        )
        if idempotent is not None:
            kwargs["idempotent"] = idempotent
        return Call(
            method,
            url,
            template if template.startswith("/dtable-db") else prefix + template,
            credential=self._credential,
            rate_key=route.dtable_uuid,
            **kwargs,
        )

    async def _writable(self) -> _Route:
        if self._read_only:
            raise PermissionDeniedError(
                "bases opened through an external link are read-only",
                status=403,
                error_msg=None,
            )
        token = await self._token()
        if not token.writable:
            raise PermissionDeniedError(_READ_ONLY, status=403)
        return await self._route_for(token)

    # -- token --------------------------------------------------------------------------------

    async def token_info(self) -> BaseTokenInfo:
        """Describe the current Base-Token (minting one if needed); the token stays hidden.

        Raises:
            AuthenticationError, PermissionDeniedError: the credential was refused.
        """
        token = await self._token()
        route = await self._route_for(token)
        return BaseTokenInfo(
            dtable_uuid=token.dtable_uuid,
            permission=token.permission,
            expires_at=token.grant.expires_at_unix,
            app_name=token.grant.app_name,
            workspace_id=token.grant.workspace_id,
            dtable_name=token.grant.dtable_name,
            uses_gateway=route.gateway,
            generation=token.generation,
        )

    # -- metadata -----------------------------------------------------------------------------

    async def metadata(self) -> Metadata:
        """Return the base's structure: tables with their columns and views.

        Returns:
            `Metadata`; ``metadata.table("Table1").column("Name")`` looks things up.

        Raises:
            AuthenticationError, PermissionDeniedError: the credential was refused.
        """
        route = await self._route()
        call = self._call(route, "GET", route.url("/metadata/"), "/metadata/")
        data = await self._client._send(call)
        return Metadata.from_json(data, method=call.method, path=call.template)

    # -- rows ---------------------------------------------------------------------------------

    async def list_rows(
        self, table: str, *, view: str | None = None, start: int = 0, limit: int = LIST_CAP
    ) -> list[dict[str, Any]]:
        """Return one page of rows (at most 1,000), keyed by column name.

        Args:
            table: table name.
            view: optional view name (its filters and sorts apply).
            start: index of the first row.
            limit: page size, 1..1000.

        Returns:
            The rows (``_id`` and the other system fields included), keyed by column name on
            every server version.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, BadRequestError: unknown table or view.
        """
        _check_name(table, "table")
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            raise ConfigurationError("start must be an integer >= 0")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= LIST_CAP:
            raise ConfigurationError(f"limit must be an integer from 1 to {LIST_CAP}")
        if view is not None:
            _check_name(view, "view")
        route = await self._route()
        params: dict[str, str | int | float | bool] = {
            "table_name": table,
            "start": start,
            "limit": limit,
        }
        if view is not None:
            params["view_name"] = view
        if route.gateway:
            params["convert_keys"] = "true"
        call = self._call(route, "GET", route.url("/rows/"), "/rows/", params=params)
        data = await self._client._send(call)
        return _rows_of(data, call)

    async def rows(
        self, table: str, view: str | None = None, *, page_size: int = LIST_CAP
    ) -> AsyncIterator[dict[str, Any]]:
        """Iterate over every row of a table (or view), fetching page after page.

        Pages are requested with ``start += page_size`` until a page comes back short.
        Rows added or deleted while iterating may be seen twice or skipped (SeaTable has no
        cursor).

        Args:
            table: table name.
            view: optional view name.
            page_size: rows per request, 1..1000.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, BadRequestError: unknown table or view.
        """
        _check_name(table, "table")
        if (
            not isinstance(page_size, int)
            or isinstance(page_size, bool)
            or not 1 <= page_size <= LIST_CAP
        ):
            raise ConfigurationError(f"page_size must be an integer from 1 to {LIST_CAP}")
        start = 0
        while True:
            page = await self.list_rows(table, view=view, start=start, limit=page_size)
            for row in page:
                yield row
            if len(page) < page_size:
                return
            start += len(page)

    async def get_row(self, table: str, row_id: str) -> dict[str, Any]:
        """Return one row, keyed by column name.

        Raises:
            ConfigurationError: empty table name or row id (before any request).
            NotFoundError: no such row (or table).
        """
        _check_name(table, "table")
        _check_name(row_id, "row id")
        route = await self._route()
        params: dict[str, str | int | float | bool] = {"table_name": table}
        if route.gateway:
            params["convert_keys"] = "true"
        path = f"/rows/{quote(row_id.strip(), safe='')}/"
        call = self._call(route, "GET", route.url(path), "/rows/{row_id}/", params=params)
        data = await self._client._send(call)
        if not isinstance(data, dict):
            raise ResponseFormatError(
                "the row answer is not an object", method=call.method, path=call.template
            )
        return data

    async def append_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Append rows and return their ids in input order.

        Any number of rows: they are split into 1,000-row batches sent concurrently (at most
        ``client.max_concurrency`` at once). On servers before the API gateway, whose batch
        endpoint returns no ids, rows are sent one per request (concurrently) to learn them.
        For very large or resumable imports use `import_rows`.

        Args:
            table: table name.
            rows: mappings of column **name** to value (unknown names are ignored by SeaTable).

        Returns:
            The new rows' ids, in the order of ``rows``.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            MaybeAppliedError: a batch failed after it may have been applied (not replayed).
            SeaTableError: any failure of a batch; after it no new batch starts, and the
                error's ``partial`` (`PartialWrite`) lists the rows that landed (with their
                ids), may have landed, or were not written, so a retry can skip them.
        """
        _check_name(table, "table")
        payload = _check_rows(rows)
        if not payload:
            return []
        route = await self._writable()
        size = APPEND_CAP if route.gateway else 1
        batches = [
            Batch(
                range(i, min(i + size, len(payload))),
                _bind(
                    self._append_batch if route.gateway else self._append_single,
                    route,
                    table,
                    payload[i : i + size],
                ),
            )
            for i in range(0, len(payload), size)
        ]
        results = await run_batches(
            batches, limit=self._client.max_concurrency, total=len(payload), row_ids=list
        )
        return [row_id for ids in results for row_id in ids]

    async def _append_batch(
        self, route: _Route, table: str, batch: list[dict[str, Any]]
    ) -> list[str]:
        """Send one batch of at most 1,000 rows; return the ids in order (used by bulk.py)."""
        if len(batch) > APPEND_CAP:
            raise ConfigurationError(f"a batch holds at most {APPEND_CAP} rows")
        if not batch:
            return []
        if not route.gateway:
            batches = [
                Batch(range(i, i + 1), _bind(self._append_single, route, table, [row]))
                for i, row in enumerate(batch)
            ]
            results = await run_batches(
                batches, limit=self._client.max_concurrency, total=len(batch), row_ids=list
            )
            return [ids[0] for ids in results]
        call = self._call(
            route,
            "POST",
            route.url("/rows/"),
            "/rows/",
            json={"table_name": table, "rows": batch},
            idempotent=False,
        )
        data = await self._client._send(call)
        ids = data.get("row_ids") if isinstance(data, dict) else None
        if not isinstance(ids, list) or len(ids) != len(batch):
            raise ResponseFormatError(
                "the append answer has no row_ids for every row",
                method=call.method,
                path=call.template,
            )
        out: list[str] = []
        for item in ids:
            value = item.get("_id") if isinstance(item, dict) else item
            if not isinstance(value, str) or not value:
                raise ResponseFormatError(
                    "the append answer has a malformed row id",
                    method=call.method,
                    path=call.template,
                )
            out.append(value)
        return out

    async def _append_single(
        self, route: _Route, table: str, rows: list[dict[str, Any]]
    ) -> list[str]:
        """Legacy dtable-server: append one row (``POST /rows/``); return ``[its id]``."""
        (row,) = rows
        call = self._call(
            route,
            "POST",
            route.url("/rows/"),
            "/rows/",
            json={"table_name": table, "row": row},
            idempotent=False,
        )
        data = await self._client._send(call)
        row_id = data.get("_id") if isinstance(data, dict) else None
        if not isinstance(row_id, str) or not row_id:
            raise ResponseFormatError(
                "the append answer has no _id", method=call.method, path=call.template
            )
        return [row_id]

    async def update_rows(
        self,
        table: str,
        updates: Mapping[str, Mapping[str, Any]] | Sequence[tuple[str, Mapping[str, Any]]],
    ) -> None:
        """Change cells of existing rows.

        Args:
            table: table name.
            updates: ``{row_id: {column name: value}}`` or a sequence of ``(row_id, row)``;
                sent in 1,000-row batches, concurrently.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: unknown table or invalid data.
            SeaTableError: any failure of a batch, with ``partial`` (`PartialWrite`) telling
                which updates (by position) were applied.
        """
        _check_name(table, "table")
        items = _check_updates(updates)
        if not items:
            return
        route = await self._writable()
        await run_batches(
            [
                Batch(
                    range(i, min(i + UPDATE_CAP, len(items))),
                    _bind(self._update_batch, route, table, items[i : i + UPDATE_CAP]),
                )
                for i in range(0, len(items), UPDATE_CAP)
            ],
            limit=self._client.max_concurrency,
            total=len(items),
        )

    async def _update_batch(
        self, route: _Route, table: str, batch: list[tuple[str, dict[str, Any]]]
    ) -> None:
        call = self._call(
            route,
            "PUT",
            route.url("/rows/", "/batch-update-rows/"),
            "/rows/" if route.gateway else "/batch-update-rows/",
            json={
                "table_name": table,
                "updates": [{"row_id": row_id, "row": row} for row_id, row in batch],
            },
        )
        await self._client._send(call)

    async def delete_rows(self, table: str, row_ids: Sequence[str]) -> None:
        """Delete rows by id (in 10,000-id batches, concurrently). Unknown ids are ignored.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: unknown table.
            SeaTableError: any failure of a batch, with ``partial`` (`PartialWrite`) telling
                which ids (by position) were deleted.
        """
        _check_name(table, "table")
        if isinstance(row_ids, (str, bytes)) or not isinstance(row_ids, Sequence):
            raise ConfigurationError("row_ids must be a sequence of row id strings")
        ids = list(row_ids)
        for row_id in ids:
            _check_name(row_id, "row id")
        if not ids:
            return
        route = await self._writable()
        await run_batches(
            [
                Batch(
                    range(i, min(i + DELETE_CAP, len(ids))),
                    _bind(self._delete_batch, route, table, ids[i : i + DELETE_CAP]),
                )
                for i in range(0, len(ids), DELETE_CAP)
            ],
            limit=self._client.max_concurrency,
            total=len(ids),
        )

    async def _delete_batch(self, route: _Route, table: str, batch: list[str]) -> None:
        call = self._call(
            route,
            "DELETE",
            route.url("/rows/", "/batch-delete-rows/"),
            "/rows/" if route.gateway else "/batch-delete-rows/",
            json={"table_name": table, "row_ids": batch},
        )
        await self._client._send(call)

    async def import_rows(
        self,
        table: str,
        source: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
        *,
        batch_size: int = 1000,
        concurrency: int | None = None,
        key: str | None = None,
        on_progress: Callable[[ImportProgress], Awaitable[None] | None] | None = None,
        raise_on_failure: bool = True,
        skip_existing: bool = False,
    ) -> ImportReport:
        """Stream any number of rows into ``table`` with bounded memory; account for each one.

        Args:
            table: table name.
            source: an iterable or async iterable of rows (column name -> value).
            batch_size: rows per request, 1..1000.
            concurrency: batches in flight (default: derived from the client's limit).
            key: a column whose values identify rows; lets ambiguous batches (sent, answer
                lost) be reconciled so every row lands exactly once.
            on_progress: called with an ``ImportProgress`` as batches complete.
            raise_on_failure: raise ``BulkImportError`` (carrying the report) if any row was
                not inserted.
            skip_existing: with ``key``, send only rows whose key is not in the table yet
                (one SQL query per batch) — to resume an interrupted import exactly once.

        Returns:
            ``ImportReport``: inserted (with ids), failed and maybe-applied rows.

        Raises:
            BulkImportError: some rows failed and ``raise_on_failure`` is True.
            PermissionDeniedError: read-only token or external link.
        """
        from seatable_async.bulk import import_rows

        return await import_rows(
            self,
            table,
            source,
            batch_size=batch_size,
            concurrency=concurrency,
            key=key,
            on_progress=on_progress,
            raise_on_failure=raise_on_failure,
            skip_existing=skip_existing,
        )

    # -- SQL ----------------------------------------------------------------------------------

    async def sql(self, sql: str, parameters: Sequence[Any] | None = None) -> SqlResult:
        """Run one SQL statement (``?`` placeholders take ``parameters``).

        Returns:
            `SqlResult` with rows keyed by column name; ``truncated`` tells whether the
            server's cap (100 rows without LIMIT, 10,000 with) may have cut it.

        Raises:
            ConfigurationError: empty statement (before any request).
            PermissionDeniedError: a write statement with a read-only token (before sending).
            BadRequestError: SeaTable refused the statement (its message included), also when
                the old dtable-db answered ``{"success": false}`` with HTTP 200.
            MaybeAppliedError: a write statement failed after it may have been applied.
        """
        if not isinstance(sql, str) or not sql.strip():
            raise ConfigurationError("sql must be a non-empty string")
        if parameters is not None and (
            isinstance(parameters, (str, bytes, Mapping)) or not isinstance(parameters, Sequence)
        ):
            raise ConfigurationError("parameters must be a sequence (list or tuple) of values")
        statement = sql.strip()
        reading = statement.split(None, 1)[0].lower() in ("select", "with")
        route = await (self._route() if reading else self._writable())
        body: dict[str, Any] = {"sql": statement, "convert_keys": True}
        if parameters is not None and not route.gateway:
            # dtable-db before the gateway (< 4.4) predates SQL parameters (5.0): inline them.
            body["sql"] = inline_parameters(statement, parameters)
        elif parameters is not None:
            body["parameters"] = list(parameters)
        template = "/sql" if route.gateway else "/dtable-db/api/v1/query/{base_uuid}/"
        call = self._call(route, "POST", route.sql_url, template, json=body, idempotent=reading)
        data = await self._client._send(call)
        if not isinstance(data, dict):
            raise ResponseFormatError(
                "the SQL answer is not an object", method=call.method, path=call.template
            )
        if data.get("success") is False:
            message = data.get("error_message") or data.get("error_msg") or "SQL failed"
            raise BadRequestError(
                str(message),
                status=200,
                method=call.method,
                path=call.template,
                error_msg=str(message),
            )
        results = data.get("results", [])
        metadata = data.get("metadata", [])
        if results is None:
            results = []
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise ResponseFormatError(
                "the SQL answer's results are not a list of rows",
                method=call.method,
                path=call.template,
            )
        columns = [m for m in metadata if isinstance(m, dict)] if isinstance(metadata, list) else []
        rows = _rows_keyed_by_name(results, columns)
        cap = result_cap(statement)
        return SqlResult(rows=rows, columns=columns, truncated=reading and len(rows) >= cap)

    async def sql_pages(
        self,
        sql: str,
        parameters: Sequence[Any] | None = None,
        *,
        page_size: int = SQL_CAP,
    ) -> AsyncIterator[dict[str, Any]]:
        """Iterate over every row of a large SELECT, fetching it page by page.

        Appends ``LIMIT page_size OFFSET n`` to the statement and stops at a short page. Add
        an ``ORDER BY`` (e.g. ``ORDER BY _id``) for a stable order across pages.

        Args:
            sql: a SELECT statement **without** LIMIT/OFFSET.
            parameters: values for ``?`` placeholders.
            page_size: rows per request, 1..10000.

        Raises:
            ConfigurationError: not a SELECT, already has LIMIT/OFFSET, or bad page_size
                (before any request).
            BadRequestError: SeaTable refused the statement.
        """
        if not isinstance(sql, str) or not sql.strip():
            raise ConfigurationError("sql must be a non-empty string")
        if (
            not isinstance(page_size, int)
            or isinstance(page_size, bool)
            or not 1 <= page_size <= SQL_CAP
        ):
            raise ConfigurationError(f"page_size must be an integer from 1 to {SQL_CAP}")
        statement = sql.strip().rstrip(";").strip()
        if statement.split(None, 1)[0].lower() != "select":
            raise ConfigurationError("sql_pages only pages SELECT statements")
        if re.search(r"\b(limit|offset)\b", without_literals(statement), re.IGNORECASE):
            raise ConfigurationError(
                "sql_pages adds LIMIT/OFFSET itself: remove them from the statement (or use "
                "sql() for a single page)"
            )
        offset = 0
        while True:
            page = await self.sql(f"{statement} LIMIT {page_size} OFFSET {offset}", parameters)
            for row in page.rows:
                yield row
            if len(page.rows) < page_size:
                return
            offset += page_size

    # -- files (API-Token) --------------------------------------------------------------------

    async def upload_file(
        self,
        name: str,
        data_or_path: bytes | bytearray | memoryview | str | PathLike[str],
        *,
        kind: str = "file",
        replace: bool = False,
    ) -> Asset:
        """Upload a file into the base's assets, ready to be put in a file or image cell.

        Args:
            name: the file name to store (e.g. ``"report.pdf"``).
            data_or_path: the content as bytes, or a path (``str``/``PathLike``) to read.
            kind: ``"file"`` (file column) or ``"image"`` (image column).
            replace: overwrite a file of the same name (else SeaTable stores ``name(1).ext``).

        Returns:
            `Asset`; ``[asset.cell()]`` is the cell value.

        Raises:
            ConfigurationError: invalid arguments, or this base has no API-Token (opened from
                an Account-Token or external link) — before any request.
            PermissionDeniedError: the API-Token may not upload.
            APIError: status 443 when the team is over its asset quota.
        """
        from seatable_async.files import upload_file

        return await upload_file(self, name, data_or_path, kind=kind, replace=replace)

    async def download_file(self, path_or_url: str) -> bytes:
        """Download an asset of this base.

        Args:
            path_or_url: the asset path (``/files/2026-11/report.pdf``, relative to the base's
                asset folder) or the URL stored in a file/image cell.

        Returns:
            The file's content.

        Raises:
            ConfigurationError: empty path, or this base has no API-Token (before any request).
            BadRequestError: SeaTable says the path does not exist.
        """
        from seatable_async.files import download_file

        return await download_file(self, path_or_url)

    async def delete_file(self, path_or_url: str) -> None:
        """Delete an asset of this base (SeaTable 6.x; older servers answer 404).

        Args:
            path_or_url: the asset path or the URL stored in a file/image cell.

        Raises:
            ConfigurationError: empty path, or this base has no API-Token (before any request).
            NotFoundError: no such file (or the server has no delete endpoint).
        """
        from seatable_async.files import delete_file

        await delete_file(self, path_or_url)

    # -- helpers ------------------------------------------------------------------------------


def _bind(fn: Callable[..., Awaitable[_T]], *args: Any) -> Callable[[], Awaitable[_T]]:
    def job() -> Awaitable[_T]:
        return fn(*args)

    return job


def _check_name(value: object, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"the {what} name must be a non-empty string")


def _check_rows(rows: object) -> list[dict[str, Any]]:
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Sequence):
        raise ConfigurationError("rows must be a sequence of mappings (column name -> value)")
    payload: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ConfigurationError(
                f"row {index} is a {type(row).__name__}, not a mapping of column names to values"
            )
        payload.append(dict(row))
    return payload


def _check_updates(updates: object) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(updates, Mapping):
        pairs: list[Any] = list(updates.items())
    elif isinstance(updates, Sequence) and not isinstance(updates, (str, bytes)):
        pairs = list(updates)
    else:
        raise ConfigurationError(
            "updates must be {row_id: {column: value}} or a sequence of (row_id, row)"
        )
    out: list[tuple[str, dict[str, Any]]] = []
    for index, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ConfigurationError(f"update {index} is not a (row_id, row) pair")
        row_id, row = pair
        if not isinstance(row_id, str) or not row_id.strip():
            raise ConfigurationError(f"update {index}: the row id must be a non-empty string")
        if not isinstance(row, Mapping):
            raise ConfigurationError(f"update {index}: the row must be a mapping")
        out.append((row_id, dict(row)))
    return out


def _rows_of(data: Any, call: Call) -> list[dict[str, Any]]:
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ResponseFormatError(
            "the answer's rows are not a list of objects", method=call.method, path=call.template
        )
    return rows


def _rows_keyed_by_name(
    rows: list[dict[str, Any]], columns: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Old dtable-db servers may ignore ``convert_keys``: rename column keys to names."""
    names = {c.get("name") for c in columns}
    mapping = {
        str(c["key"]): str(c["name"])
        for c in columns
        if isinstance(c.get("key"), str)
        and isinstance(c.get("name"), str)
        and c["key"] != c["name"]
        and c["key"] not in names
    }
    if not mapping or not any(k in mapping for row in rows for k in row):
        return rows
    return rows_by_name(rows, mapping)
