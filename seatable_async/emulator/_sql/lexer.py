"""SeaTable SQL → SQLite: tokenize, refuse what SeaTable refuses, translate the rest.

Rules and their sources (developer docs ``sql/`` pages, api.seatable.com ``querysql``, and
``seatable/openapi`` ``tests/test_sql_functions.py`` / ``tests/API_ISSUES.md``, 6.x):

* only SELECT, INSERT, UPDATE, DELETE; no ``JOIN`` keyword (comma joins only), no subqueries,
  ``UNION`` or ``CASE``; only SeaTable's functions (``_sql.functions``); double quotes make string
  literals, not identifiers (``SELECT "a" FROM "T"`` is refused);
* ``LIKE`` is case-sensitive, ``ILIKE`` is not; list columns compare on their first element
  (``=``, ``!=``, ``LIKE``, ``IS NULL``), ``IN``/``HAS ANY OF``/``HAS ALL OF``/``HAS NONE OF``/
  ``IS EXACTLY`` on their elements;
* ``GROUP BY`` is strict: selected plain columns must be grouped;
* a SELECT without ``LIMIT`` returns 100 rows; every answer holds at most 10,000.
"""

from __future__ import annotations

import re

from attrs import define, field, frozen

from .._state.cells import LIST_TYPES
from .._state.records import Base, Column, Table
from .functions import AGGREGATES, CONSTANTS, FUNCTIONS

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


class SqlError(Exception):
    """An SQL error; the message is what the server reports in ``error_message``."""


# String literals read as MySQL reads them (inferred: SeaTable's SQL docs give LIMIT "in MySQL
# format" and quote strings both ways): a doubled quote or a backslash escapes.
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_ESCAPE = {q: re.compile(r"\\(.)|" + q + q, re.DOTALL) for q in "'\""}
_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<str>'(?:[^'\\]|\\.|'')*')|(?P<dstr>\"(?:[^\"\\]|\\.|\"\")*\")"
    r"|(?P<ident>`(?:[^`]|``)*`)"
    r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<word>[A-Za-z_\u00c0-\uffff][\w]*)"
    r"|(?P<param>\?)|(?P<op><>|!=|<=|>=|==|\|\||[-+*/%=<>(),.;])"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_KEYWORDS = _words(
    "SELECT DISTINCT FROM WHERE GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET AND OR NOT IN "
    "IS NULL LIKE ILIKE BETWEEN AS TRUE FALSE UPDATE SET DELETE INSERT INTO VALUES HAS "
    "ANY ALL NONE OF EXACTLY"
)
_NEVER_CALL = _KEYWORDS - {"AND", "OR", "NOT"}
_REFUSED = _words(
    "JOIN UNION INTERSECT EXCEPT CASE WITH EXISTS GLOB REGEXP MATCH COLLATE WINDOW OVER "
    "PRAGMA ATTACH DETACH CREATE DROP ALTER"
)
_CLAUSES = ("WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET")
_LIST_OPS = {
    ("IN",): "has_any",
    ("NOT", "IN"): "!has_any",
    ("HAS", "ANY", "OF"): "has_any",
    ("HAS", "ALL", "OF"): "has_all",
    ("HAS", "NONE", "OF"): "has_none",
    ("IS", "EXACTLY"): "is_exactly",
}


@frozen
class Tok:
    kind: str
    text: str

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(sql: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if m is None:
            raise SqlError(f'syntax error near "{sql[pos : pos + 10]}"')
        kind = m.lastgroup or "ws"
        if kind != "ws":
            out.append(Tok(kind, m.group()))
        pos = m.end()
    while out and out[-1].text == ";":
        out.pop()
    if any(t.text == ";" for t in out):
        raise SqlError("only one statement is allowed")
    return out


def string_value(tok: Tok) -> str:
    """The text of a string literal token, unescaped."""

    quote = tok.text[0]

    def unescape(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return _ESCAPES.get(m.group(1), m.group(1))
        return quote

    return _ESCAPE[quote].sub(unescape, tok.text[1:-1])


def sqlite_string(tok: Tok) -> str:
    """A string literal token as an SQLite literal (single quotes, no backslash escapes)."""
    return "'" + string_value(tok).replace("'", "''") + "'"


def ident_name(tok: Tok) -> str:
    """An identifier's name (a backtick inside backticks is doubled, as in MySQL)."""
    return tok.text[1:-1].replace("``", "`") if tok.kind == "ident" else tok.text


def _operand_end(tok: Tok | None) -> bool:
    if tok is None:
        return False
    if tok.kind in ("str", "dstr", "ident", "num", "param") or tok.text == ")":
        return True
    return tok.kind == "word" and (tok.up not in _KEYWORDS or tok.up in ("TRUE", "FALSE", "NULL"))


def display(toks: list[Tok]) -> str:
    """A select item's result key: its text without backticks (``SUM(age)``)."""
    return (
        " ".join(ident_name(t) if t.kind == "ident" else t.text for t in toks)
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
    )


@define
class Statement:
    """A checked statement. SELECT: ``sql`` runs as is. UPDATE/DELETE: ``sql`` selects the
    ids of the rows to change. INSERT: ``values`` are the rows' constants."""

    kind: str
    tables: list[Table]
    sql: str = ""
    sets: list[tuple[Column, Tok]] = field(factory=list)
    columns: list[Column] = field(factory=list)
    values: list[list[Tok]] = field(factory=list)
    expressions: dict[str, bool] = field(factory=dict)  # result key → shown as boolean


class Translator:
    def __init__(self, toks: list[Tok], base: Base) -> None:
        self.toks = toks
        self.base = base
        self.tables: list[Table] = []
        self.aliases: dict[str, Table] = {}

    # ---- checks shared by every statement --------------------------------------------
    def check(self) -> None:
        depth = 0
        for i, t in enumerate(self.toks):
            if t.up in _REFUSED:
                raise SqlError(f"{t.up} is not supported")
            if t.text == "(":
                depth += 1
                nxt = self.toks[i + 1] if i + 1 < len(self.toks) else None
                if nxt is not None and nxt.up == "SELECT":
                    raise SqlError("subqueries are not supported")
            elif t.text == ")":
                depth -= 1
        if depth != 0:
            raise SqlError("unbalanced parentheses")

    def is_call(self, i: int) -> bool:
        t = self.toks[i]
        if t.kind != "word" or i + 1 >= len(self.toks) or self.toks[i + 1].text != "(":
            return False
        if t.up in _NEVER_CALL:
            return False
        if t.up in ("AND", "OR", "NOT"):
            return not _operand_end(self.toks[i - 1] if i else None)
        return True

    def table(self, tok: Tok) -> Table:
        if tok.kind not in ("word", "ident"):
            raise SqlError(f'syntax error near "{tok.text}"')
        table = self.base.table(ident_name(tok))
        if table is None:
            raise SqlError(f"no such table: {ident_name(tok)}")
        return table

    def column(self, i: int) -> tuple[Column | None, int]:
        """The column an identifier at ``i`` names (``col`` or ``t.col``) and its end."""
        t = self.toks[i]
        if t.kind not in ("word", "ident") or (t.kind == "word" and t.up in _KEYWORDS):
            return None, i
        if self.is_call(i):
            return None, i
        toks = self.toks
        if i + 2 < len(toks) and toks[i + 1].text == "." and toks[i + 2].kind in ("word", "ident"):
            table = self.aliases.get(ident_name(t)) or self.base.table(ident_name(t))
            col = table.by_name.get(ident_name(toks[i + 2])) if table is not None else None
            return col, i + 2
        for table in self.tables:
            col = table.by_name.get(ident_name(t))
            if col is not None:
                return col, i
        return None, i

    # ---- translation -----------------------------------------------------------------
    def emit(self, start: int, end: int, *, where: bool = False) -> str:
        """Tokens ``start..end`` as SQLite text (functions renamed, strings re-quoted, list
        columns compared on elements when ``where``)."""
        out: list[str] = []
        toks = self.toks
        call_depth: list[bool] = []
        i = start
        while i < end:
            t = toks[i]
            if t.kind in ("str", "dstr"):
                out.append(sqlite_string(t))
            elif self.is_call(i):
                name = t.text.lower()
                if name in AGGREGATES:
                    out.append(t.text)
                elif name in FUNCTIONS:
                    out.append(f"st_{name}")
                else:
                    raise SqlError(f"function {t.text} is not supported")
                call_depth.append(True)
                out.append("(")
                i += 2
                continue
            elif t.text == "(":
                call_depth.append(False)
                out.append("(")
            elif t.text == ")":
                if call_depth:
                    call_depth.pop()
                out.append(")")
            elif t.up == "ILIKE":
                out.append("GLOB")  # registered as case-insensitive LIKE
            elif t.kind == "word" and t.text.lower() in CONSTANTS and any(call_depth):
                out.append(repr(CONSTANTS[t.text.lower()]))
            elif where and t.kind in ("word", "ident"):
                col, last = self.column(i)
                if col is not None and col.type in LIST_TYPES:
                    ref = " ".join(x.text for x in toks[i : last + 1])
                    i = self._list_operand(ref, last + 1, end, out)
                    continue
                out.append(" ".join(x.text for x in toks[i : last + 1]))
                i = last + 1
                continue
            else:
                out.append(t.text)
            i += 1
        return " ".join(out)

    def _list_operand(self, ref: str, i: int, end: int, out: list[str]) -> int:
        toks = self.toks
        for words, fn in _LIST_OPS.items():
            n = len(words)
            if tuple(x.up for x in toks[i : i + n]) == words and i + n < end:
                if toks[i + n].text != "(":
                    raise SqlError(f"{' '.join(words)} needs a list in parentheses")
                close = self.closing(i + n)
                inner = self.emit(i + n + 1, close)
                negate = fn.startswith("!")
                out.append(
                    f"{'NOT ' if negate else ''}st_{fn.lstrip('!')}({ref}, json_array({inner}))"
                )
                return close + 1
        out.append(f"st_first({ref})")
        return i

    def closing(self, open_index: int) -> int:
        """The position of the ``)`` that closes the ``(`` at ``open_index``."""
        depth = 0
        for j in range(open_index, len(self.toks)):
            if self.toks[j].text == "(":
                depth += 1
            elif self.toks[j].text == ")":
                depth -= 1
                if depth == 0:
                    return j
        raise SqlError("unbalanced parentheses")

    def clauses(self, start: int) -> dict[str, int]:
        """Positions of the top-level clause keywords from ``start`` on."""
        found: dict[str, int] = {}
        depth = 0
        for j in range(start, len(self.toks)):
            t = self.toks[j]
            depth += (t.text == "(") - (t.text == ")")
            if depth == 0 and t.up in _CLAUSES and t.up not in found:
                found[t.up] = j
        return found

    def split(self, start: int, end: int) -> list[tuple[int, int]]:
        """Top-level comma-separated parts of ``start..end``."""
        parts, depth, begin = [], 0, start
        for j in range(start, end):
            t = self.toks[j]
            depth += (t.text == "(") - (t.text == ")")
            if depth == 0 and t.text == ",":
                parts.append((begin, j))
                begin = j + 1
        parts.append((begin, end))
        return [(a, b) for a, b in parts if a < b]
