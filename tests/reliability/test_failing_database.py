"""A failing query log never stops the bot answering, and loses no row without counting it.

Each fault is injected for real where SQLite allows it (a second connection holding an
exclusive lock, the file deleted under the bot) and by raising SQLite's own error from
the connection where it does not (read-only and disk-full: the tests run as root, so
``chmod`` would not stop a write). Answering is synchronous and only queues a row, so
it cannot wait on the database; the tests check that every row asked is written once
the fault clears, or is counted in ``dropped`` with a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.answering import Answer, AnswerService, Asker
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher
from bot.privacy import UserIdMode, UserIdPolicy
from bot.querylog import FeedbackRecord, QueryLog
from bot.querylog.retention import purge_forever
from tests.helpers import query_db, query_record

QUESTIONS = (
    "What did Venezuela import from Iran in 2020?",
    "'; DROP TABLE queries; --",
    "@everyone",
    "What's the best pizza topping?",
)
SECRET = b"a-secret-of-at-least-sixteen-bytes"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class LogWatch(logging.Handler):
    """Collects the query log's messages and lets a test wait for one (no sleeping)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self._changed.set()

    def count(self, text: str) -> int:
        return sum(text in message for message in self.messages)

    async def wait_for(self, text: str, times: int = 1) -> None:
        async with asyncio.timeout(5):
            while self.count(text) < times:
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
def watch() -> Iterator[LogWatch]:
    handler = LogWatch()
    logger = logging.getLogger("bot.querylog")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "queries.sqlite3"


@pytest.fixture
async def query_log(db: Path) -> AsyncIterator[QueryLog]:
    log = await QueryLog.open(db, retry_delay=0.01, busy_timeout_ms=10)
    yield log
    await log.close(grace=0)


@pytest.fixture
def service(knowledge: KnowledgeBase, matcher: Matcher, query_log: QueryLog) -> AnswerService:
    return AnswerService(knowledge, matcher, query_log)


def ask(service: AnswerService, count: int, user: str = "1") -> list[Answer]:
    """Ask ``count`` questions; each returns at once, whatever the database is doing."""
    return [
        service.ask(QUESTIONS[index % len(QUESTIONS)], Asker("test", user_id=user))
        for index in range(count)
    ]


def stored_ids(db: Path) -> set[str]:
    return {row[0] for row in query_db(db, "SELECT id FROM queries")}


async def flushed(query_log: QueryLog) -> None:
    async with asyncio.timeout(5):
        await query_log.flush()


class WriteFault:
    """Makes the log's connection raise ``message`` on every write until cleared."""

    def __init__(self, query_log: QueryLog, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.message = message
        self.active = True
        self.failed = asyncio.Event()
        real_executemany = query_log.connection.executemany
        real_execute = query_log.connection.execute

        async def executemany(sql: str, rows: Any) -> Any:
            self._fail_if_active()
            return await real_executemany(sql, rows)

        def execute(sql: str, *parameters: Any) -> Any:
            if sql.lstrip().upper().startswith(("INSERT", "DELETE")):
                self._fail_if_active()
            return real_execute(sql, *parameters)

        monkeypatch.setattr(query_log.connection, "executemany", executemany)
        monkeypatch.setattr(query_log.connection, "execute", execute)

    def _fail_if_active(self) -> None:
        if self.active:
            self.failed.set()
            raise sqlite3.OperationalError(self.message)


@pytest.fixture
def fail_writes(monkeypatch: pytest.MonkeyPatch) -> Callable[[QueryLog, str], WriteFault]:
    """``fail_writes(query_log, message)`` starts a fault; ``.active = False`` clears it."""
    return lambda query_log, message: WriteFault(query_log, message, monkeypatch)


@pytest.mark.parametrize(
    "message", ["attempt to write a readonly database", "database or disk is full"]
)
async def test_rows_wait_while_writes_fail_and_are_all_written_after(
    message: str,
    query_log: QueryLog,
    service: AnswerService,
    watch: LogWatch,
    fail_writes: Callable[[QueryLog, str], WriteFault],
) -> None:
    fault = fail_writes(query_log, message)

    first = ask(service, 20)
    await watch.wait_for(message, times=3)  # the writer failed, kept its batch, retried
    second = ask(service, 10)

    assert query_log.pending == 10  # the first 20 are the writer's batch, held for retry
    assert query_log.path is not None
    assert stored_ids(query_log.path) == set()
    fault.active = False
    await flushed(query_log)
    assert stored_ids(query_log.path) == {answer.query_id for answer in first + second}
    assert query_log.dropped == 0


async def test_a_locked_database_delays_rows_until_the_lock_is_released(
    db: Path, query_log: QueryLog, service: AnswerService, watch: LogWatch
) -> None:
    blocker = sqlite3.connect(db, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        first = ask(service, 20)
        await watch.wait_for("database is locked", times=2)
        second = ask(service, 5)
        assert query_log.pending == 5
    finally:
        blocker.rollback()
        blocker.close()

    await flushed(query_log)
    assert stored_ids(db) == {answer.query_id for answer in first + second}
    assert query_log.dropped == 0


async def test_an_overflowing_queue_counts_and_warns_about_every_row_it_drops(
    db: Path,
    knowledge: KnowledgeBase,
    matcher: Matcher,
    fail_writes: Callable[[QueryLog, str], WriteFault],
    caplog: pytest.LogCaptureFixture,
) -> None:
    query_log = await QueryLog.open(db, retry_delay=0.01, max_pending=10, batch_size=5)
    try:
        service = AnswerService(knowledge, matcher, query_log)
        fault = fail_writes(query_log, "database or disk is full")
        ask(service, 5)
        async with asyncio.timeout(5):
            await fault.failed.wait()  # those 5 are in the writer's hands
        ask(service, 25)  # 10 fit in the queue, 15 do not

        assert query_log.dropped == 15
        fault.active = False
        await flushed(query_log)
    finally:
        await query_log.close()

    assert len(stored_ids(db)) + query_log.dropped == 30  # every row written or counted
    assert len(stored_ids(db)) == 15
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "query log queue full: 1 rows dropped so far" in warnings


async def test_a_deleted_database_file_is_recreated_and_later_rows_land_in_it(
    db: Path, query_log: QueryLog, service: AnswerService, watch: LogWatch
) -> None:
    before = ask(service, 3)
    await flushed(query_log)
    assert stored_ids(db) == {answer.query_id for answer in before}

    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    after = ask(service, 4)
    await flushed(query_log)

    assert watch.count("was deleted or replaced; recreating it") == 1
    assert stored_ids(db) == {answer.query_id for answer in after}
    later = ask(service, 2)
    await flushed(query_log)
    assert stored_ids(db) == {answer.query_id for answer in after + later}
    assert query_log.dropped == 0


# -- retention -------------------------------------------------------------------------------


async def old_and_new_rows(query_log: QueryLog) -> None:
    """Two questions of 40 days ago and one of yesterday, each with a vote."""
    for query_id, age in (("old-1", 40), ("old-2", 31), ("new-1", 1)):
        asked_at = NOW - timedelta(days=age)
        query_log.record(query_record(query_id, asked_at=asked_at))
        query_log.record(FeedbackRecord(query_id, "u1", helpful=True, given_at=asked_at))
    await flushed(query_log)


async def test_purge_deletes_old_questions_and_their_votes_and_keeps_new_ones(
    db: Path, query_log: QueryLog
) -> None:
    await old_and_new_rows(query_log)

    deleted = await query_log.purge_older_than(NOW - timedelta(days=30))

    assert deleted == 2
    assert stored_ids(db) == {"new-1"}
    assert query_db(db, "SELECT query_id FROM feedback") == [("new-1",)]


async def test_the_daily_purge_survives_a_failing_database(
    db: Path, query_log: QueryLog, watch: LogWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    await old_and_new_rows(query_log)
    real_purge = query_log.purge_older_than
    attempts = 0
    purged = asyncio.Event()

    async def failing_twice(cutoff: datetime) -> int:
        nonlocal attempts
        attempts += 1
        if attempts <= 2:
            raise sqlite3.OperationalError("database is locked")
        deleted = await real_purge(cutoff)
        purged.set()
        return deleted

    monkeypatch.setattr(query_log, "purge_older_than", failing_twice)
    task = asyncio.create_task(purge_forever(query_log, 30, every=0, clock=lambda: NOW))
    try:
        async with asyncio.timeout(5):
            await purged.wait()
        assert not task.done()  # the failures did not end it
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert watch.count("retention purge failed (database is locked); will try again") == 2
    assert stored_ids(db) == {"new-1"}


# -- /forget-me -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [UserIdMode.HASHED, UserIdMode.RAW])
async def test_forget_deletes_the_members_questions_and_votes_as_stored(
    mode: UserIdMode,
    db: Path,
    knowledge: KnowledgeBase,
    matcher: Matcher,
    query_log: QueryLog,
) -> None:
    policy = UserIdPolicy(mode, SECRET)
    service = AnswerService(knowledge, matcher, query_log, user_ids=policy)
    alice, bob = "111111111111111111", "222222222222222222"
    asked_by_alice = ask(service, 3, user=alice)
    asked_by_bob = ask(service, 2, user=bob)
    service.record_feedback(asked_by_bob[0].query_id, alice, helpful=False)
    service.record_feedback(asked_by_alice[0].query_id, bob, helpful=True)
    service.record_feedback(asked_by_bob[1].query_id, bob, helpful=True)
    await flushed(query_log)
    if mode is UserIdMode.HASHED:
        cells = query_db(db, "SELECT * FROM queries") + query_db(db, "SELECT * FROM feedback")
        assert not any(alice in str(cell) or bob in str(cell) for row in cells for cell in row)

    deleted = await service.forget(alice)

    assert deleted == 3
    assert stored_ids(db) == {answer.query_id for answer in asked_by_bob}
    assert query_db(db, "SELECT DISTINCT user_id FROM queries") == [(policy.store(bob),)]
    assert query_db(db, "SELECT query_id, user_id FROM feedback") == [
        (asked_by_bob[1].query_id, policy.store(bob))
    ]


async def test_forget_with_ids_not_stored_deletes_nothing_and_says_so(
    db: Path, knowledge: KnowledgeBase, matcher: Matcher, query_log: QueryLog
) -> None:
    service = AnswerService(knowledge, matcher, query_log, user_ids=UserIdPolicy(UserIdMode.NONE))
    ask(service, 3, user="111111111111111111")
    await flushed(query_log)

    assert await service.forget("111111111111111111") is None
    assert query_db(db, "SELECT COUNT(*), COUNT(user_id) FROM queries") == [(3, 0)]
