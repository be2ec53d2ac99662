"""Background senders for webhook deliveries, laid out as ``dtable-events`` does it
(``dtable_events/webhook/webhook.py``, reference §8b): one thread turns the published
changes, in order, into requests (``add_jobs``), and two threads post them with blocking
HTTP clients (``trigger_jobs``, ``requests.post``). Nothing runs on the emulator's request
path or event loop; requests leave in the order of the changes, two at a time.

Threads start when work arrives and end after ``idle`` seconds without any, so an emulator
that is dropped leaves nothing running for long.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable

import httpx

__all__ = ["Expand", "Post", "Sender"]

log = logging.getLogger("seatable_async.emulator")

Post = Callable[[httpx.Client], None]
"""One request to send, given the posting thread's HTTP client."""
Expand = Callable[[], Iterable[Post]]
"""One published change, turned into its requests (in order, on the ordering thread)."""


class _Lane:
    """A queue worked off by up to ``threads`` daemon threads that end when idle."""

    def __init__(self, name: str, threads: int, idle: float) -> None:
        self.name = name
        self.threads = threads
        self.idle = idle
        self.queue: queue.Queue[Post] = queue.Queue()
        self._lock = threading.Lock()
        self._live = 0

    def put(self, work: Post) -> None:
        self.queue.put(work)
        with self._lock:
            while self._live < self.threads:
                self._live += 1
                threading.Thread(target=self._run, name=self.name, daemon=True).start()

    def join(self, deadline: float) -> bool:
        done = self.queue.all_tasks_done
        with done:
            while self.queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                done.wait(left)
        return True

    def _run(self) -> None:
        # A client per thread (it connects only when used), closed when the thread ends.
        with httpx.Client(follow_redirects=False, trust_env=False) as client:
            while True:
                try:
                    work = self.queue.get(timeout=self.idle)
                except queue.Empty:
                    with self._lock:
                        if self.queue.empty():
                            self._live -= 1
                            return
                    continue
                try:
                    work(client)
                except Exception:
                    log.exception("emulator webhook job failed")
                finally:
                    self.queue.task_done()


class Sender:
    """Changes in, requests out: `put` is cheap and keeps the order of the changes."""

    def __init__(self, threads: int = 2, idle: float = 2.0) -> None:
        self._order = _Lane("emulator-webhook-jobs", 1, idle)
        self._posts = _Lane("emulator-webhook-post", threads, idle)

    @property
    def threads(self) -> int:
        return self._posts.threads

    @threads.setter
    def threads(self, value: int) -> None:
        self._posts.threads = value

    def put(self, expand: Expand) -> None:
        """Queue one change (called from writers, under the emulator's state lock)."""
        self._order.put(lambda _client: self._expand(expand))

    def join(self, timeout: float) -> bool:
        """Wait until every change so far has been sent (or failed); False on timeout."""
        deadline = time.monotonic() + timeout
        return self._order.join(deadline) and self._posts.join(deadline)

    def _expand(self, expand: Expand) -> None:
        for post in expand():
            self._posts.put(post)
