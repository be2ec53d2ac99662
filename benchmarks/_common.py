"""Shared helpers for the benchmark scenarios (not a test; not part of the package).

The emulator always runs in a separate process (``python -m seatable_async.emulator``) on
loopback, driven through its ``/_emulator/...`` control endpoints, except in the per-request
overhead scenario, which measures the client against an in-process transport on purpose.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import httpx

COLUMNS: dict[str, str] = {
    "Name": "text",
    "Email": "text",
    "Age": "number",
    "City": "text",
    "Score": "number",
}
"""The 5-column table every import scenario writes to."""


def make_row(i: int) -> dict[str, Any]:
    """Row ``i`` of the generated data set (5 columns)."""
    return {
        "Name": f"Contact {i}",
        "Email": f"contact{i}@example.com",
        "Age": i % 90,
        "City": ("Berlin", "Paris", "Rome", "Madrid")[i % 4],
        "Score": i * 0.5,
    }


def make_rows(n: int) -> list[dict[str, Any]]:
    return [make_row(i) for i in range(n)]


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


class EmulatorProcess:
    """``python -m seatable_async.emulator`` in a subprocess, with its control endpoints.

    Use as a context manager; ``url`` is the loopback base URL.
    """

    def __init__(
        self,
        *,
        version: str = "6.0",
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        token_ttl: float | None = None,
    ) -> None:
        self.args = [
            sys.executable,
            "-m",
            "seatable_async.emulator",
            "--port",
            "0",
            "--version",
            version,
            "--latency",
            str(latency),
        ]
        if rate_limit is not None:
            self.args += ["--rate-limit", f"{rate_limit[0]}/{rate_limit[1]}"]
        if token_ttl is not None:
            self.args += ["--token-ttl", str(token_ttl)]
        self.version = version
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._control: httpx.Client | None = None

    def __enter__(self) -> EmulatorProcess:
        proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        self._proc = proc
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("URL "):
            proc.kill()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.url = line.split()[1]
        # Keep draining stdout so the child can never block on a full pipe.
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        self._control = httpx.Client(base_url=self.url, timeout=30, trust_env=False)
        deadline = time.monotonic() + 30
        while True:
            try:
                self._control.get("/api2/ping/").raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._control is not None:
            self._control.close()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    @property
    def control(self) -> httpx.Client:
        assert self._control is not None, "use the EmulatorProcess as a context manager"
        return self._control

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the emulator process has used so far (Linux ``/proc``)."""
        assert self._proc is not None
        try:
            with open(f"/proc/{self._proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def create_base(self, name: str, tables: dict[str, dict[str, str]] | None = None) -> Any:
        """Create a base; returns ``{"uuid", "workspace_id", "api_token"}``."""
        r = self.control.post(
            "/_emulator/bases", json={"name": name, "tables": tables or {"T": COLUMNS}}
        )
        r.raise_for_status()
        return r.json()

    def stats(self) -> Any:
        r = self.control.get("/_emulator/stats")
        r.raise_for_status()
        return r.json()

    def reset_stats(self) -> None:
        self.control.delete("/_emulator/stats").raise_for_status()

    def configure(self, **settings: Any) -> None:
        self.control.post("/_emulator/config", json=settings).raise_for_status()

    def row_count(self, uuid: str, table: str = "T") -> int:
        r = self.control.get(f"/_emulator/rows/{uuid}/{table}")
        r.raise_for_status()
        return len(r.json()["rows"])


def _drain(stream: Any) -> None:
    for _ in stream:
        pass


def token_requests(stats: Any) -> int:
    """Successful Base-Token mints in an emulator stats snapshot (all flows)."""
    return int(sum(stats.get("token_requests", {}).values()))


def chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def fmt_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table for the console."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if n == 0 or i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def quiet_official_client() -> None:
    """``seatable_api`` configures the root logger at import (INFO to stdout); mute it."""
    import logging

    import seatable_api  # noqa: F401  (the import is what installs the handler)

    logging.getLogger().setLevel(logging.WARNING)
