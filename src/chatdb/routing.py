"""Where a transaction goes: the primary or one of the read replicas."""

from __future__ import annotations

import threading
import time

from chatdb.transactions import TxOptions


class Router:
    """Sends read-only transactions to replicas, and a user's reads to the primary right
    after that user wrote (read-your-writes), and skips a replica that just failed."""

    def __init__(self, replica_count: int, read_your_writes_s: float, cooldown_s: float = 5.0):
        self.replica_count = replica_count
        self.read_your_writes_s = read_your_writes_s
        self.cooldown_s = cooldown_s
        self._next = 0
        self._recent_writers: dict[str, float] = {}
        self._down_until: dict[int, float] = {}
        self._lock = threading.Lock()

    def replica_for(self, opts: TxOptions) -> int | None:
        """Index of the replica to use, or None for the primary."""
        if not opts.read_only or self.replica_count == 0:
            return None
        now = time.monotonic()
        with self._lock:
            if opts.user_id is not None:
                wrote_at = self._recent_writers.get(opts.user_id)
                if wrote_at is not None and now - wrote_at < self.read_your_writes_s:
                    return None
            for _ in range(self.replica_count):
                index = self._next % self.replica_count
                self._next += 1
                if self._down_until.get(index, 0.0) <= now:
                    return index
        return None

    def wrote(self, opts: TxOptions) -> None:
        if opts.read_only or opts.user_id is None or self.read_your_writes_s <= 0:
            return
        now = time.monotonic()
        with self._lock:
            self._recent_writers[opts.user_id] = now
            if len(self._recent_writers) > 100_000:  # bound memory: forget expired entries
                horizon = now - self.read_your_writes_s
                self._recent_writers = {
                    k: v for k, v in self._recent_writers.items() if v >= horizon
                }

    def replica_failed(self, index: int) -> None:
        with self._lock:
            self._down_until[index] = time.monotonic() + self.cooldown_s
