"""SeaTable SQL statements: SELECT, UPDATE, DELETE and INSERT parsed on top of ``_sql.lexer``."""

from __future__ import annotations

from typing import Any

from .._state.records import Base
from .functions import BOOLEAN
from .lexer import (
    DEFAULT_LIMIT,
    SqlError,
    Statement,
    Tok,
    Translator,
    display,
    ident_name,
    string_value,
    tokenize,
)


def translate(sql: str, base: Base) -> Statement:
    toks = tokenize(sql)
    if not toks:
        raise SqlError("sql is required")
    kind = toks[0].up
    tr = Translator(toks, base)
    tr.check()
    if kind == "SELECT":
        return _select(tr)
    if kind in ("UPDATE", "DELETE"):
        return _update_or_delete(tr, kind)
    if kind == "INSERT":
        return _insert(tr)
    raise SqlError(f"unsupported SQL statement: {toks[0].text}")


def _select(tr: Translator) -> Statement:
    toks = tr.toks
    body = 2 if len(toks) > 1 and toks[1].up == "DISTINCT" else 1
    depth, frm = 0, -1
    for j in range(body, len(toks)):
        depth += (toks[j].text == "(") - (toks[j].text == ")")
        if depth == 0 and toks[j].up == "FROM":
            frm = j
            break
    if frm < 0:
        raise SqlError("a SELECT needs FROM")
    clauses = tr.clauses(frm + 1)
    from_end = min(clauses.values(), default=len(toks))
    for a, b in tr.split(frm + 1, from_end):
        table = tr.table(toks[a])
        tr.tables.append(table)
        alias = [t for t in toks[a + 1 : b] if t.up != "AS"]
        if len(alias) == 1:
            tr.aliases[ident_name(alias[0])] = table
        elif alias:
            raise SqlError(f'syntax error near "{alias[-1].text}"')
    stmt = Statement("SELECT", tr.tables)
    items: list[str] = []
    plain: list[str] = []
    for a, b in tr.split(body, frm):
        part = toks[a:b]
        text = tr.emit(a, b)
        col, last = tr.column(a)
        if (
            (len(part) >= 2 and part[-2].up == "AS")
            or part[0].text == "*"
            or (len(part) == 3 and part[2].text == "*")
        ):
            items.append(text)
        elif col is not None and last == b - 1:
            items.append(text)
            plain.append(ident_name(part[-1]).lower())
        else:
            key = display(part)
            items.append(f'{text} AS "{key.replace(chr(34), chr(34) * 2)}"')
            stmt.expressions[key] = tr.is_call(a) and part[0].text.lower() in BOOLEAN
    sql = f"SELECT {'DISTINCT ' if body == 2 else ''}{', '.join(items)} FROM " + tr.emit(
        frm + 1, from_end
    )
    order = sorted(clauses.items(), key=lambda kv: kv[1])
    for n, (word, pos) in enumerate(order):
        end = order[n + 1][1] if n + 1 < len(order) else len(toks)
        if word == "OFFSET" and "LIMIT" not in clauses:
            sql += f" LIMIT {DEFAULT_LIMIT}"
        sql += " " + tr.emit(pos, end, where=word in ("WHERE", "HAVING"))
    if "GROUP" in clauses:
        _check_group_by(tr, clauses, plain)
    if "LIMIT" not in clauses and "OFFSET" not in clauses:
        sql += f" LIMIT {DEFAULT_LIMIT}"
    stmt.sql = sql
    return stmt


def _check_group_by(tr: Translator, clauses: dict[str, int], plain: list[str]) -> None:
    start = clauses["GROUP"] + 2
    end = min((p for w, p in clauses.items() if p > start), default=len(tr.toks))
    grouped = {display(tr.toks[a:b]).lower() for a, b in tr.split(start, end)}
    grouped |= {g.split(".")[-1] for g in grouped}
    for name in plain:
        if name not in grouped:
            raise SqlError(f"column {name} must appear in the GROUP BY clause")


def _constant(tok: Tok, negative: bool = False) -> Tok:
    if tok.kind in ("str", "dstr", "num", "param") or tok.up in ("NULL", "TRUE", "FALSE"):
        if negative and tok.kind != "num":
            raise SqlError("only constant values are supported in SET and VALUES")
        return Tok(tok.kind, "-" + tok.text) if negative else tok
    raise SqlError("only constant values are supported in SET and VALUES")


def _values(tr: Translator, a: int, b: int) -> list[Tok]:
    if a >= b:
        raise SqlError("a value is missing")
    out = []
    for x, y in tr.split(a, b):
        part = tr.toks[x:y]
        if len(part) == 2 and part[0].text == "-":
            out.append(_constant(part[1], negative=True))
        elif len(part) == 1:
            out.append(_constant(part[0]))
        else:
            raise SqlError("only constant values are supported in SET and VALUES")
    return out


def _update_or_delete(tr: Translator, kind: str) -> Statement:
    toks = tr.toks
    at = 1 if kind == "UPDATE" else 2
    if kind == "DELETE" and (len(toks) < 3 or toks[1].up != "FROM"):
        raise SqlError("syntax error: DELETE FROM table [WHERE ...]")
    table = tr.table(toks[at])
    tr.tables.append(table)
    clauses = tr.clauses(at + 1)
    stmt = Statement(kind, [table])
    if kind == "UPDATE":
        if at + 1 >= len(toks) or toks[at + 1].up != "SET":
            raise SqlError("syntax error: UPDATE table SET column = value [WHERE ...]")
        set_end = clauses.get("WHERE", len(toks))
        for a, b in tr.split(at + 2, set_end):
            col, last = tr.column(a)
            if col is None:
                raise SqlError(f"no such column: {ident_name(toks[a])}")
            if last + 1 >= b or toks[last + 1].text != "=":
                raise SqlError(f'syntax error near "{toks[min(last + 1, b - 1)].text}"')
            stmt.sets.append((col, _values(tr, last + 2, b)[0]))
    where = clauses.get("WHERE")
    where_sql = "" if where is None else " " + tr.emit(where, len(toks), where=True)
    stmt.sql = f"SELECT _id FROM `{table.name.replace('`', '``')}`{where_sql}"
    return stmt


def _insert(tr: Translator) -> Statement:
    toks = tr.toks
    if len(toks) < 4 or toks[1].up != "INTO":
        raise SqlError("syntax error: INSERT INTO table (columns) VALUES (values)")
    table = tr.table(toks[2])
    tr.tables.append(table)
    stmt = Statement("INSERT", [table])
    if toks[3].text != "(":
        raise SqlError("INSERT needs a column list")
    close = tr.closing(3)
    for a, b in tr.split(4, close):
        col, last = tr.column(a)
        if col is None or last != b - 1:
            raise SqlError(f"no such column: {ident_name(toks[a])}")
        stmt.columns.append(col)
    if close + 1 >= len(toks) or toks[close + 1].up != "VALUES":
        raise SqlError("INSERT needs VALUES")
    j = close + 2
    while j < len(toks):
        if toks[j].text != "(":
            raise SqlError(f'syntax error near "{toks[j].text}"')
        end = tr.closing(j)
        row = _values(tr, j + 1, end)
        if len(row) != len(stmt.columns):
            raise SqlError("the number of values does not match the number of columns")
        stmt.values.append(row)
        j = end + 1
        if j < len(toks) and toks[j].text == ",":
            j += 1
    return stmt


def constant_value(tok: Tok, params: list[Any]) -> Any:
    """The Python value of a constant token (``?`` takes the next parameter)."""
    if tok.kind == "param":
        if not params:
            raise SqlError("not enough parameters for the placeholders")
        return params.pop(0)
    if tok.kind in ("str", "dstr"):
        return string_value(tok)
    if tok.kind == "num":
        value = float(tok.text)
        return int(value) if value.is_integer() and "." not in tok.text else value
    return {"NULL": None, "TRUE": True, "FALSE": False}[tok.up]
