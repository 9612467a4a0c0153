"""Logged questions per second into PostgreSQL from 1, 2 and 4 processes, against SQLite
in one process, all measured in one run on this machine: ``python -m bench.storage_bench``.

Each process is a real ``AnswerService`` over the real knowledge base (lexical matching,
as ``bench/querylog_bench.py``) and a real ``QueryLog``. Two workloads:

- **answering**: each process answers generated questions as fast as it can, every
  answer logged, for ``--seconds``; the per-answer latency (matching plus queueing the
  row) is the p99 reported. Nothing holds the askers back, as nothing does in the bot,
  so a log that cannot keep up would drop rows: the run checks none was dropped.
- **logging only**: each process records answers made beforehand, as fast as the log
  takes them (it waits while half the queue is full, so nothing is dropped): the
  storage's own ceiling.

A question counts when its row is in the database: each process stops asking after
``--seconds``, flushes, and the rate is the rows counted in the database over the time
from the common start to the last flush. The PostgreSQL server (``tests/pg_server.py``)
runs on this machine with its durable defaults (``fsync`` and ``synchronous_commit``
on) and shares its two cores with the processes; SQLite runs as the bot does (WAL,
``synchronous=NORMAL``). Results go to ``bench/results/storage.json``; ``docs/scaling.md``
says what they mean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.measure import latency_summary, load_kb
from bench.synthetic import generated_questions
from bot.answering import Answer, AnswerService, Asker
from bot.matching import build_matcher
from bot.querylog import QueryLog
from bot.storage.opening import open_storage
from tests.pg_server import PostgresServer, find_bindir

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "storage.json"
PROCESSES = (1, 2, 4)


# -- one process ---------------------------------------------------------------------------


async def _worker(where: str, mode: str, seconds: float, tag: int) -> dict[str, Any]:
    knowledge = load_kb("real")
    questions = [q.text for q in generated_questions(knowledge, 2000)]
    storage = await open_storage(where if "://" in where else Path(where))
    query_log = await QueryLog.open(storage)
    service = AnswerService(knowledge, build_matcher(knowledge), query_log)
    for question in questions[:300]:  # warm: word lists loaded, caches filled (not logged)
        service.answer(question, Asker("bench"))
    prepared: list[Answer] = []
    if mode == "record":
        made = [service.answer(question, Asker("bench")) for question in questions]
        prepared = [
            replace(made[n % len(made)], query_id=f"{tag:02}{n:014x}") for n in range(400_000)
        ]
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # "go": every process starts together

    latencies: list[int] = []
    asked = 0
    started = time.perf_counter()
    deadline = started + seconds
    half_full = 10_000  # of the default 20,000: back-pressure for the logging-only workload
    while time.perf_counter() < deadline:
        if mode == "ask":
            for _ in range(20):
                asker = Asker("bench", user_id=str(asked % 97), guild_id="1", channel_id="2")
                begun = time.perf_counter_ns()
                service.ask(questions[(asked + tag * 7919) % len(questions)], asker)
                latencies.append(time.perf_counter_ns() - begun)
                asked += 1
            await asyncio.sleep(0)  # as a real handler awaits Discord between questions
        elif query_log.pending < half_full:
            for _ in range(200):
                service.record(prepared[asked])
                asked += 1
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(0.001)
    asking = time.perf_counter() - started
    await query_log.flush()
    flushed = time.perf_counter() - started
    result = {
        "asked": asked,
        "dropped": query_log.dropped,
        "write_errors": query_log.write_errors,
        "asking_s": asking,
        "flushed_s": flushed,
        "latency": latency_summary(latencies) if latencies else None,
        "latencies_ms": [round(ns / 1e6, 4) for ns in latencies[::10]],
    }
    await query_log.close()
    await storage.close()
    return result


# -- the run -------------------------------------------------------------------------------


def _run_processes(where: str, mode: str, count: int, seconds: float) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "bench.storage_bench", "--worker", where, "--mode", mode]
    workers = [
        subprocess.Popen(
            [*command, "--seconds", str(seconds), "--tag", str(tag)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for tag in range(count)
    ]
    for worker in workers:
        assert worker.stdout is not None
        line = worker.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"a worker failed to start: {line!r}")
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        output, _ = worker.communicate(timeout=seconds + 300)
        if worker.returncode != 0:
            raise RuntimeError(f"a worker failed ({worker.returncode})")
        results.append(json.loads(output.strip().splitlines()[-1]))
    return results


async def _pg_count(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM queries"))
    finally:
        await connection.close()


def _measure(
    kind: str, where: str, mode: str, count: int, *, seconds: float, rows: Callable[[], int]
) -> dict[str, Any]:
    results = _run_processes(where, mode, count, seconds)
    stored = rows()
    asked = sum(r["asked"] for r in results)
    dropped = sum(r["dropped"] for r in results)
    elapsed = max(r["flushed_s"] for r in results)
    merged = sorted(ms for r in results for ms in r["latencies_ms"])
    summary: dict[str, Any] = {
        "back_end": kind,
        "processes": count,
        "mode": mode,
        "asked": asked,
        "rows": stored,
        "dropped": dropped,
        "write_errors": sum(r["write_errors"] for r in results),
        "seconds": elapsed,
        "rows_per_s": stored / elapsed,
        "nothing_lost": stored == asked and dropped == 0,
    }
    if merged:
        summary["p50_ms"] = merged[len(merged) // 2]
        summary["p99_ms"] = merged[min(len(merged) - 1, int(len(merged) * 0.99))]
    label = f"{kind} x{count} {mode}"
    latency = f"  p50 {summary['p50_ms']:.3f} ms  p99 {summary['p99_ms']:.3f} ms" if merged else ""
    print(
        f"{label:<22} {summary['rows_per_s']:>9,.0f} rows/s  {stored:>8,} rows"
        f"  dropped {dropped}{latency}",
        flush=True,
    )
    return summary


def run(seconds: float, rounds: int) -> dict[str, Any]:
    """Every configuration ``rounds`` times, interleaved (a machine shared with other work
    slows whichever runs when it is busy, so each configuration meets the same noise);
    the median round of each is reported, and the ratios are of those medians."""
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL binaries: apt-get install postgresql")
    server = PostgresServer(bindir, settings=())  # the durable defaults
    server.start()
    measured: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-storage-") as directory:
            for round_number in range(rounds):
                for mode in ("ask", "record"):
                    db = Path(directory) / f"{mode}-{round_number}.sqlite3"

                    def sqlite_rows(db: Path = db) -> int:
                        with sqlite3.connect(db) as connection:
                            (rows,) = connection.execute("SELECT count(*) FROM queries").fetchone()
                            return int(rows)

                    measured.append(
                        _measure("sqlite", str(db), mode, 1, seconds=seconds, rows=sqlite_rows)
                    )
                    for count in PROCESSES:
                        url = server.create_database(f"bench_{mode}_{count}_{round_number}")

                        def pg_rows(url: str = url) -> int:
                            return asyncio.run(_pg_count(url))

                        measured.append(
                            _measure("postgresql", url, mode, count, seconds=seconds, rows=pg_rows)
                        )
    finally:
        server.destroy()
    medians = _medians(measured)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": _cpus(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "seconds_per_run": seconds,
        "rounds": rounds,
        "medians": medians,
        "ratios_to_sqlite": _ratios(medians),
        "runs": measured,
    }


def _medians(measured: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per configuration, the round with the median rate (its p99 with it); every round
    must have lost nothing."""
    chosen = []
    keys = dict.fromkeys((m["back_end"], m["processes"], m["mode"]) for m in measured)
    for back_end, processes, mode in keys:
        runs = sorted(
            (
                m
                for m in measured
                if (m["back_end"], m["processes"], m["mode"]) == (back_end, processes, mode)
            ),
            key=lambda m: m["rows_per_s"],
        )
        median = dict(runs[len(runs) // 2])
        median["nothing_lost"] = all(m["nothing_lost"] for m in runs)
        median["rows_per_s_rounds"] = [round(m["rows_per_s"]) for m in runs]
        chosen.append(median)
    return chosen


def _ratios(measured: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    ratios: dict[str, dict[str, float]] = {}
    for mode in ("ask", "record"):
        base = next(m for m in measured if m["mode"] == mode and m["back_end"] == "sqlite")
        for m in measured:
            if m["mode"] == mode and m["back_end"] == "postgresql":
                entry = {"rows_per_s": m["rows_per_s"] / base["rows_per_s"]}
                if "p99_ms" in m:
                    entry["p99_ms"] = m["p99_ms"] / base["p99_ms"]
                ratios[f"postgresql x{m['processes']} {mode}"] = entry
    return ratios


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.storage_bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="asking time per run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every configuration")
    parser.add_argument("--quick", action="store_true", help="one round of 2 s runs: a smoke run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("ask", "record"), help=argparse.SUPPRESS)
    parser.add_argument("--tag", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = asyncio.run(_worker(args.worker, args.mode, args.seconds, args.tag))
        print(json.dumps(result))
        return 0
    results = run(2.0 if args.quick else args.seconds, 1 if args.quick else args.rounds)
    print("medians:")
    for m in results["medians"]:
        latency = f"  p99 {m['p99_ms']:.2f} ms" if "p99_ms" in m else ""
        print(
            f"  {m['back_end']} x{m['processes']} {m['mode']:<7} {m['rows_per_s']:>9,.0f} rows/s"
            f"  nothing lost: {m['nothing_lost']}{latency}"
        )
    for name, ratio in results["ratios_to_sqlite"].items():
        parts = ", ".join(f"{key} ×{value:.2f}" for key, value in ratio.items())
        print(f"{name} / sqlite x1: {parts}")
    if not args.quick:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"written to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
