"""Writing the query log: queued, batched, retried, and never in the way of an answer."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.querylog import FeedbackRecord, LogRecord, QueryLog
from bot.querylog.schema import migrate
from bot.storage.sqlite import SqliteStorage
from tests.helpers import ASKED_AT, query_db, query_record

QUERY_COLUMNS = (
    "id, asked_at, adapter, guild_id, channel_id, user_id, question, outcome, claim_id, score, "
    "latency_ms, kb_version"
)


async def flushed(query_log: QueryLog) -> None:
    """Wait for the writer to catch up; a hang fails the test instead of stalling it."""
    async with asyncio.timeout(5):
        await query_log.flush()


async def test_each_recorded_question_is_one_row_with_every_column(
    query_log: QueryLog, db_path: Path
) -> None:
    query_log.record(
        query_record(
            "q1",
            adapter="discord",
            guild_id="g1",
            channel_id="c1",
            user_id="u1",
        )
    )
    query_log.record(
        query_record(
            "q2",
            question="What's the best pizza topping?",
            outcome="unknown",
            claim_id=None,
            score=None,
            latency_ms=0.5,
            asked_at=ASKED_AT + timedelta(seconds=1),
        )
    )

    await flushed(query_log)

    assert query_db(db_path, f"SELECT {QUERY_COLUMNS} FROM queries ORDER BY id") == [
        (
            "q1",
            "2025-03-01T12:00:00.000+00:00",
            "discord",
            "g1",
            "c1",
            "u1",
            "What did Venezuela import from Iran in 2020?",
            "answered",
            "venezuela-imported-iranian-gasoline-2020",
            97.5,
            1.25,
            "0123456789ab",
        ),
        (
            "q2",
            "2025-03-01T12:00:01.000+00:00",
            "cli",
            None,
            None,
            None,
            "What's the best pizza topping?",
            "unknown",
            None,
            None,
            0.5,
            "0123456789ab",
        ),
    ]
    assert query_log.pending == 0
    assert query_log.dropped == 0


async def test_a_second_vote_by_the_same_member_replaces_the_first(
    query_log: QueryLog, db_path: Path
) -> None:
    query_log.record(query_record("q1"))
    query_log.record(FeedbackRecord("q1", "u1", helpful=True, given_at=ASKED_AT))
    query_log.record(FeedbackRecord("q1", "u2", helpful=True, given_at=ASKED_AT))
    await flushed(query_log)
    later = ASKED_AT + timedelta(minutes=5)

    query_log.record(FeedbackRecord("q1", "u1", helpful=False, given_at=later))
    await flushed(query_log)

    assert query_db(db_path, "SELECT * FROM feedback ORDER BY user_id") == [
        ("q1", "u1", 0, "2025-03-01T12:05:00.000+00:00"),
        ("q1", "u2", 1, "2025-03-01T12:00:00.000+00:00"),
    ]


async def test_votes_changed_within_one_batch_keep_the_last(
    query_log: QueryLog, db_path: Path
) -> None:
    for helpful in (True, False, True):
        query_log.record(FeedbackRecord("q1", "u1", helpful=helpful, given_at=ASKED_AT))

    await flushed(query_log)

    assert query_db(db_path, "SELECT user_id, helpful FROM feedback") == [("u1", 1)]


async def test_a_full_queue_drops_and_counts_rows_instead_of_raising(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    query_log = await QueryLog.open(db_path, max_pending=2)
    try:
        # No await in between: the writer cannot run, so the queue only fills up.
        for index in range(5):
            query_log.record(query_record(f"q{index}"))

        assert (query_log.pending, query_log.dropped) == (2, 3)
        await flushed(query_log)
    finally:
        await query_log.close()

    assert query_db(db_path, "SELECT id FROM queries ORDER BY id") == [("q0",), ("q1",)]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["query log queue full: 1 rows dropped so far"]  # once, not per row


class FailingWrites:
    """Stands in for ``QueryLog._write``: fails ``failures`` times, then really writes."""

    def __init__(self, query_log: QueryLog, failures: int | None) -> None:
        self.real_write = query_log._write
        self.failures = failures
        self.attempts = 0
        self.attempted = asyncio.Event()

    async def __call__(self, batch: Sequence[object]) -> None:
        self.attempts += 1
        self.attempted.set()
        if self.failures is None or self.attempts <= self.failures:
            raise sqlite3.OperationalError("database is locked")
        await self.real_write(batch)  # type: ignore[arg-type]  # what the writer passed


async def test_a_failed_write_is_retried_and_no_row_is_lost(
    query_log: QueryLog,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writes = FailingWrites(query_log, failures=1)
    monkeypatch.setattr(query_log, "_write", writes)

    query_log.record(query_record("q1"))
    query_log.record(query_record("q2"))
    await flushed(query_log)

    assert writes.attempts == 2
    assert query_db(db_path, "SELECT id FROM queries ORDER BY id") == [("q1",), ("q2",)]
    assert query_log.dropped == 0
    assert any("database is locked" in r.getMessage() for r in caplog.records)


async def test_a_failing_database_is_trouble_until_a_write_succeeds(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the health check reads: each failed attempt counts, and the log is in
    trouble from the first failure until a batch is written again."""
    query_log = await QueryLog.open(db_path, retry_delay=0.01)
    writes = FailingWrites(query_log, failures=None)
    try:
        assert (query_log.trouble, query_log.write_errors) == (None, 0)
        monkeypatch.setattr(query_log, "_write", writes)
        query_log.record(query_record("q1"))
        await writes.attempted.wait()
        await asyncio.sleep(0)  # the writer notes the failure before it sleeps

        failing = (query_log.trouble, query_log.write_errors >= 1)
        writes.failures = 0  # the next attempt writes
        await flushed(query_log)

        assert failing == ("the query log cannot write: database is locked", True)
        assert (query_log.trouble, query_log.write_errors) == (None, writes.attempts - 1)
    finally:
        await query_log.close()
    assert query_db(db_path, "SELECT id FROM queries") == [("q1",)]


async def test_a_closed_log_is_trouble(db_path: Path) -> None:
    query_log = await QueryLog.open(db_path)
    await query_log.close()

    assert query_log.trouble == "the query log writer is not running"


async def test_close_writes_the_rows_still_queued(db_path: Path) -> None:
    query_log = await QueryLog.open(db_path)
    for index in range(3):
        query_log.record(query_record(f"q{index}"))

    await query_log.close()

    assert query_db(db_path, "SELECT COUNT(*) FROM queries") == [(3,)]
    assert query_log.dropped == 0


async def test_rows_a_broken_database_never_took_are_counted_dropped_on_close(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    query_log = await QueryLog.open(db_path, retry_delay=60)
    writes = FailingWrites(query_log, failures=None)
    monkeypatch.setattr(query_log, "_write", writes)
    for index in range(3):
        query_log.record(query_record(f"q{index}"))
    await writes.attempted.wait()  # the writer holds the batch and waits to retry
    query_log.record(query_record("q3"))  # still on the queue

    await query_log.close(grace=0)

    assert query_log.dropped == 4
    assert query_db(db_path, "SELECT COUNT(*) FROM queries") == [(0,)]


async def test_questions_and_votes_in_one_batch_are_both_written(
    query_log: QueryLog, db_path: Path
) -> None:
    records: list[LogRecord] = [
        query_record("q1"),
        FeedbackRecord("q1", "u1", helpful=True, given_at=ASKED_AT),
        query_record("q2"),
    ]
    for record in records:
        query_log.record(record)

    await flushed(query_log)

    assert query_db(db_path, "SELECT COUNT(*) FROM queries") == [(2,)]
    assert query_db(db_path, "SELECT COUNT(*) FROM feedback") == [(1,)]


AWKWARD_QUESTIONS = (
    'quotes " and \\ backslashes \\u0041',
    "emoji 🇻🇪🇮🇷 and accents ¿qué importó?",
    "line\nbreaks\tand tabs",
    "'; DROP TABLE queries; --",
)


NUL_QUESTION = "NUL in the middle\x00of it"


async def _stored_rows(db_path: Path, *, json_rows: bool) -> list[tuple[object, ...]]:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    connection = await aiosqlite.connect(db_path)
    await migrate(connection)
    query_log = QueryLog(SqliteStorage(connection, json_rows=json_rows), retry_delay=0)
    query_log.start()
    for number, question in enumerate(AWKWARD_QUESTIONS):
        query_log.record(query_record(f"q{number}", question=question, score=None))
    query_log.record(query_record("big", score=12345678.125, latency_ms=0.1 + 0.2))
    await flushed(query_log)
    query_log.record(query_record("nul", question=NUL_QUESTION, score=None))  # its own batch
    await flushed(query_log)
    await query_log.close()
    return query_db(db_path, f"SELECT {QUERY_COLUMNS}, typeof(score) FROM queries ORDER BY id")


@pytest.mark.parametrize("json_rows", [True, False])
async def test_every_text_and_number_is_stored_exactly_either_way_a_batch_is_inserted(
    tmp_path: Path, json_rows: bool
) -> None:
    """A batch goes in as one JSON parameter, or in ``VALUES`` chunks when SQLite has no
    JSON functions or a text holds NUL (which JSON functions would cut short)."""
    rows = await _stored_rows(tmp_path / "q.sqlite3", json_rows=json_rows)

    questions = {row[0]: row[6] for row in rows}
    assert questions == {f"q{n}": q for n, q in enumerate(AWKWARD_QUESTIONS)} | {
        "big": "What did Venezuela import from Iran in 2020?",
        "nul": NUL_QUESTION,
    }
    big = next(row for row in rows if row[0] == "big")
    assert (big[9], big[10], big[-1]) == (12345678.125, 0.1 + 0.2, "real")
    assert all(row[-1] == "null" for row in rows if row[0] != "big")


async def test_a_large_batch_is_written_whole(query_log: QueryLog, db_path: Path) -> None:
    for number in range(2500):
        query_log.record(query_record(f"q{number:05}", question=f"question {number}"))

    await flushed(query_log)

    assert query_db(db_path, "SELECT COUNT(*), MIN(id), MAX(id) FROM queries") == [
        (2500, "q00000", "q02499")
    ]
    assert query_log.dropped == 0
