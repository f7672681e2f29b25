"""Timing: per-call latencies, interleaved rounds, 1..N concurrent clients, a progress bar.

Every variant of a workload runs in the same cell, round-robin: round r runs a chunk of calls
of each variant in turn (the order rotates each round), so a burst of noise from the other
processes on the machine lands on all variants alike and the ratios stay honest. Round 0 is
a warm-up (statements get prepared, caches fill) and is discarded. Each round's median is
kept too: a ratio's spread is the interquartile range of its per-round ratios (`spread`).

A variant is a *unit of work* factory: `unit(client)` is a context manager (the variant's
natural transaction: `conn.transaction()`, `db.system()`, `engine.begin()`, ...) that yields
`call(i)`, one operation on input `i`. Only `call` is timed; the unit is amortised over the
chunk, identically for every variant.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

SyncCall = Callable[[int], object]
AsyncCall = Callable[[int], Awaitable[object]]


@dataclass
class SyncVariant:
    name: str
    unit: Callable[[int], AbstractContextManager[SyncCall]]


@dataclass
class AsyncVariant:
    name: str
    unit: Callable[[int], AbstractAsyncContextManager[AsyncCall]]


@dataclass
class Stats:
    """Latency of one call (µs) and throughput of all clients together."""

    median_us: float
    p95_us: float
    mean_us: float
    calls: int
    ops_per_s: float
    round_medians_us: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_us": round(self.median_us, 2),
            "p95_us": round(self.p95_us, 2),
            "mean_us": round(self.mean_us, 2),
            "calls": self.calls,
            "ops_per_s": round(self.ops_per_s, 1),
            "round_medians_us": [round(m, 2) for m in self.round_medians_us],
        }


def summarize(samples_ns: list[int], busy_s: float, round_medians_us: list[float]) -> Stats:
    if not samples_ns:
        return Stats(float("nan"), float("nan"), float("nan"), 0, 0.0)
    ordered = sorted(samples_ns)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return Stats(
        median_us=statistics.median(ordered) / 1000,
        p95_us=p95 / 1000,
        mean_us=statistics.fmean(ordered) / 1000,
        calls=len(ordered),
        ops_per_s=len(ordered) / busy_s if busy_s > 0 else 0.0,
        round_medians_us=round_medians_us,
    )


def spread(values: list[float]) -> tuple[float, float]:
    """The interquartile range (first and third quartile) of per-round values; NaN when
    there are fewer than two rounds."""
    clean = [v for v in values if v == v]
    if len(clean) < 2:
        return float("nan"), float("nan")
    q1, _, q3 = statistics.quantiles(clean, n=4, method="inclusive")
    return q1, q3


def round_ratios(a: list[float], b: list[float]) -> list[float]:
    """Per-round ratios a/b of two variants measured in the same rounds."""
    return [x / y for x, y in zip(a, b, strict=False) if y]


@dataclass
class _Acc:
    samples: list[int] = field(default_factory=list)
    busy_s: float = 0.0
    round_medians_us: list[float] = field(default_factory=list)

    def add_round(self, per_client: list[list[int]], wall_s: float) -> None:
        merged = [s for out in per_client for s in out]
        self.samples.extend(merged)
        self.busy_s += wall_s
        if merged:
            self.round_medians_us.append(statistics.median(merged) / 1000)

    def stats(self) -> Stats:
        return summarize(self.samples, self.busy_s, self.round_medians_us)


def _sync_client(variant: SyncVariant, client: int, start: int, calls: int, out: list[int]) -> None:
    clock = time.perf_counter_ns
    with variant.unit(client) as call:
        for i in range(start, start + calls):
            t0 = clock()
            call(i)
            out.append(clock() - t0)


def run_sync(
    variants: list[SyncVariant], *, clients: int, rounds: int, calls: int, progress: Progress
) -> dict[str, Stats]:
    """`rounds` interleaved rounds (+1 warm-up) of `calls` calls per client per variant."""
    acc = {v.name: _Acc() for v in variants}
    for r in range(rounds + 1):
        shift = r % len(variants)
        for v in variants[shift:] + variants[:shift]:
            base = r * calls * clients
            if clients == 1:
                out: list[int] = []
                t0 = time.perf_counter()
                _sync_client(v, 0, base, calls, out)
                wall = time.perf_counter() - t0
                per_client = [out]
            else:
                per_client = [[] for _ in range(clients)]
                errors: list[BaseException] = []
                barrier = threading.Barrier(clients + 1)

                def work(
                    k: int,
                    v: SyncVariant = v,
                    base: int = base,
                    barrier: threading.Barrier = barrier,
                    per_client: list[list[int]] = per_client,
                    errors: list[BaseException] = errors,
                ) -> None:
                    try:
                        barrier.wait()
                        _sync_client(v, k, base + k * calls, calls, per_client[k])
                    except BaseException as exc:
                        errors.append(exc)

                threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
                for t in threads:
                    t.start()
                barrier.wait()
                t0 = time.perf_counter()
                for t in threads:
                    t.join()
                wall = time.perf_counter() - t0
                if errors:
                    raise errors[0]
            if r > 0:
                acc[v.name].add_round(per_client, wall)
        progress.tick()
    return {name: a.stats() for name, a in acc.items()}


async def _async_client(
    variant: AsyncVariant, client: int, start: int, calls: int, out: list[int]
) -> None:
    clock = time.perf_counter_ns
    async with variant.unit(client) as call:
        for i in range(start, start + calls):
            t0 = clock()
            await call(i)
            out.append(clock() - t0)


async def run_async(
    variants: list[AsyncVariant], *, clients: int, rounds: int, calls: int, progress: Progress
) -> dict[str, Stats]:
    """The asyncio twin of `run_sync`: `clients` tasks on one event loop."""
    acc = {v.name: _Acc() for v in variants}
    for r in range(rounds + 1):
        shift = r % len(variants)
        for v in variants[shift:] + variants[:shift]:
            base = r * calls * clients
            per_client: list[list[int]] = [[] for _ in range(clients)]
            t0 = time.perf_counter()
            await asyncio.gather(
                *(
                    _async_client(v, k, base + k * calls, calls, per_client[k])
                    for k in range(clients)
                )
            )
            wall = time.perf_counter() - t0
            if r > 0:
                acc[v.name].add_round(per_client, wall)
        progress.tick()
    return {name: a.stats() for name, a in acc.items()}


def time_once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call of `fn` took, and what it returned."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


class Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total: int, *, enabled: bool = True) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.label = ""
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.started = time.perf_counter()

    def stage(self, label: str, steps: int = 0) -> None:
        """Start a stage; `steps` extra ticks it will take (grows the total if needed)."""
        self.label = label
        if self.done + steps > self.total:
            self.total = self.done + steps
        if not self.tty and self.enabled:
            elapsed = time.perf_counter() - self.started
            print(f"[{elapsed:6.1f}s] {label}", file=sys.stderr, flush=True)
        self._draw()

    def tick(self, n: int = 1) -> None:
        self.done = min(self.done + n, self.total)
        self._draw()

    def _draw(self) -> None:
        if not (self.enabled and self.tty):
            return
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.perf_counter() - self.started
        bar = "#" * filled + "-" * (width - filled)
        line = f"\r[{bar}] {100 * self.done / self.total:3.0f}% {elapsed:6.1f}s {self.label}"
        sys.stderr.write(line[:120].ljust(120))
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


@dataclass
class Cell:
    """Results of one workload at one concurrency: one Stats per variant, plus baselines."""

    workload: str
    mode: str  # "sync" | "async"
    clients: int
    stats: dict[str, Stats]
    skipped: dict[str, str] = field(default_factory=dict)
