"""Link columns and the links between rows, as dtable-server keeps them.

A link column's ``data`` holds ``link_id``, ``table_id`` (the column's own table),
``other_table_id`` and ``display_column_key`` (recorded in the metadata example of the v5.0/6.1
``base_operations.yaml`` and the developer docs' links page). The two columns of a link share
its ``link_id`` and one store of row pairs (`Link`), so a link made from either table shows in
both. The linked row ids are also written into the link cells (JSON lists), so SQL sees them.

Cells read back as ``[{"display_value", "row_id"}]`` on the gateway and in SQL (the 5.0
``test_listRows_links[listRows]`` snapshot), as row ids on legacy list rows (the
``[listRowsDeprecated]`` snapshot); from 6.0 a cell holds at most 50 links (reference §10.10:
"links truncated to 50 per cell (5.3+)"). Links to deleted rows are not shown (inferred).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import cells as _cells
from .extras import Link
from .records import Base, Column, Table, new_key, quote_ident
from .state import State, extras_of

__all__ = [
    "CELL_CAP",
    "add_link_column",
    "attach_link_columns",
    "link_of",
    "linked_records",
    "render_cells",
    "render_sql",
    "write_cells",
]

CELL_CAP = 50
_CHUNK = 500


def _column_data(link_id: str, table: Table, other: Table) -> dict[str, Any]:
    return {
        "display_column_key": other.columns[0].key if other.columns else "0000",
        "table_id": table.id,
        "other_table_id": other.id,
        "is_internal_link": True,
        "is_multiple": True,
        "is_row_from_view": False,
        "other_view_id": "",
        "link_id": link_id,
    }


def _other_table(base: Base, data: Mapping[str, Any]) -> Table | None:
    for key in ("other_table_id", "other_table"):
        value = data.get(key)
        if isinstance(value, str) and value:
            found = base.table(value)
            if found is not None:
                return found
    return None


def attach_link_columns(state: State, base: Base) -> None:
    """Give every new link column of ``base`` its link (after ``add_base`` made the tables).

    A column ``{"type": "link", "data": {"other_table": "B"}}`` is paired with a new link
    column of ``B`` that points back (if ``B`` declares one), else such a column is added to
    ``B`` named after the source table, as the server does for a link to another table.
    """
    for table in list(base.tables):
        for col in list(table.columns):
            if col.type != "link" or (col.data or {}).get("link_id"):
                continue
            other = _other_table(base, col.data or {})
            if other is None:
                continue  # a bare "link" column (no other table named) stays without a link
            partner = next(
                (
                    c
                    for c in other.columns
                    if c.type == "link"
                    and c is not col
                    and not (c.data or {}).get("link_id")
                    and _other_table(base, c.data or {}) is table
                ),
                None,
            )
            add_link_column(state, base, table, col, other, partner)


def add_link_column(
    state: State,
    base: Base,
    table: Table,
    col: Column,
    other: Table,
    partner: Column | None = None,
) -> Link:
    """Make ``col`` (already in ``table``) a link to ``other``: a new ``link_id``, the column
    data, and the column on the other side (``partner``, or a new one) unless it links its own
    table."""
    links = extras_of(state, base).links
    link_id = new_key(set(links))
    col.data = _column_data(link_id, table, other)
    if other is not table:
        if partner is None:
            partner = _new_column(state, base, other, _free_name(other, table.name))
        partner.data = _column_data(link_id, other, table)
    link = Link(link_id, table.id, other.id)
    links[link_id] = link
    return link


def _free_name(table: Table, name: str) -> str:
    candidate, n = name, 1
    while candidate in table.by_name:
        n += 1
        candidate = f"{name} {n}"
    return candidate


def _new_column(state: State, base: Base, table: Table, name: str) -> Column:
    col = Column(new_key(set(table.by_key)), name, "link", None)
    with state.lock:
        base.conn.execute(f"ALTER TABLE {quote_ident(table.name)} ADD COLUMN {quote_ident(name)}")
        table.columns.append(col)
        table.by_name[name] = col
        table.by_key[col.key] = col
    return col


def link_of(state: State, base: Base, link_id: str) -> Link | None:
    """The link ``link_id`` of ``base``; a link column made elsewhere (e.g. by the column
    routes) is registered on first use from its column data."""
    links = extras_of(state, base).links
    found = links.get(link_id)
    if found is not None or not link_id:
        return found
    for table in base.tables:
        for col in table.columns:
            data = col.data or {}
            if col.type == "link" and data.get("link_id") == link_id:
                other = str(data.get("other_table_id") or table.id)
                with state.lock:
                    return links.setdefault(link_id, Link(link_id, table.id, other))
    return None


def _link_columns(base: Base, link: Link, table_id: str) -> list[tuple[Table, Column]]:
    table = base.table(table_id)
    if table is None:
        return []
    return [
        (table, c)
        for c in table.columns
        if c.type == "link"
        and (c.data or {}).get("link_id") == link.link_id
        and (c.data or {}).get("table_id") == table_id
    ]


def write_cells(state: State, base: Base, link: Link, touched: Mapping[str, Iterable[str]]) -> None:
    """Write the linked ids of ``touched`` rows (table id → row ids) into their link cells."""
    with state.lock:
        for table_id, row_ids in touched.items():
            for table, col in _link_columns(base, link, table_id):
                base.conn.executemany(
                    f"UPDATE {quote_ident(table.name)} SET {quote_ident(col.name)} = ? "
                    "WHERE _id = ?",
                    [
                        (_cells.to_json(ids) if (ids := link.targets(table_id, r)) else None, r)
                        for r in row_ids
                    ],
                )
        base.version += 1


def _display(
    state: State, base: Base, table: Table, col_data: Mapping[str, Any], ids: Iterable[str]
) -> dict[str, tuple[Any, str, int]]:
    """``{row_id: (display value, _ctime, rowid)}`` of the existing rows among ``ids``."""
    wanted = list(dict.fromkeys(ids))
    shown = table.by_key.get(str(col_data.get("display_column_key") or ""))
    if shown is None and table.columns:
        shown = table.columns[0]
    select = quote_ident(shown.name) if shown is not None else "NULL"
    out: dict[str, tuple[Any, str, int]] = {}
    with state.lock:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for rid, value, ctime, rowid in base.conn.execute(
                f"SELECT _id, {select}, _ctime, rowid FROM {quote_ident(table.name)} "
                f"WHERE _id IN ({marks})",
                chunk,
            ):
                if shown is not None and value is not None:
                    value = state.store.show(shown, value)
                out[rid] = (value, ctime, rowid)
    return out


def _cells_for(
    state: State, base: Base, table: Table, col: Column, row_ids: list[str]
) -> tuple[dict[str, list[str]], dict[str, tuple[Any, str, int]]]:
    data = col.data or {}
    link = link_of(state, base, str(data.get("link_id") or ""))
    other = base.table(str(data.get("other_table_id") or ""))
    if link is None or other is None:
        return {}, {}
    cells = {r: link.targets(table.id, r) for r in row_ids}
    known = _display(state, base, other, data, (i for ids in cells.values() for i in ids))
    return cells, known


def render_cells(
    state: State, base: Base, table: Table, rows: list[dict[str, Any]], style: str, cap: int | None
) -> None:
    """Fill the link cells of ``rows`` (keyed by column name, as selected) in place:
    ``style`` "objects" (gateway) or "ids" (legacy); at most ``cap`` links per cell."""
    ids = [str(r["_id"]) for r in rows]
    for col in table.columns:
        if col.type != "link":
            continue
        cells, known = _cells_for(state, base, table, col, ids)
        for row in rows:
            targets = [t for t in cells.get(str(row["_id"]), ()) if t in known][:cap]
            if not targets:
                row[col.name] = None
            elif style == "ids":
                row[col.name] = targets
            else:
                row[col.name] = [{"display_value": known[t][0], "row_id": t} for t in targets]


def render_sql(
    state: State,
    base: Base,
    table: Table,
    metadata: list[dict[str, Any]],
    results: list[dict[str, Any]],
    convert_keys: bool,
    cap: int | None,
) -> None:
    """SQL answers: link cells (stored as id lists) become ``[{display_value, row_id}]``."""
    for meta in metadata:
        col = table.by_key.get(str(meta.get("key")))
        if col is None or col.type != "link" or (col.data or {}).get("table_id") != table.id:
            continue
        key = col.name if convert_keys else col.key
        other = base.table(str((col.data or {}).get("other_table_id") or ""))
        if other is None:
            continue
        wanted = [i for row in results for i in (row.get(key) or ()) if isinstance(i, str)]
        known = _display(state, base, other, col.data or {}, wanted)
        for row in results:
            value = row.get(key)
            if isinstance(value, list):
                targets = [t for t in value if isinstance(t, str) and t in known][:cap]
                row[key] = [{"display_value": known[t][0], "row_id": t} for t in targets] or None


def linked_records(
    state: State, base: Base, table: Table, col: Column, rows: list[tuple[str, int, int]]
) -> dict[str, list[dict[str, Any]]]:
    """query-links / linked-records: per ``(row_id, offset, limit)`` the linked records ordered
    by the linked rows' creation time (v5.0 spec ``listRowLinkOffset``: "not ordered by its
    original order on the web interface, but rather by created time (ctime)")."""
    cells, known = _cells_for(state, base, table, col, [r for r, _, _ in rows])
    out: dict[str, list[dict[str, Any]]] = {}
    for row_id, offset, limit in rows:
        targets = sorted(
            (t for t in cells.get(row_id, ()) if t in known),
            key=lambda t: (known[t][1], known[t][2]),
        )
        out[row_id] = [
            {"row_id": t, "display_value": known[t][0]} for t in targets[offset : offset + limit]
        ]
    return out
