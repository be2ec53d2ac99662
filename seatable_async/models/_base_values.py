"""Values of base operations: structure (tables, columns, views), tokens, SQL results, assets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import attrs

from seatable_async.models._convert import JSONModel, json_field, prepare

__all__ = [
    "Asset",
    "BaseTokenInfo",
    "Column",
    "Metadata",
    "SelectOption",
    "SqlResult",
    "Table",
    "TokenFacts",
    "View",
    "rows_by_name",
]


@attrs.frozen
class SelectOption(JSONModel):
    """One option of a single- or multiple-select column.

    Attributes:
        id: the option's id (cells of the column refer to it).
        name: the label.
        color: the background colour, e.g. ``"#59CB74"``.
        text_color: the label's colour (``textColor`` in SeaTable's JSON), if set.
    """

    id: str
    name: str
    color: str | None = None
    text_color: str | None = json_field(key="textColor", default=None)


@attrs.frozen
class Column(JSONModel):
    """A column: ``key`` (4 chars, stable), ``name``, ``type`` and its type-specific ``data``.

    Attributes:
        key: the column's key (``"0000"`` for the first column).
        name: the column's name.
        type: ``"text"``, ``"number"``, ``"single-select"``, ``"link"``, ``"formula"``, …
        data: the type's settings: select ``options`` (with ids and colours), a link's
            ``link_id``/``table_id``/``other_table_id``, a formula's ``formula`` and
            ``result_type``, a number's ``format``…; None for plain types.
        width: the column's width in pixels.
        frozen: whether the column is frozen (pinned to the left).
        editable: whether the column can be edited in the web interface.
        description: the column's description, if any.
        raw: the whole JSON object as the server sent it (fields not modelled here).
    """

    key: str
    name: str
    type: str
    data: dict[str, Any] | None = attrs.field(default=None, eq=False)
    width: int = attrs.field(default=200, eq=False)
    frozen: bool = attrs.field(default=False, eq=False)
    editable: bool = attrs.field(default=True, eq=False)
    description: str | None = attrs.field(default=None, eq=False)
    raw: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def options(self) -> list[SelectOption]:
        """The options of a single- or multiple-select column (empty for other types).

        Raises:
            ResponseFormatError: an option lacks its id or name.
        """
        options = (self.data or {}).get("options")
        if not isinstance(options, list):
            return []
        return [SelectOption.from_json(o, path=f"column {self.name!r} options") for o in options]

    def option(self, name: str) -> SelectOption:
        """The select option called ``name`` (or with that id).

        Raises:
            KeyError: no such option.
        """
        for option in self.options:
            if option.name == name or option.id == name:
                return option
        raise KeyError(f"column {self.name!r} has no option {name!r}")


@attrs.frozen
class View(JSONModel):
    """A view of a table: which rows it shows, in which order, and which columns it hides.

    Attributes:
        name: the view's name.
        id: the view's id (``"0000"`` for the default view).
        type: ``"table"``, or ``"archive"`` for a big-data view.
        is_locked: whether the view's settings are locked.
        filters: conditions as SeaTable stores them: ``{"column_key", "filter_predicate",
            "filter_term", …}``.
        filter_conjunction: ``"And"`` or ``"Or"``.
        sorts: ``{"column_key", "sort_type": "up" | "down"}`` entries.
        groupbys: ``{"column_key", "sort_type"}`` entries.
        hidden_columns: keys of the columns the view hides.
        row_height: ``"default"``, ``"double"``, … where the server says.
        raw: the whole JSON object as the server sent it.
    """

    name: str
    id: str = json_field(key="_id")
    type: str = "table"
    is_locked: bool = attrs.field(default=False, eq=False)
    filters: list[dict[str, Any]] = attrs.field(factory=list, eq=False)
    filter_conjunction: str = attrs.field(default="And", eq=False)
    sorts: list[dict[str, Any]] = attrs.field(factory=list, eq=False)
    groupbys: list[dict[str, Any]] = attrs.field(factory=list, eq=False)
    hidden_columns: list[str] = attrs.field(factory=list, eq=False)
    row_height: str | None = attrs.field(default=None, eq=False)
    raw: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen
class Table(JSONModel):
    """A table with its columns and views."""

    name: str
    id: str = json_field(key="_id")
    columns: list[Column] = attrs.field(factory=list)
    views: list[View] = attrs.field(factory=list)
    is_header_locked: bool = attrs.field(default=False, eq=False)

    def column(self, name: str) -> Column:
        """The column called ``name`` (or with that key).

        Raises:
            KeyError: no such column.
        """
        for column in self.columns:
            if column.name == name:
                return column
        for column in self.columns:
            if column.key == name:
                return column
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def view(self, name: str) -> View:
        """The view called ``name`` (or with that id).

        Raises:
            KeyError: no such view.
        """
        for view in self.views:
            if view.name == name or view.id == name:
                return view
        raise KeyError(f"table {self.name!r} has no view {name!r}")


@attrs.frozen
class Metadata(JSONModel):
    """The structure of a base: its tables, their columns and views."""

    tables: list[Table]

    def table(self, name: str) -> Table:
        """The table called ``name`` (or with that id).

        Raises:
            KeyError: no such table.
        """
        for table in self.tables:
            if table.name == name:
                return table
        for table in self.tables:
            if table.id == name:
                return table
        raise KeyError(f"the base has no table {name!r}")

    @property
    def table_names(self) -> list[str]:
        """The names of all tables, in order."""
        return [t.name for t in self.tables]


@prepare(Metadata)
def _unwrap_metadata(data: dict[str, Any]) -> dict[str, Any]:
    inner = data.get("metadata", data)  # {"metadata": {"tables": […]}} or the inner object
    if not isinstance(inner, dict):
        raise TypeError("'metadata' is not an object")
    return inner


@attrs.frozen(kw_only=True)
class TokenFacts:
    """What the server says about a Base-Token: the one field list shared by the pooled token,
    the token in a shared store, and `BaseTokenInfo`.

    Attributes:
        dtable_uuid: the base's UUID.
        permission: ``"rw"`` or ``"r"``.
        expires_at: expiry in Unix seconds (already on the safe side).
        app_name, workspace_id, dtable_name: what the token answer named, if anything.
    """

    dtable_uuid: str
    permission: str
    expires_at: float
    app_name: str | None = None
    workspace_id: int | None = None
    dtable_name: str | None = None

    @property
    def writable(self) -> bool:
        return self.permission == "rw"


@attrs.frozen(kw_only=True)
class BaseTokenInfo(TokenFacts):
    """What the current Base-Token allows — never the token itself.

    Attributes:
        uses_gateway: operations go through the API gateway.
        generation: how many tokens the client has taken for this base.
    """

    uses_gateway: bool
    generation: int

    @classmethod
    def from_grant(cls, facts: TokenFacts, *, uses_gateway: bool, generation: int) -> BaseTokenInfo:
        """The public description of a token's facts."""
        shared = {f.name: getattr(facts, f.name) for f in attrs.fields(TokenFacts)}
        return cls(**shared, uses_gateway=uses_gateway, generation=generation)


@attrs.frozen
class SqlResult:
    """Rows of a SQL query.

    Attributes:
        rows: result rows keyed by column name.
        columns: the ``metadata`` SeaTable returned for the selected columns.
        truncated: True when the server's cap (100 rows without LIMIT, else 10,000) may have
            cut the result; fetch the rest with ``Base.sql_pages``.
    """

    rows: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    truncated: bool


@attrs.frozen
class Asset:
    """A file uploaded to a base's asset folder.

    Attributes:
        name: the stored file name (SeaTable may rename it, e.g. ``report(1).pdf``).
        size: bytes.
        url: the absolute URL to put in a file or image cell.
        path: the path relative to the base's asset folder (``/files/2026-11/report.pdf``),
            what `Base.download_file` takes.
        type: ``"file"`` or ``"image"``.
    """

    name: str
    size: int
    url: str
    path: str
    type: str

    def cell(self) -> Any:
        """The value for one cell entry: ``{"name","size","type","url"}`` for files, the URL
        for images. A file/image column holds a list of these."""
        if self.type == "image":
            return self.url
        return {"name": self.name, "size": self.size, "type": "file", "url": self.url}

    @staticmethod
    def build_url(
        server_url: str, workspace_id: int | str, parent_path: str, relative_path: str, name: str
    ) -> str:
        """``{server}/workspace/{id}{parent_path}/{relative_path}/{name}``, URL-quoted."""
        parent = "/" + parent_path.strip("/")
        relative = relative_path.strip("/")
        parts = [p for p in (parent + "/" + relative + "/" + name).split("/") if p]
        quoted = "/".join(quote(p, safe="") for p in parts)
        return f"{server_url.rstrip('/')}/workspace/{quote(str(workspace_id), safe='')}/{quoted}"


def rows_by_name(rows: list[dict[str, Any]], columns: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rename column keys to column names (``columns`` maps key -> name); others stay."""
    if not columns:
        return rows
    return [{columns.get(k, k): v for k, v in row.items()} for row in rows]
