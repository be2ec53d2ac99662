"""Input files of ``import``: format, CSV / JSON Lines / Parquet readers, cell coercion, the
pre-check of the file's structure, and the check of every value against the table's columns."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from seatable_async.cells import SYSTEM_FIELDS, RowEncoder, iter_frame_rows
from seatable_async.cells._deps import require
from seatable_async.cli._errors import InputError, fail_now
from seatable_async.errors import CellValueError, ConfigurationError

__all__ = [
    "check_file",
    "coerce",
    "csv_header",
    "csv_rows",
    "file_kind",
    "file_rows",
    "invalid_values",
    "jsonl_rows",
    "parquet_rows",
    "scan",
]

PARQUET_BATCH = 10_000


def file_kind(file: Path, file_format: str | None) -> str:
    """``csv``, ``jsonl`` or ``parquet``: ``--format`` if given, else from the extension."""
    kind = (file_format or file.suffix.lstrip(".")).lower()
    if kind in ("ndjson", "json", "jsonlines"):
        kind = "jsonl"
    if kind == "pq":
        kind = "parquet"
    if kind not in ("csv", "jsonl", "parquet"):
        if file_format is not None:
            fail_now(f"--format {file_format!r} is not csv, jsonl or parquet — pass one of them")
        fail_now(f"cannot tell the format of {file}: pass --format csv, jsonl or parquet")
    return kind


def coerce(value: str, column_type: str | None) -> Any:
    """A CSV cell as SeaTable expects it for the column type (empty cells are left out)."""
    if column_type in ("number", "rate", "duration", "auto-number"):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number
    if column_type == "checkbox":
        return value.strip().lower() in ("1", "true", "yes", "y", "x", "on")
    return value


_NOT_UTF8 = "not UTF-8 text (save it as UTF-8)"


def csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise InputError(f"{path} line 1: malformed CSV header ({exc})") from None
        except UnicodeDecodeError:
            # The decoder reads ahead, so the line is not known: name the file.
            raise InputError(f"{path}: {_NOT_UTF8}") from None
    if not header or not any(h.strip() for h in header):
        raise InputError(f"{path} is empty: expected a header line with column names")
    names = [h.strip() for h in header]
    if any(not n for n in names):
        raise InputError(f"{path} line 1: the header has an empty column name")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"{path} line 1: duplicate column(s) {', '.join(duplicates)}")
    return names


def csv_rows(path: Path, header: list[str], types: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """Stream the rows of a CSV file; raise `InputError` naming a malformed line."""
    for _, row in csv_records(path, header, types):
        yield row


def csv_records(
    path: Path, header: list[str], types: Mapping[str, str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Like `csv_rows`, each row with where it is (``"line 3"``)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            next(reader)
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if len(record) != len(header):
                    raise InputError(
                        f"{path} line {reader.line_num}: {len(record)} fields, the header has "
                        f"{len(header)}"
                    )
                yield (
                    f"line {reader.line_num}",
                    {
                        name: coerce(value, types.get(name))
                        for name, value in zip(header, record, strict=True)
                        if value != ""
                    },
                )
        except csv.Error as exc:
            raise InputError(f"{path} line {reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: {_NOT_UTF8}") from None


def jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Stream the objects of a JSON Lines file; raise `InputError` naming a bad line."""
    for _, row in jsonl_records(path):
        yield row


def jsonl_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Like `jsonl_rows`, each row with where it is (``"line 3"``)."""
    with path.open(encoding="utf-8-sig") as handle:
        number = 0
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path} line {number}: not valid JSON ({exc.msg})") from None
                if not isinstance(value, dict):
                    raise InputError(
                        f"{path} line {number}: a JSON {type(value).__name__}, expected an "
                        "object of column names to values"
                    )
                yield f"line {number}", value
        except UnicodeDecodeError:
            raise InputError(f"{path} line {number + 1}: {_NOT_UTF8}") from None


def parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Stream the rows of a Parquet file, one record batch at a time (empty values left out)."""
    for _, row in parquet_records(path):
        yield row


def parquet_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Like `parquet_rows`, each row with where it is (``"row 3"``)."""
    parquet = _parquet_file(path)
    batches = parquet.iter_batches(batch_size=PARQUET_BATCH)
    for number, row in enumerate(iter_frame_rows(batches, batch_size=PARQUET_BATCH), start=1):
        yield f"row {number}", row


def _parquet_file(path: Path) -> Any:
    try:
        pq = require("pyarrow.parquet")
    except ConfigurationError as exc:
        raise InputError(f"{path}: {exc.message}") from None
    try:
        return pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None


def file_rows(
    file: Path, kind: str, header: list[str], types: Mapping[str, str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The file's rows, each with where it is (a line, or a row of a Parquet file)."""
    if kind == "csv":
        return csv_records(file, header, types)
    if kind == "parquet":
        return parquet_records(file)
    return jsonl_records(file)


def invalid_values(
    rows: Iterator[tuple[str, dict[str, Any]]], encoder: RowEncoder, limit: int = 20
) -> tuple[int, list[str]]:
    """Check every value against its column (as the import will encode it): the number of
    rows with an invalid value, and the first ``limit`` of them, one line each."""
    count, lines = 0, list[str]()
    for where, row in rows:
        try:
            encoder.row(row)
        except CellValueError as exc:
            count += 1
            if len(lines) < limit:
                lines.append(f"{where}: {exc}")
    return count, lines


def scan(rows: Iterator[dict[str, Any]]) -> tuple[int, set[str]]:
    """Validate a whole file before anything is sent: row count and every column used."""
    count = 0
    columns: set[str] = set()
    for row in rows:
        count += 1
        columns.update(row)
    return count, columns


def check_file(file: Path, kind: str) -> tuple[list[str], int, set[str]]:
    """Read the whole file once before anything is sent: header, row count, columns used."""
    if file.is_dir():
        fail_now(
            f"{file} is a directory, not a file — give the path of a CSV, JSON Lines or "
            "Parquet file"
        )
    if not file.is_file():
        fail_now(f"{file}: no such file — check the path")
    header: list[str] = []
    try:
        if kind == "csv":
            header = csv_header(file)
            total, used = scan(csv_rows(file, header, {}))
            used |= set(header)
        elif kind == "parquet":
            parquet = _parquet_file(file)
            header = list(parquet.schema_arrow.names)
            total, used = parquet.metadata.num_rows, set(header)
        else:
            total, used = scan(jsonl_rows(file))
    except InputError as exc:
        fail_now(f"{exc} — fix the file and run again; nothing was sent")
    except OSError as exc:
        fail_now(f"cannot read {file} ({exc.strerror or exc}) — check the path")
    if total == 0:
        fail_now(f"{file} has no rows to import — nothing was sent")
    # System fields of an exported file (_id, _ctime, …) are not columns: they are left out.
    return header, total, used - set(SYSTEM_FIELDS)
