"""A frame import streams: a generator-backed Arrow reader is read as batches are sent, so the
rows held at any time stay bounded however many pass through (flat memory).

The server is a minimal gateway on ``httpx.MockTransport`` (Base-Token, metadata, appends
answering fresh row ids, as the 6.x ``test_appendRows`` snapshot shapes them): the emulator
would keep every row, which is not what is measured here.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import seatable_async as sa

pytestmark = pytest.mark.anyio

UUID = "1b7f3c1a-6a2e-4b3d-9f5e-0c2d4e6f8a10"
COLUMNS = [
    {"key": "0000", "name": "Name", "type": "text"},
    {"key": "k001", "name": "Score", "type": "number"},
    {"key": "k002", "name": "Seen", "type": "date", "data": {"format": "YYYY-MM-DD HH:mm"}},
]
BATCH_ROWS = 2_000
BATCHES = 30


class Gateway:
    """Counts what it was sent, and how far the source had been read at each append."""

    def __init__(self) -> None:
        self.appended = 0
        self.produced = 0
        self.largest_lag = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/app-access-token/"):
            claims = {"exp": int(time.time()) + 3600, "dtable_uuid": UUID, "permission": "rw"}
            token = jwt.encode(claims, "k" * 32, algorithm="HS256")
            return httpx.Response(200, json={
                "app_name": "t", "access_token": token, "dtable_uuid": UUID,
                "dtable_server": "http://127.0.0.1/api-gateway/", "use_api_gateway": True,
            })  # fmt: skip
        if path.endswith("/metadata/"):
            table = {"_id": "0000", "name": "T", "columns": COLUMNS, "views": []}
            return httpx.Response(200, json={"metadata": {"tables": [table]}})
        if path.endswith("/rows/") and request.method == "POST":
            rows = json.loads(request.content)["rows"]
            assert all(isinstance(r["Score"], float) and len(r["Seen"]) == 16 for r in rows)
            # Rows read from the source but not yet appended: what the import holds.
            self.largest_lag = max(self.largest_lag, self.produced - self.appended)
            self.appended += len(rows)
            ids = [base64.urlsafe_b64encode(i.to_bytes(16, "big")).decode()[:22] for i in range(
                self.appended - len(rows), self.appended)]  # fmt: skip
            return httpx.Response(200, json={"inserted_row_count": len(rows),
                                             "row_ids": [{"_id": i} for i in ids]})  # fmt: skip
        return httpx.Response(404, json={"error_message": f"unexpected {path}"})


def batches(gateway: Gateway) -> Iterator[pa.RecordBatch]:
    """Record batches made on demand: nothing exists before it is read."""
    for n in range(BATCHES):
        start = n * BATCH_ROWS
        gateway.produced += BATCH_ROWS
        yield pa.record_batch({
            "Name": [f"row {i}" for i in range(start, start + BATCH_ROWS)],
            "Score": [i * 0.5 for i in range(start, start + BATCH_ROWS)],
            "Seen": pa.array([1_900_000_020_000_000 + i * 60_000_000
                              for i in range(start, start + BATCH_ROWS)], pa.timestamp("us")),
        })  # fmt: skip


SCHEMA = pa.schema([("Name", pa.string()), ("Score", pa.float64()), ("Seen", pa.timestamp("us"))])


@pytest.mark.parametrize("form", ["reader", "batch-iterable"])
async def test_a_generator_backed_reader_streams_with_bounded_rows_in_memory(form: str) -> None:
    gateway = Gateway()
    source: Any = batches(gateway)
    if form == "reader":
        source = pa.RecordBatchReader.from_batches(SCHEMA, source)
    async with sa.Client("http://127.0.0.1", transport=httpx.MockTransport(gateway.handler)) as c:
        report = await c.base("a" * 40).import_rows("T", source, concurrency=4)
    total = BATCH_ROWS * BATCHES
    assert report.ok and report.inserted_count == total == gateway.appended
    # Workers (4) + the stream's buffer (4) + the batch being filled, in 1,000-row batches,
    # plus the reader's current record batch: about 11,000 rows, whatever the total.
    assert gateway.largest_lag <= 12 * 1000 + BATCH_ROWS < total / 4


async def test_a_parquet_file_streams_too(tmp_path: Any) -> None:
    gateway = Gateway()
    path = tmp_path / "rows.parquet"
    with pq.ParquetWriter(path, SCHEMA) as writer:
        for batch in batches(Gateway()):
            writer.write_batch(batch)
    parquet = pq.ParquetFile(path)
    async with sa.Client("http://127.0.0.1", transport=httpx.MockTransport(gateway.handler)) as c:
        report = await c.base("a" * 40).import_rows("T", parquet.iter_batches(batch_size=5000))
    assert report.ok and report.inserted_count == BATCH_ROWS * BATCHES
