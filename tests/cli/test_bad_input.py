"""Every command × every bad input a user can produce: one ``error:`` line naming the problem and
what to do, a documented exit code (docs/reference/cli.md), and never a traceback.

Runs in-process (typer's CliRunner) against the demo account on an emulator served on loopback.
Server answers relied on: an unknown API-Token at the token endpoint is 403 ``Permission
denied.`` (reference §4.1, 6.0.10 test_auth_errors.py); an unknown table, view or row on
list-rows is 404 (reference §5); SQL errors are 400 with the parser's message.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from typer.testing import CliRunner

from seatable_async.cli import app
from tests.cli.helpers import Served

runner = CliRunner()

AUTH = (
    "the server refused the API-Token (Permission denied.) — check --api-token or "
    "SEATABLE_API_TOKEN: it must be the API-Token of this base (Base → Advanced → API Token), "
    "not an Account-Token, and not revoked"
)
UNREACHABLE = (
    "could not talk to the server (request not sent: ConnectError: All connection attempts "
    "failed) — check --server and that the server is running"
)
PLAIN_HTTP = (
    "refusing plain http:// to example.com: SeaTable needs HTTPS — use https://, or pass "
    "--allow-insecure-http for a trusted network"
)
NO_TOKEN = "no API-Token: set SEATABLE_API_TOKEN or pass --api-token"
SENT_NOTHING = " — fix the file and run again; nothing was sent"


@attrs.frozen
class Case:
    """One command line, the exit code it must end with and its ``error:`` line.

    ``argv`` and ``line`` are formatted with the `Where` fields ({url}, {files}, {port}…);
    a `re.Pattern` line must match the whole line (for click's wording, which moves between
    releases, and pyarrow's). ``token`` is ``rw``, ``r``, ``unknown`` or ``none``.
    """

    id: str
    argv: tuple[str, ...]
    code: int
    line: str | re.Pattern[str]
    token: str = "rw"
    last_line_only: bool = False


def _usage(option: str, command: str) -> re.Pattern[str]:
    return re.compile(
        rf"invalid value for '{re.escape(option)}': .+ — see 'seatable-async {command} --help'"
    )


S = "--server"
CASES = [
    # usage
    Case(
        "unknown-command",
        ("frobnicate",),
        2,
        "no such command 'frobnicate' — see 'seatable-async --help'",
    ),
    Case(
        "ping-no-server",
        ("ping",),
        2,
        "missing option '--server' — see 'seatable-async ping --help'",
    ),
    Case(
        "ping-bad-url",
        ("ping", S, "notaurl"),
        2,
        "the server URL must start with https:// "
        "and name a host, like https://cloud.seatable.io — check --server",
    ),
    Case("ping-plain-http", ("ping", S, "http://example.com"), 2, PLAIN_HTTP),
    Case("ping-unreachable", ("ping", S, "http://127.0.0.1:{port}"), 1, UNREACHABLE),
    Case("info-plain-http", ("info", S, "http://example.com"), 2, PLAIN_HTTP),
    # token
    Case("token-missing", ("token", S, "{url}"), 2, NO_TOKEN, token="none"),
    Case("token-unknown", ("token", S, "{url}"), 1, AUTH, token="unknown"),
    Case("token-plain-http", ("token", S, "http://example.com"), 2, PLAIN_HTTP),
    # import: the file
    Case(
        "import-missing-file",
        ("import", S, "{url}", "--table", "Contacts", "{files}/nope.csv"),
        2,
        "{files}/nope.csv: no such file — check the path",
    ),
    Case(
        "import-directory",
        ("import", S, "{url}", "--table", "Contacts", "{files}/folder.csv"),
        2,
        "{files}/folder.csv is a directory, not a file — give the path of a CSV, JSON Lines "
        "or Parquet file",
    ),
    Case(
        "import-latin1-csv",
        ("import", S, "{url}", "--table", "Contacts", "{files}/latin1.csv"),
        2,
        "{files}/latin1.csv: not UTF-8 text (save it as UTF-8)" + SENT_NOTHING,
    ),
    Case(
        "import-latin1-jsonl",
        ("import", S, "{url}", "--table", "Contacts", "{files}/latin1.jsonl"),
        2,
        "{files}/latin1.jsonl line 1: not UTF-8 text (save it as UTF-8)" + SENT_NOTHING,
    ),
    Case(
        "import-short-csv-line",
        ("import", S, "{url}", "--table", "Contacts", "{files}/short.csv"),
        2,
        "{files}/short.csv line 3: 1 fields, the header has 2" + SENT_NOTHING,
    ),
    Case(
        "import-bad-jsonl-line",
        ("import", S, "{url}", "--table", "Contacts", "{files}/broken.jsonl"),
        2,
        "{files}/broken.jsonl line 2: not valid JSON (Expecting value)" + SENT_NOTHING,
    ),
    Case(
        "import-bad-parquet",
        ("import", S, "{url}", "--table", "Contacts", "{files}/bad.parquet"),
        2,
        re.compile(r".*/bad\.parquet: not a readable Parquet file \(.+\)" + SENT_NOTHING),
    ),
    Case(
        "import-empty-csv",
        ("import", S, "{url}", "--table", "Contacts", "{files}/empty.csv"),
        2,
        "{files}/empty.csv is empty: expected a header line with column names" + SENT_NOTHING,
    ),
    Case(
        "import-unknown-format",
        ("import", S, "{url}", "--table", "Contacts", "{files}/rows.xlsx"),
        2,
        "cannot tell the format of {files}/rows.xlsx: pass --format csv, jsonl or parquet",
    ),
    Case(
        "import-bad-format-option",
        ("import", S, "{url}", "--table", "Contacts", "--format", "xml", "{files}/good.csv"),
        2,
        "--format 'xml' is not csv, jsonl or parquet — pass one of them",
    ),
    # import: the table and the values
    Case(
        "import-unknown-table",
        ("import", S, "{url}", "--table", "Nope", "{files}/good.csv"),
        2,
        "the base has no table 'Nope' — check --table (names are case-sensitive)",
    ),
    Case(
        "import-unknown-column",
        ("import", S, "{url}", "--table", "Contacts", "{files}/unknown.csv"),
        2,
        "table 'Contacts' has no column(s) 'Shoe size' used in {files}/unknown.csv — rename "
        "them or add the columns; nothing was sent",
    ),
    Case(
        "import-unknown-key",
        ("import", S, "{url}", "--table", "Contacts", "--key", "Nope", "{files}/good.csv"),
        2,
        "--key 'Nope' is not a column of table 'Contacts' — pass a column of the table; "
        "nothing was sent",
    ),
    Case(
        "import-bad-value",
        ("import", S, "{url}", "--table", "Contacts", "{files}/value.csv"),
        2,
        "1 row(s) of {files}/value.csv hold values their column cannot hold (above) — fix "
        "them and run again; nothing was sent",
        last_line_only=True,
    ),
    # import: credentials, server, options
    Case(
        "import-no-token",
        ("import", S, "{url}", "--table", "Contacts", "{files}/good.csv"),
        2,
        NO_TOKEN,
        token="none",
    ),
    Case(
        "import-unknown-token",
        ("import", S, "{url}", "--table", "Contacts", "{files}/good.csv"),
        1,
        AUTH,
        token="unknown",
    ),
    Case(
        "import-read-only-token",
        ("import", S, "{url}", "--table", "Contacts", "{files}/good.csv"),
        1,
        "the API-Token is read-only — import needs an API-Token with 'rw' permission; nothing "
        "was sent",
        token="r",
    ),
    Case(
        "import-plain-http",
        ("import", S, "http://example.com", "--table", "Contacts", "{files}/good.csv"),
        2,
        PLAIN_HTTP,
    ),
    Case(
        "import-unreachable",
        ("import", S, "http://127.0.0.1:{port}", "--table", "Contacts", "{files}/good.csv"),
        1,
        UNREACHABLE,
    ),
    Case(
        "import-concurrency-0",
        ("import", S, "{url}", "--table", "Contacts", "--concurrency", "0", "{files}/good.csv"),
        2,
        _usage("--concurrency", "import"),
    ),
    Case(
        "import-batch-size-text",
        ("import", S, "{url}", "--table", "Contacts", "--batch-size", "a", "{files}/good.csv"),
        2,
        _usage("--batch-size", "import"),
    ),
    Case(
        "import-no-table",
        ("import", S, "{url}", "{files}/good.csv"),
        2,
        "missing option '--table' — see 'seatable-async import --help'",
    ),
    # export
    *(
        Case(
            f"export-unknown-table-{ext}",
            ("export", S, "{url}", "--table", "Nope", f"{{out}}/x.{ext}"),
            2,
            "the base has no table 'Nope' — check --table (names are case-sensitive)",
        )
        for ext in ("csv", "jsonl", "parquet")
    ),
    *(
        Case(
            f"export-unknown-view-{ext}",
            ("export", S, "{url}", "--table", "Contacts", "--view", "NoView", f"{{out}}/x.{ext}"),
            2,
            "table 'Contacts' has no view 'NoView' — check --view (names are case-sensitive)",
        )
        for ext in ("csv", "parquet")
    ),
    *(
        Case(
            f"export-unknown-column-{ext}",
            (
                "export",
                S,
                "{url}",
                "--table",
                "Contacts",
                "--columns",
                "Name,Nocol",
                f"{{out}}/x.{ext}",
            ),
            2,
            "table 'Contacts' has no column(s) 'Nocol' — check --columns (names are "
            "case-sensitive)",
        )
        for ext in ("csv", "parquet")
    ),
    Case(
        "export-bad-sql",
        ("export", S, "{url}", "--sql", "SELEC x", "{out}/x.csv"),
        2,
        "--sql is not a query the export can run (sql must be a SELECT statement) — fix --sql",
    ),
    Case(
        "export-sql-unknown-table",
        ("export", S, "{url}", "--sql", "SELECT * FROM Nope", "{out}/x.jsonl"),
        2,
        "the server refused the SQL (no such table: Nope) — fix --sql",
    ),
    Case(
        "export-no-folder",
        ("export", S, "{url}", "--table", "Contacts", "{out}/no/x.csv"),
        2,
        "cannot write {out}/no/x.csv: the folder {out}/no does not exist — create it or choose "
        "another path",
    ),
    Case(
        "export-parent-is-file",
        ("export", S, "{url}", "--table", "Contacts", "{files}/good.csv/x.csv"),
        2,
        "cannot write {files}/good.csv/x.csv: {files}/good.csv is not a folder — choose another "
        "path",
    ),
    Case(
        "export-to-directory",
        ("export", S, "{url}", "--table", "Contacts", "{files}/folder.csv"),
        2,
        "{files}/folder.csv is a directory — give a file name for the export",
    ),
    Case(
        "export-exists",
        ("export", S, "{url}", "--table", "Contacts", "{files}/good.csv"),
        2,
        "{files}/good.csv exists — pass --overwrite to replace it",
    ),
    Case(
        "export-unknown-format",
        ("export", S, "{url}", "--table", "Contacts", "{out}/x.xlsx"),
        2,
        "cannot tell the format of {out}/x.xlsx: pass --format parquet, csv or jsonl",
    ),
    Case(
        "export-neither-table-nor-sql",
        ("export", S, "{url}", "{out}/x.csv"),
        2,
        "pass either --table (optionally with --view) or --sql — see 'seatable-async export "
        "--help'",
    ),
    Case(
        "export-bad-route",
        ("export", S, "{url}", "--table", "Contacts", "--route", "fast", "{out}/x.csv"),
        2,
        "--route 'fast' is not auto, sql, keyset or rows — pass one of them",
    ),
    Case(
        "export-batch-size-0",
        ("export", S, "{url}", "--table", "Contacts", "--batch-size", "0", "{out}/x.csv"),
        2,
        _usage("--batch-size", "export"),
    ),
    Case(
        "export-no-token",
        ("export", S, "{url}", "--table", "Contacts", "{out}/x.csv"),
        2,
        NO_TOKEN,
        token="none",
    ),
    Case(
        "export-unknown-token",
        ("export", S, "{url}", "--table", "Contacts", "{out}/x.csv"),
        1,
        AUTH,
        token="unknown",
    ),
    Case(
        "export-plain-http",
        ("export", S, "http://example.com", "--table", "Contacts", "{out}/x.csv"),
        2,
        PLAIN_HTTP,
    ),
    Case(
        "export-unreachable",
        ("export", S, "http://127.0.0.1:{port}", "--table", "Contacts", "{out}/x.csv"),
        1,
        UNREACHABLE,
    ),
    # demo and emulator
    Case("demo-rows-0", ("demo", "--rows", "0"), 2, _usage("--rows", "demo")),
    Case(
        "demo-bad-version",
        ("demo", "--version", "9.9"),
        2,
        "version must be one of ('3.5', '4.0', '4.4', '5.0', '6.0'), not '9.9' — see "
        "'seatable-async demo --help'",
    ),
    Case(
        "demo-bad-rate",
        ("demo", "--rate-limit", "fast"),
        2,
        "--rate-limit 'fast' is not N/SECONDS, e.g. 500/60 — see 'seatable-async demo --help'",
    ),
    Case(
        "emulator-bad-version",
        ("emulator", "--version", "9.9"),
        2,
        "version must be one of ('3.5', '4.0', '4.4', '5.0', '6.0'), not '9.9' — see "
        "'seatable-async emulator --help'",
    ),
    Case(
        "emulator-port-out-of-range",
        ("emulator", "--port", "70000"),
        2,
        _usage("--port", "emulator"),
    ),
    Case(
        "emulator-port-in-use",
        ("emulator", "--port", "{busy}"),
        2,
        re.compile(r"cannot listen on 127\.0\.0\.1:\d+ \(.+\) — try another --port"),
    ),
    Case(
        "emulator-bad-rate",
        ("emulator", "--rate-limit", "0/1"),
        2,
        "--rate-limit needs N >= 1 and SECONDS > 0 — see 'seatable-async emulator --help'",
    ),
]


@attrs.frozen
class Where:
    url: str
    files: Path
    out: Path
    port: int
    busy: int
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    """A loopback port another socket is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def make_files(folder: Path) -> Path:
    """The input files the cases name."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.csv").write_text("Name\nx\n", encoding="utf-8")
    (folder / "short.csv").write_text("Name,Email\na,b\nc\n", encoding="utf-8")
    (folder / "latin1.csv").write_bytes("Name\ncafé\n".encode("latin-1"))
    (folder / "latin1.jsonl").write_bytes('{"Name": "café"}\n'.encode("latin-1"))
    (folder / "broken.jsonl").write_text('{"Name": "a"}\n{"Name": \n', encoding="utf-8")
    (folder / "bad.parquet").write_bytes(b"this is not parquet")
    (folder / "empty.csv").write_text("", encoding="utf-8")
    (folder / "rows.xlsx").write_text("x", encoding="utf-8")
    (folder / "unknown.csv").write_text("Name,Shoe size\na,42\n", encoding="utf-8")
    (folder / "value.csv").write_text("Name,Age\nfine,3\nbroken,notanumber\n", encoding="utf-8")
    (folder / "folder.csv").mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def where(
    server: Served, tmp_path_factory: pytest.TempPathFactory, closed_port: int, busy_port: int
) -> Where:
    emu, account, url = server
    read_only = emu.add_api_token(account.base, app_name="cli-bad-input-ro", permission="r")
    return Where(
        url=url,
        files=make_files(tmp_path_factory.mktemp("in")),
        out=tmp_path_factory.mktemp("out"),
        port=closed_port,
        busy=busy_port,
        tokens={"rw": account.api_token, "r": read_only, "unknown": "u" * 40, "none": ""},
    )


def run_case(case: Case, where: Where) -> tuple[Any, str | re.Pattern[str]]:
    """Invoke the case's command line; return the result and the line it must print."""
    fields = attrs.asdict(where, recurse=False)
    argv = [part.format(**fields) for part in case.argv]
    line = case.line if isinstance(case.line, re.Pattern) else case.line.format(**fields)
    result = runner.invoke(app, argv, env={"SEATABLE_API_TOKEN": where.tokens[case.token]})
    return result, line


def error_lines(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def matches(printed: str, line: str | re.Pattern[str]) -> bool:
    if isinstance(line, re.Pattern):
        return line.fullmatch(printed.removeprefix("error: ")) is not None
    return printed == f"error: {line}"


# The emulator's serve_forever leaves its socket to the garbage collector when the port is
# taken (seatable_async/emulator, reported to its owner): not what this test checks.
_MARKS = {
    "emulator-port-in-use": [
        pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
    ]
}


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=_MARKS.get(c.id, [])) for c in CASES]
)
def test_bad_input_ends_in_one_line(case: Case, where: Where) -> None:
    result, line = run_case(case, where)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == case.code, result.output
    lines = error_lines(result)
    assert lines, result.output
    if not case.last_line_only:
        assert len(lines) == 1, lines
    assert matches(lines[-1], line), (lines[-1], line)


def test_every_command_has_cases() -> None:
    """The matrix covers every command `seatable-async --help` lists."""
    result = runner.invoke(app, ["--help"])
    listed = {
        c
        for c in ("demo", "import", "export", "ping", "info", "token", "emulator", "sql")
        if re.search(rf"│ {c}\b", result.output)
    }
    covered = {c.argv[0] for c in CASES}
    assert listed <= covered, listed - covered
