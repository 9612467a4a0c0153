"""Sustained questions per second through ``AnswerService`` with the SQLite query log on.

Four workloads on the real knowledge base, each with a fresh log in a temporary
directory: one asker asking as fast as it can; 200 concurrent askers (asyncio tasks);
one task recording answers made beforehand, as fast as it can; and the same answers
queued at once, the writer then having the event loop to itself (the log's ceiling). A question counts when its row is in the database: the clock stops after
``flush()``. Meanwhile a probe sleeps 1 ms again and again and records how late it
wakes, and every event-loop callback is timed, so a stall (one callback holding the
loop) is told apart from a busy loop (many short callbacks in one turn).
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import LoopStalls, load_kb, probe_loop_lag, timing_callbacks
from bench.sqlite_convoy import measure_sqlite_convoy
from bench.synthetic import generated_questions
from bot.answering import Answer, AnswerService, Asker
from bot.matching import build_matcher
from bot.querylog import QueryLog


async def _workload(
    service: AnswerService,
    questions: list[str],
    askers: int,
    total: int,
    prepared: list[Answer] | None,
) -> None:
    per_asker = total // askers

    async def ask(number: int) -> None:
        asker = Asker("bench", user_id=str(number), guild_id="1", channel_id="2")
        for turn in range(per_asker):
            index = number * per_asker + turn
            if prepared is None:
                service.ask(questions[index % len(questions)], asker)
            else:
                service.record(prepared[index])
            await asyncio.sleep(0)  # as a real handler awaits Discord between questions

    await asyncio.gather(
        *(asyncio.create_task(ask(number), name=f"asker-{number}") for number in range(askers))
    )


async def _run(
    kb_name: str, askers: int, total: int, *, record_only: bool, idle: bool = False
) -> dict[str, Any]:
    knowledge = load_kb(kb_name)
    questions = [q.text for q in generated_questions(knowledge, 2000)]
    with tempfile.TemporaryDirectory(prefix="bench-querylog-") as directory:
        db = Path(directory) / "queries.sqlite3"
        query_log = await QueryLog.open(db, max_pending=total if idle else 10_000)
        service = AnswerService(knowledge, build_matcher(knowledge), query_log)
        prepared = None
        if record_only:
            asker = Asker("bench")
            prepared = [service.answer(question, asker) for question in questions]
            prepared = [_with_new_id(a, i) for i, a in enumerate(prepared * (total // 2000 + 1))]
        stalls = LoopStalls()
        stop = asyncio.Event()
        try:
            with timing_callbacks(stalls):
                probe = asyncio.create_task(probe_loop_lag(stalls, stop))
                started = time.perf_counter()
                if idle and prepared is not None:
                    for answer in prepared[:total]:
                        service.record(answer)  # all at once: the writer has the loop to itself
                else:
                    await _workload(service, questions, askers, total, prepared)
                asked = time.perf_counter() - started
                await query_log.flush()
                elapsed = time.perf_counter() - started
                stop.set()
                await probe
        finally:
            dropped = query_log.dropped
            await query_log.close()
        with sqlite3.connect(db) as connection:
            (rows,) = connection.execute("SELECT COUNT(*) FROM queries").fetchone()
    return {
        "askers": askers,
        "record_only": record_only,
        "questions": (total // askers) * askers,
        "logged_rows": rows,
        "dropped": dropped,
        "seconds": elapsed,
        "asked_per_s": (total // askers) * askers / asked,
        "logged_per_s": rows / elapsed,
        "probe_worst_ms": stalls.probe_worst_ms,
        "callback_worst_ms": stalls.callback_worst_ms,
        "callback_worst": stalls.callback_worst,
        "callbacks_over_20ms": stalls.callbacks_over_20ms,
        "gc_worst_ms": stalls.gc_worst_ms,
    }


def _with_new_id(answer: Answer, number: int) -> Answer:
    """A copy with its own query id (the log ignores a repeated id)."""
    from dataclasses import replace  # noqa: PLC0415

    return replace(answer, query_id=f"{number:016x}")


def measure_query_log(kb_name: str, total: int, crowd: int) -> dict[str, Any]:
    return {
        "alone": asyncio.run(_run(kb_name, 1, total, record_only=False)),
        "crowd": asyncio.run(_run(kb_name, crowd, total, record_only=False)),
        "log_only": asyncio.run(_run(kb_name, 1, total, record_only=True)),
        "log_idle": asyncio.run(_run(kb_name, 1, total, record_only=True, idle=True)),
        "sqlite_convoy": measure_sqlite_convoy(),
    }
