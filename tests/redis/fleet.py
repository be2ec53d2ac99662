"""Helpers for fleet tests and the fleet benchmark: an out-of-process emulator and workers.

Workers report events on their standard output (``READY``, ``RUNNING``, ``HOLDING``, then a
JSON summary, see ``fleet_worker``); `Worker.expect` waits for one with a deadline, so tests
synchronise on what the workers did, never on how long it should have taken.
"""

from __future__ import annotations

import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def emulator(*args: str) -> Iterator[str]:
    """Run ``python -m seatable_async.emulator --port 0`` and yield its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "seatable_async.emulator", "--port", "0", "--version", "6.0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("URL "), line
        yield line.split(" ", 1)[1]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def control(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
        r = http.post(path, json=body) if body is not None else http.get(path)
        r.raise_for_status()
        return r.json()


def create_base(url: str) -> tuple[str, str]:
    """Create a base with table ``T`` (k: text, n: number); return (API-Token, base uuid)."""
    data = control(
        url,
        "/_emulator/bases",
        {
            "name": f"fleet-{uuid.uuid4().hex[:8]}",
            "tables": {"T": {"k": "text", "n": "number"}},
        },
    )
    return str(data["api_token"]), str(data["uuid"])


def new_base(url: str) -> str:
    """Create a base with table ``T``; return its API-Token."""
    return create_base(url)[0]


class Worker:
    """A running ``fleet_worker`` process and the lines it printed."""

    def __init__(self, proc: subprocess.Popen[str]):
        self.proc = proc
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._seen: list[str] = []
        self._err: list[str] = []
        self._threads = [
            threading.Thread(target=self._read_out, daemon=True),
            threading.Thread(target=self._read_err, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._err.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self._err)

    def expect(self, word: str, timeout: float = 60.0) -> None:
        """Wait until the worker printed ``word`` (fails if it exits or the deadline passes)."""
        if word in self._seen:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"worker never said {word}: {self.stderr[-2000:]}") from None
            if line is None:
                raise AssertionError(f"worker exited before {word}: {self.stderr[-3000:]}")
            self._seen.append(line)
            if line == word:
                return

    def go(self, start_at: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"GO {start_at!r}\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float) -> tuple[dict[str, Any], str]:
        """Wait for the exit; return the summary and what went to standard error."""
        self.proc.wait(timeout)
        self._close()
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is not None:
                self._seen.append(line)
        assert self.proc.returncode == 0, self.stderr[-3000:]
        return json.loads(self._seen[-1]), self.stderr

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()

    def _close(self) -> None:
        for t in self._threads:
            t.join(10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                with suppress(OSError):
                    stream.close()


def start_worker(config: dict[str, Any], workdir: str) -> Worker:
    path = os.path.join(workdir, f"worker-{config['worker']}-{uuid.uuid4().hex[:6]}.json")
    with open(path, "w") as fh:
        json.dump(config, fh)
    return Worker(
        subprocess.Popen(
            [sys.executable, "-m", "tests.redis.fleet_worker", path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
    )


def launch(
    url: str, tokens: list[str], workdir: str, *, workers: int, first: int = 0, **config: Any
) -> list[Worker]:
    """Start ``workers`` processes; each waits for `go` once it said READY."""
    defaults: dict[str, Any] = {
        "namespace": "fleet",
        "rows": 200,
        "batch": 50,
        "concurrency": 4,
        "lock_expiry": 5.0,
        "redis": None,
    }
    return [
        start_worker(
            {**defaults, **config, "url": url, "tokens": tokens, "worker": first + i}, workdir
        )
        for i in range(workers)
    ]


def go(workers: list[Worker], *, window: float = 1.0) -> float:
    """Once every worker is READY, start them all at the next emulator window boundary."""
    for w in workers:
        w.expect("READY")
    # Windows are aligned to the Unix clock; starting on a boundary measures the rate fairly.
    start_at = float(math.ceil((time.time() + 0.2) / window) * window)
    for w in workers:
        w.go(start_at)
    return start_at


def collect(
    url: str, workers: list[Worker], start_at: float, timeout: float = 120.0
) -> dict[str, Any]:
    """Wait for every worker; return their summaries plus the emulator's stats."""
    try:
        results = [w.finish(timeout) for w in workers]
    finally:
        for w in workers:
            w.kill()
    summaries = [r for r, _ in results]
    return {
        "summaries": summaries,
        "stderr": [e for _, e in results],
        "start_at": start_at,
        "stats": control(url, "/_emulator/stats"),
        "elapsed": max(s["finished"] for s in summaries) - start_at,
        "inserted": sum(s["inserted"] for s in summaries),
        "failed": sum(s["failed"] for s in summaries),
    }


def run_fleet(
    url: str, tokens: list[str], *, workers: int, timeout: float = 120.0, **config: Any
) -> dict[str, Any]:
    """Run ``workers`` processes at once; return their summaries plus emulator stats."""
    httpx.delete(url + "/_emulator/stats", timeout=10, trust_env=False).raise_for_status()
    with tempfile.TemporaryDirectory() as workdir:
        procs = launch(url, tokens, workdir, workers=workers, **config)
        try:
            start_at = go(procs)
        except BaseException:
            for w in procs:
                w.kill()
            raise
        return collect(url, procs, start_at, timeout)


def warnings_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("WARNING")]
