"""What ``/kb stats`` and ``python -m bot stats --chart`` cost on a large query log:
``python -m bench.stats_bench [--rows N] [--days N] [--repeat N]``.

- **Reading**: ``read_stats`` and ``read_daily`` for the last 30 and 90 days and all time,
  on a log of ``--rows`` questions spread evenly over ``--days`` days (1,000,000 over 400
  by default: 2,500 a day), against grouping the same rows by ``substr(asked_at, 1, 10)``,
  the obvious query ``read_daily`` replaces. Each is the median of ``--repeat`` runs.
- **Drawing**: importing matplotlib and drawing the first chart in a fresh interpreter
  (what the first ``/kb stats`` after a start pays, in its worker thread), then a chart of
  90 and of 400 days in a warm one.

Prints one JSON object; nothing here is asserted (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.querylog import QueryLog, read_stats
from bot.querylog.chart import stats_chart
from bot.querylog.stats import DayCounts, Stats, read_daily

GROUPED_BY_DAY = """SELECT substr(asked_at, 1, 10) AS day, outcome, COUNT(*) FROM queries
    WHERE asked_at >= ? GROUP BY day, outcome"""

COLD_CHART = """
import time
started = time.perf_counter()
from datetime import date, timedelta
from bot.querylog.chart import stats_chart
from bot.querylog.stats import DayCounts, Stats
daily = [DayCounts(date(2025, 1, 1) + timedelta(days=n), answered=n % 40 + 1) for n in range(91)]
stats = Stats(sum(d.questions for d in daily), sum(d.answered for d in daily), 0, 0, 3, 1, [], [], [])
stats_chart(daily, stats, window_days=90)
print(time.perf_counter() - started)
"""


def _fill(db: Path, rows: int, days: int, now: datetime) -> None:
    """Questions at random times over the last ``days`` days, 70/10/20 by outcome, written
    straight into a migrated log (the writer's queue would only make this slower)."""
    connection = sqlite3.connect(db)
    rng = random.Random(7)
    batch = []
    for n in range(rows):
        asked_at = now - timedelta(seconds=rng.random() * days * 86_400)
        outcome = rng.choices(("answered", "ambiguous", "unknown"), (7, 1, 2))[0]
        batch.append((f"{n:016x}", asked_at.isoformat(timespec="milliseconds"), outcome))
    connection.executemany(
        "INSERT INTO queries (id, asked_at, adapter, question, outcome, latency_ms, kb_version)"
        " VALUES (?, ?, 'bench', 'q', ?, 1.0, 'v')",
        batch,
    )
    connection.commit()
    connection.close()


async def _median_ms(run: Callable[[], Awaitable[Any]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


async def _reading(rows: int, days: int, repeat: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as directory:
        db = Path(directory) / "queries.sqlite3"
        await (await QueryLog.open(db)).close()  # creates and migrates the file
        _fill(db, rows, days, now)
        figures: dict[str, Any] = {"rows": rows, "days_logged": days}
        async with aiosqlite.connect(db) as connection:
            for window in (30, 90, None):
                since = now - timedelta(days=window) if window else None
                since_text = since.isoformat(timespec="milliseconds") if since else ""

                async def grouped(since_text: str = since_text) -> None:
                    async with connection.execute(GROUPED_BY_DAY, (since_text,)) as cursor:
                        await cursor.fetchall()

                def stats(since: datetime | None = since) -> Awaitable[Stats]:
                    return read_stats(connection, since=since, top=5)

                def daily(since: datetime | None = since) -> Awaitable[list[DayCounts]]:
                    return read_daily(connection, since=since, until=now)

                key = f"last_{window}_days" if window else "all_time"
                figures[key] = {
                    "read_stats_ms": await _median_ms(stats, repeat),
                    "read_daily_ms": await _median_ms(daily, repeat),
                    "group_by_substr_ms": await _median_ms(grouped, repeat),
                }
            daily_90 = await read_daily(connection, since=now - timedelta(days=90), until=now)
            daily_all = await read_daily(connection, until=now)
            totals = await read_stats(connection)

    def draw_90() -> Awaitable[bytes]:
        return asyncio.to_thread(stats_chart, daily_90, totals, window_days=90)

    def draw_all() -> Awaitable[bytes]:
        return asyncio.to_thread(stats_chart, daily_all, totals, window_days=None)

    figures["chart"] = {
        "warm_90_days_ms": await _median_ms(draw_90, repeat),
        f"warm_{len(daily_all)}_days_ms": await _median_ms(draw_all, repeat),
    }
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stats_bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    figures = asyncio.run(_reading(args.rows, args.days, args.repeat))
    cold = subprocess.run(
        [sys.executable, "-c", COLD_CHART], capture_output=True, text=True, check=True
    )
    figures["chart"]["first_in_a_fresh_process_ms"] = round(float(cold.stdout) * 1000)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
