"""Small measuring tools shared by the benchmarks: clocks, percentiles, memory, the loop probe."""

from __future__ import annotations

import asyncio
import gc
import math
import os
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic import synthetic_knowledge
from bot.config import default_knowledge_dir
from bot.knowledge.loader import KnowledgeBase, load_knowledge

MB = 1024 * 1024


def load_kb(name: str) -> KnowledgeBase:
    """``real`` (the shipped knowledge directory) or a synthetic size such as ``10000``."""
    if name == "real":
        return load_knowledge(default_knowledge_dir())
    return synthetic_knowledge(int(name))


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (``share`` in 0..1)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(nanoseconds: Sequence[int]) -> dict[str, float]:
    """p50, p99, mean and max in milliseconds."""
    values = sorted(ns / 1e6 for ns in nanoseconds)
    return {
        "p50_ms": percentile(values, 0.50),
        "p99_ms": percentile(values, 0.99),
        "mean_ms": sum(values) / len(values) if values else math.nan,
        "max_ms": values[-1] if values else math.nan,
    }


def timed_ns(function: Callable[[], object]) -> int:
    started = time.perf_counter_ns()
    function()
    return time.perf_counter_ns() - started


def current_rss_mb() -> float:
    """Resident memory of this process now (Linux ``/proc/self/statm``)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return math.nan
    return pages * os.sysconf("SC_PAGE_SIZE") / MB


def peak_rss_mb() -> float:
    """The most resident memory this process has used (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class LoopStalls:
    """What the loop-lag probe and the callback timer saw."""

    probe_worst_ms: float = 0.0
    """Worst overshoot of a 1 ms sleep: how late a waiting coroutine could be woken."""
    probe_samples: int = 0
    callback_worst_ms: float = 0.0
    """Longest single callback (task step): the event loop did nothing else meanwhile."""
    callback_worst: str = ""
    callbacks_over_20ms: int = 0
    gc_worst_ms: float = 0.0
    """Longest garbage collection meanwhile (it runs inside whatever callback allocates)."""


async def probe_loop_lag(stalls: LoopStalls, stop: asyncio.Event, period: float = 0.001) -> None:
    """Sleep ``period`` again and again, recording the worst overshoot, until ``stop``."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started = loop.time()
        await asyncio.sleep(period)
        late = (loop.time() - started - period) * 1000.0
        stalls.probe_samples += 1
        stalls.probe_worst_ms = max(stalls.probe_worst_ms, late)


@contextmanager
def timing_callbacks(stalls: LoopStalls) -> Iterator[None]:
    """Time every callback the event loop runs, as asyncio's debug mode does, but without
    debug mode's other costs; record the longest and name it."""
    handle_class = asyncio.events.Handle
    original = handle_class._run
    collecting: list[float] = []

    def timed_run(handle: asyncio.Handle) -> None:
        started = time.perf_counter()
        original(handle)
        took = (time.perf_counter() - started) * 1000.0
        if took > 20.0:
            stalls.callbacks_over_20ms += 1
        if took > stalls.callback_worst_ms:
            stalls.callback_worst_ms = took
            stalls.callback_worst = _describe(handle)

    def timed_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting.append(time.perf_counter())
        elif collecting:
            took = (time.perf_counter() - collecting.pop()) * 1000.0
            stalls.gc_worst_ms = max(stalls.gc_worst_ms, took)

    setattr(handle_class, "_run", timed_run)  # noqa: B010 - mypy rejects assigning a method
    gc.callbacks.append(timed_collection)
    try:
        yield
    finally:
        gc.callbacks.remove(timed_collection)
        setattr(handle_class, "_run", original)  # noqa: B010


def _describe(handle: asyncio.Handle) -> str:
    """Which task a callback ran (its name and coroutine), else the handle itself."""
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    if isinstance(task, asyncio.Task):
        return f"task {task.get_name()}: {task.get_coro()!r}"[:200]
    return repr(handle)[:200]
