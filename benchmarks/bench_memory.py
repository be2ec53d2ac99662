"""Peak memory of a bulk import: 10,000 vs 1,000,000 generated rows (not a test).

Each size runs in a fresh subprocess so the peaks do not mix. The server is a minimal fake
gateway on ``httpx.MockTransport`` (Base-Token JWT, append answers with fresh row ids): the
in-process emulator would keep every stored row in the same process (its SQLite state grows with
the import) and needs over a minute for 1,000,000 rows, which would measure the server, not the
importer. What is measured is the client: producer, bounded stream, workers, pipeline, report
(including the row ids, kept at 16 bytes + 1 status byte per row).

    python benchmarks/bench_memory.py            # both sizes, prints the difference
    python benchmarks/bench_memory.py --child N  # one run (used by the parent)
"""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

TARGET_MB = 100.0


def _child(rows: int) -> None:
    import anyio
    import httpx
    import jwt

    from seatable_async import Client

    uuid = "1b7f3c1a-6a2e-4b3d-9f5e-0c2d4e6f8a10"

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/app-access-token/"):
            token = jwt.encode(
                {"exp": int(time.time()) + 3 * 86400, "dtable_uuid": uuid, "permission": "rw"},
                "k" * 32,
                algorithm="HS256",
            )
            return httpx.Response(
                200,
                json={
                    "app_name": "bench",
                    "access_token": token,
                    "dtable_uuid": uuid,
                    "dtable_server": "http://127.0.0.1/api-gateway/",
                    "use_api_gateway": True,
                    "dtable_name": "Bench",
                    "workspace_id": 1,
                },
            )
        if path.endswith("/metadata/"):  # import_rows encodes rows by the columns' types
            columns = [
                {"key": f"k{i}", "name": name, "type": kind}
                for i, (name, kind) in enumerate(
                    [("Name", "text"), ("Email", "text"), ("Age", "number"), ("City", "text"),
                     ("Score", "number")]
                )
            ]  # fmt: skip
            table = {"_id": "0000", "name": "Contacts", "columns": columns, "views": []}
            return httpx.Response(200, json={"metadata": {"tables": [table]}})
        if path.endswith("/rows/") and request.method == "POST":
            count = len(json.loads(request.content)["rows"])
            ids = [
                {"_id": base64.urlsafe_b64encode(os.urandom(16)).decode()[:22]}
                for _ in range(count)
            ]
            return httpx.Response(200, json={"inserted_row_count": count, "row_ids": ids})
        return httpx.Response(404, json={"error_message": f"unexpected {path}"})

    def generate() -> Any:
        for i in range(rows):
            yield {
                "Name": f"Contact {i}",
                "Email": f"contact{i}@example.com",
                "Age": i % 90,
                "City": "Berlin",
                "Score": i * 0.5,
            }

    async def main() -> None:
        async with Client("http://127.0.0.1", transport=httpx.MockTransport(handler)) as client:
            base = client.base("a" * 40)
            started = time.perf_counter()
            report = await base.import_rows("Contacts", generate(), concurrency=16)
            elapsed = time.perf_counter() - started
        assert report.ok
        assert report.inserted_count == rows
        assert report.row_ids[rows - 1] is not None
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            json.dumps({"rows": rows, "peak_mb": round(peak_mb, 1), "seconds": round(elapsed, 1)})
        )

    anyio.run(main)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]))
        return
    results = {}
    for rows in (10_000, 1_000_000):
        out = (
            subprocess.run(
                [sys.executable, __file__, "--child", str(rows)],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        results[rows] = json.loads(out)
        print(
            f"{rows:>9,} rows: peak RSS {results[rows]['peak_mb']:7.1f} MB "
            f"({results[rows]['seconds']} s)"
        )
    diff = results[1_000_000]["peak_mb"] - results[10_000]["peak_mb"]
    verdict = "OK" if diff <= TARGET_MB else "OVER TARGET"
    print(f"difference: {diff:.1f} MB (target: within {TARGET_MB:.0f} MB) {verdict}")


if __name__ == "__main__":
    main()
