"""The query log: every question, its outcome and feedback, in SQLite through aiosqlite.

Writing must never delay or break an answer, so :meth:`QueryLog.record` only puts the
row on a bounded in-memory queue and returns; one writer task drains the queue in
batches, one transaction per batch. If the database fails (locked, read-only, disk
full) the writer keeps the batch and retries; rows that arrive while the queue is
full are counted in :attr:`QueryLog.dropped` and warned about, never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite
import msgspec

from bot.querylog.records import FeedbackRecord, LogRecord, PickRecord, QueryRecord
from bot.querylog.schema import migrate

log = logging.getLogger(__name__)

_QUERY_COLUMNS = (
    "id, asked_at, adapter, guild_id, channel_id, user_id,"
    " question, outcome, claim_id, score, latency_ms, kb_version, language"
)
_QUERY_FIELDS = _QUERY_COLUMNS.count(",") + 1
_INSERT_QUERIES_JSON = (
    f"INSERT OR IGNORE INTO queries ({_QUERY_COLUMNS}) SELECT "
    + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(_QUERY_FIELDS))
    + " FROM json_each(?)"
)
"""A whole batch in one statement, its rows as one JSON array parameter.

Not ``executemany``, nor one multi-row ``VALUES`` per 83 rows: each statement is a
round trip to aiosqlite's thread, and each round trip needs the GIL back from an event
loop busy answering questions, which keeps it for the whole switch interval (5 ms). A
batch is then two round trips (insert, commit) whatever its size, and the writer keeps
up with any rate of questions the loop can answer (docs/performance.md, "The query
log"). ``json_extract`` rather than ``->>`` so that SQLite 3.9+ with JSON1 will do."""
_ROWS_PER_INSERT = 999 // _QUERY_FIELDS
"""Rows per multi-row INSERT when SQLite lacks JSON1 (999 parameters, its oldest limit)."""


def _insert_queries(rows: int) -> str:
    row = "(" + ", ".join(["?"] * _QUERY_FIELDS) + ")"
    values = ", ".join([row] * rows)
    return f"INSERT OR IGNORE INTO queries ({_QUERY_COLUMNS}) VALUES {values}"


_UPSERT_FEEDBACK = """
    INSERT INTO feedback (query_id, user_id, helpful, given_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (query_id, user_id) DO UPDATE SET helpful = excluded.helpful,
        given_at = excluded.given_at
"""
_UPSERT_PICK = """
    INSERT INTO picks (query_id, user_id, claim_id, picked_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (query_id, user_id) DO UPDATE SET claim_id = excluded.claim_id,
        picked_at = excluded.picked_at
"""


class QueryLog:
    """Asynchronous, batched, failure-tolerant writer (and reader) of the query log.

    Open it with :meth:`open` (or ``async with await QueryLog.open(path)``) and close
    it with :meth:`close`, which writes whatever is still queued.
    """

    def __init__(
        self,
        connection: aiosqlite.Connection,
        *,
        max_pending: int = 20_000,
        batch_size: int = 5000,
        retry_delay: float = 1.0,
        path: Path | None = None,
        busy_timeout_ms: int = 5000,
        json_rows: bool = True,
    ) -> None:
        self.connection = connection
        self.json_rows = json_rows
        """Insert each batch as one JSON parameter (needs SQLite's JSON1, built in since
        3.38 and in nearly every build before); else in multi-row ``VALUES`` chunks."""
        self.path = path
        """The database file, if any: watched so that a deleted file is recreated."""
        self._busy_timeout_ms = busy_timeout_ms
        self._inode = _inode(path)
        self._lock = asyncio.Lock()
        """Held by each batch and each maintenance statement: they share one connection,
        and one's rollback must never undo the other's work."""
        self.dropped = 0
        """Rows given up on: the queue was full, or the database stayed broken until close."""
        self.write_errors = 0
        """Failed attempts to write a batch (each retry of a failing batch counts again)."""
        self.failing: str | None = None
        """Why the last attempt to write failed, while the writer is still retrying; None
        once a batch is written again (read by the health check)."""
        self._queue: asyncio.Queue[_Row | FeedbackRecord | PickRecord] = asyncio.Queue(
            maxsize=max_pending
        )
        """A question is queued as its row, made when it is recorded: a few microseconds
        per question spent by the asker, not thousands at once by the writer's batch."""
        self._batch_size = batch_size
        self._retry_delay = retry_delay
        self._writer: asyncio.Task[None] | None = None
        self._in_flight = 0  # rows taken off the queue by the writer and not yet committed

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        max_pending: int = 20_000,
        batch_size: int = 5000,
        retry_delay: float = 1.0,
        busy_timeout_ms: int = 5000,
    ) -> Self:
        """Open (creating it and its directory if needed) and migrate the log at ``path``."""
        connection = await _connect(path, busy_timeout_ms)
        query_log = cls(
            connection,
            max_pending=max_pending,
            batch_size=batch_size,
            retry_delay=retry_delay,
            path=None if str(path) == ":memory:" else path,
            busy_timeout_ms=busy_timeout_ms,
            json_rows=await _has_json(connection),
        )
        query_log.start()
        return query_log

    def start(self) -> None:
        """Start the writer task (idempotent)."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write_forever(), name="query-log-writer"
            )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def pending(self) -> int:
        """Rows queued and not yet written."""
        return self._queue.qsize()

    @property
    def trouble(self) -> str | None:
        """Why the log is not writing now (its writer stopped, or its database failing),
        or None when it is."""
        if self._writer is None or self._writer.done():
            return "the query log writer is not running"
        if self.failing is not None:
            return f"the query log cannot write: {self.failing}"
        return None

    def record(self, record: LogRecord) -> None:
        """Queue ``record`` for writing; never blocks, never raises."""
        try:
            self._queue.put_nowait(
                _query_row(record) if isinstance(record, QueryRecord) else record
            )
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("query log queue full: %d rows dropped so far", self.dropped)

    async def flush(self) -> None:
        """Wait until every queued row is written (bound it with ``asyncio.timeout``)."""
        await self._queue.join()

    async def close(self, grace: float = 10.0) -> None:
        """Write what is queued (for at most ``grace`` seconds), then close the database."""
        if self._writer is not None:
            try:
                async with asyncio.timeout(grace):
                    await self.flush()
            except TimeoutError:
                lost = self._queue.qsize() + self._in_flight
                self.dropped += lost
                log.warning("query log closed with %d rows unwritten", lost)
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        await self.connection.close()

    async def _write_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self._in_flight = len(batch)
            while True:
                try:
                    await self._write(batch)
                    self._in_flight = 0
                    self.failing = None
                    break
                except (sqlite3.Error, OSError) as exc:
                    self.write_errors += 1
                    self.failing = str(exc) or type(exc).__name__
                    log.warning(
                        "query log write failed (%s); %d rows kept, retrying", exc, len(batch)
                    )
                    await asyncio.sleep(self._retry_delay)
                except Exception:
                    # A bug, not a failing disk: retrying cannot help. Count the batch as
                    # lost and keep the writer alive for the rows after it.
                    log.exception("query log write failed; %d rows dropped", len(batch))
                    self.write_errors += 1
                    self.dropped += len(batch)
                    self._in_flight = 0
                    break
            for _ in batch:
                self._queue.task_done()

    async def forget_user(self, stored_user_id: str) -> int:
        """Delete every question (and vote, and pick) stored under ``stored_user_id``; how
        many questions."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self.flush()  # the member's queued rows too
        async with self._lock:
            for table in ("feedback", "picks"):
                await self.connection.execute(
                    f"DELETE FROM {table} WHERE user_id = ? OR query_id IN "
                    "(SELECT id FROM queries WHERE user_id = ?)",
                    (stored_user_id, stored_user_id),
                )
            cursor = await self.connection.execute(
                "DELETE FROM queries WHERE user_id = ?", (stored_user_id,)
            )
            await self.connection.commit()
            return int(cursor.rowcount)

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete questions asked before ``cutoff`` (and their votes and picks, and picks made
        before it whatever their question); how many questions."""
        stamp = cutoff.isoformat(timespec="milliseconds")
        async with self._lock:
            await self.connection.execute(
                "DELETE FROM feedback WHERE query_id IN (SELECT id FROM queries WHERE asked_at < ?)",
                (stamp,),
            )
            await self.connection.execute(
                "DELETE FROM picks WHERE picked_at < ? OR query_id IN "
                "(SELECT id FROM queries WHERE asked_at < ?)",
                (stamp, stamp),
            )
            cursor = await self.connection.execute(
                "DELETE FROM queries WHERE asked_at < ?", (stamp,)
            )
            await self.connection.commit()
            return int(cursor.rowcount)

    async def _reopen_if_replaced(self) -> None:
        """SQLite keeps writing to a deleted file's inode, where rows vanish: if the file
        was deleted or replaced, open (and migrate) a new one at the same path."""
        if self.path is None or _inode(self.path) == self._inode:
            return
        log.warning("query log file %s was deleted or replaced; recreating it", self.path)
        old = self.connection
        self.connection = await _connect(self.path, self._busy_timeout_ms)
        self._inode = _inode(self.path)
        with contextlib.suppress(sqlite3.Error):
            await old.close()

    async def _write(self, batch: Sequence[_Row | FeedbackRecord | PickRecord]) -> None:
        async with self._lock:
            await self._reopen_if_replaced()
            await self._write_unlocked(batch)

    async def _write_unlocked(self, batch: Sequence[_Row | FeedbackRecord | PickRecord]) -> None:
        queries = [r for r in batch if isinstance(r, tuple)]
        votes = [r for r in batch if isinstance(r, FeedbackRecord)]
        picks = [r for r in batch if isinstance(r, PickRecord)]
        try:
            rows = _json_rows(queries) if queries and self.json_rows else None
            if rows is not None:
                await self.connection.execute(_INSERT_QUERIES_JSON, (rows,))
            else:
                for start in range(0, len(queries), _ROWS_PER_INSERT):
                    chunk = queries[start : start + _ROWS_PER_INSERT]
                    parameters = [value for row in chunk for value in row]
                    await self.connection.execute(_insert_queries(len(chunk)), parameters)
            if votes:
                await self.connection.executemany(
                    _UPSERT_FEEDBACK, [_feedback_row(r) for r in votes]
                )
            if picks:
                await self.connection.executemany(_UPSERT_PICK, [_pick_row(r) for r in picks])
            await self.connection.commit()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                await self.connection.rollback()
            raise


async def _connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    connection = await aiosqlite.connect(path)
    try:
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await migrate(connection)
    except BaseException:
        await connection.close()
        raise
    return connection


def _json_rows(rows: Sequence[_Row]) -> str | None:
    """The rows as one JSON array (msgspec: 1 µs a row, against 5 for ``json``), or
    None if a text holds NUL, which SQLite's JSON functions would cut short, or cannot
    be encoded (those rows go through ``VALUES``, which keep them intact or fail alike)."""
    try:
        encoded = _ENCODER.encode(rows)
    except (msgspec.EncodeError, UnicodeEncodeError):
        return None
    # Text, not bytes: SQLite would bind bytes as a BLOB, which JSON functions refuse.
    return None if b"\\u0000" in encoded else encoded.decode()


async def _has_json(connection: aiosqlite.Connection) -> bool:
    try:
        await connection.execute("SELECT json_extract('[1]', '$[0]')")
    except sqlite3.OperationalError:  # built without JSON1
        log.info("SQLite has no JSON functions; the query log inserts rows in chunks")
        return False
    return True


def _inode(path: Path | None) -> int | None:
    try:
        return path.stat().st_ino if path is not None else None
    except OSError:
        return None


_ENCODER = msgspec.json.Encoder()
_Row = tuple[object, ...]
"""A question's row, in the order of the ``queries`` columns."""


def _query_row(r: QueryRecord) -> _Row:
    return (
        r.id,
        r.asked_at.isoformat(timespec="milliseconds"),
        r.adapter,
        r.guild_id,
        r.channel_id,
        r.user_id,
        r.question,
        r.outcome,
        r.claim_id,
        r.score,
        r.latency_ms,
        r.kb_version,
        r.language,
    )


def _feedback_row(r: FeedbackRecord) -> tuple[object, ...]:
    return (r.query_id, r.user_id, int(r.helpful), r.given_at.isoformat(timespec="milliseconds"))


def _pick_row(r: PickRecord) -> tuple[object, ...]:
    return (r.query_id, r.user_id, r.claim_id, r.picked_at.isoformat(timespec="milliseconds"))
