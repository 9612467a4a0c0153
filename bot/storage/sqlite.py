"""The embedded back end: one SQLite file through aiosqlite, no server needed.

Two connections to the file: the query log's, which writes batches and deletes, and a
second, opened on first use, for the moderators' change log and the reports, so that a
change-log entry is never caught in a rollback of a failed batch (nor a batch in a
rolled-back change). The reports' SQL lives beside what it reports
(:mod:`bot.querylog.stats`, :mod:`bot.moderation.misses`); this class calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Self

import aiosqlite
import msgspec

from bot.moderation import misses
from bot.moderation.audit import Change
from bot.querylog import stats
from bot.querylog.records import FeedbackRecord, PickRecord
from bot.querylog.schema import migrate
from bot.storage.base import QUERY_COLUMNS, NewChange, PendingChange, QueryRow

log = logging.getLogger("bot.querylog.sqlite")  # under bot.querylog: the query log's warnings

_COLUMNS = ", ".join(QUERY_COLUMNS)
_INSERT_QUERIES_JSON = (
    f"INSERT OR IGNORE INTO queries ({_COLUMNS}) SELECT "
    + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(QUERY_COLUMNS)))
    + " FROM json_each(?)"
)
"""A whole batch in one statement, its rows as one JSON array parameter.

Not ``executemany``, nor one multi-row ``VALUES`` per 76 rows: each statement is a
round trip to aiosqlite's thread, and each round trip needs the GIL back from an event
loop busy answering questions, which keeps it for the whole switch interval (5 ms). A
batch is then two round trips (insert, commit) whatever its size, and the writer keeps
up with any rate of questions the loop can answer (docs/performance.md, "The query
log"). ``json_extract`` rather than ``->>`` so that SQLite 3.9+ with JSON1 will do."""
_ROWS_PER_INSERT = 999 // len(QUERY_COLUMNS)
"""Rows per multi-row INSERT when SQLite lacks JSON1 (999 parameters, its oldest limit)."""


def _insert_queries(rows: int) -> str:
    row = "(" + ", ".join(["?"] * len(QUERY_COLUMNS)) + ")"
    values = ", ".join([row] * rows)
    return f"INSERT OR IGNORE INTO queries ({_COLUMNS}) VALUES {values}"


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
_CHANGE_COLUMNS = "id, at, actor_id, actor_name, action, target, before, after, detail, reverts"


class SqliteStorage:
    """:class:`bot.storage.base.Storage` in one SQLite file (or in memory)."""

    kind = "sqlite"
    transient: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)
    """Locked, read-only, full, deleted: SQLite says so with its own errors or the OS's."""

    def __init__(
        self,
        connection: aiosqlite.Connection,
        *,
        path: Path | None = None,
        busy_timeout_ms: int = 5000,
        json_rows: bool = True,
    ) -> None:
        self.connection = connection
        """The query log's connection (tests reach into it to inject faults)."""
        self.path = path
        """The database file, if any: watched so that a deleted file is recreated, and
        opened a second time for the change log; None keeps to ``connection``."""
        self.json_rows = json_rows
        """Insert each batch as one JSON parameter (needs SQLite's JSON1, built in since
        3.38 and in nearly every build before); else in multi-row ``VALUES`` chunks."""
        self._busy_timeout_ms = busy_timeout_ms
        self._inode = _inode(path)
        self._lock = asyncio.Lock()
        """Held by each batch and each delete: they share one connection, and one's
        rollback must never undo the other's work."""
        self._second: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()
        self._change_lock = asyncio.Lock()
        """One change-log entry open at a time on the second connection (another's
        commit or rollback would take it along)."""

    @classmethod
    async def open(cls, path: Path, *, busy_timeout_ms: int = 5000) -> Self:
        """Open (creating it and its directory if needed) and migrate the file at ``path``."""
        connection = await _connect(path, busy_timeout_ms)
        return cls(
            connection,
            path=None if str(path) == ":memory:" else path,
            busy_timeout_ms=busy_timeout_ms,
            json_rows=await _has_json(connection),
        )

    @property
    def where(self) -> str:
        return str(self.path) if self.path is not None else ":memory:"

    async def close(self) -> None:
        if self._second is not None and self._second is not self.connection:
            with contextlib.suppress(sqlite3.Error):
                await self._second.close()
        self._second = None
        await self.connection.close()

    async def _reader(self) -> aiosqlite.Connection:
        """The second connection (the change log's and the reports'), opened on first use."""
        if self._second is None:
            async with self._opening:
                if self._second is None:
                    self._second = (
                        self.connection
                        if self.path is None
                        else await _connect(self.path, self._busy_timeout_ms)
                    )
        return self._second

    # -- the query log ------------------------------------------------------------------

    async def write_log(
        self,
        queries: Sequence[QueryRow],
        votes: Sequence[FeedbackRecord],
        picks: Sequence[PickRecord],
    ) -> None:
        async with self._lock:
            await self._reopen_if_replaced()
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

    async def forget_user(self, stored_user_id: str) -> int:
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

    # -- reports ------------------------------------------------------------------------

    async def read_stats(self, *, since: datetime | None = None, top: int = 10) -> stats.Stats:
        return await stats.read_stats(await self._reader(), since=since, top=top)

    async def read_daily(
        self, *, until: datetime, since: datetime | None = None
    ) -> list[stats.DayCounts]:
        return await stats.read_daily(await self._reader(), until=until, since=since)

    async def find_misses(
        self, *, since: datetime | None = None, limit: int = 10
    ) -> list[misses.Miss]:
        return await misses.find_misses(await self._reader(), since=since, limit=limit)

    async def question_of(self, query_id: str) -> str | None:
        return await misses.question_of(await self._reader(), query_id)

    # -- the moderators' change log -----------------------------------------------------

    async def begin_change(self, change: NewChange) -> PendingChange:
        await self._change_lock.acquire()
        connection: aiosqlite.Connection | None = None
        try:
            connection = await self._reader()
            cursor = await connection.execute(
                "INSERT INTO changes (at, actor_id, actor_name, action, target, before, after,"
                " detail, reverts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    change.at.isoformat(timespec="milliseconds"),
                    change.actor_id,
                    change.actor_name,
                    change.action,
                    change.target,
                    change.before,
                    change.after,
                    change.detail,
                    change.reverts,
                ),
            )
        except BaseException:
            try:
                if connection is not None:
                    with contextlib.suppress(sqlite3.Error):
                        await connection.rollback()
            finally:
                self._change_lock.release()
            raise
        return _Pending(connection, int(cursor.lastrowid or 0), self._change_lock)

    async def change(self, change_id: int) -> Change | None:
        async with (await self._reader()).execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE id = ?", (change_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _change(tuple(row)) if row else None

    async def changes(self, target: str | None = None, *, limit: int = 20) -> list[Change]:
        where, params = ("WHERE target = ?", (target, limit)) if target else ("", (limit,))
        async with (await self._reader()).execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes {where} ORDER BY id DESC LIMIT ?", params
        ) as cursor:
            return [_change(tuple(row)) for row in await cursor.fetchall()]

    async def last_change(self, target: str) -> Change | None:
        async with (await self._reader()).execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE target = ? AND action != 'refused'"
            " ORDER BY id DESC LIMIT 1",
            (target,),
        ) as cursor:
            row = await cursor.fetchone()
        return _change(tuple(row)) if row else None


class _Pending:
    """A change-log entry inserted in the second connection's open transaction."""

    def __init__(self, connection: aiosqlite.Connection, change_id: int, lock: asyncio.Lock):
        self._connection = connection
        self._id = change_id
        self._lock: asyncio.Lock | None = lock

    @property
    def id(self) -> int:
        return self._id

    async def commit(self) -> None:
        try:
            await self._connection.commit()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                await self._connection.rollback()
            raise
        finally:
            self._release()

    async def rollback(self) -> None:
        try:
            await self._connection.rollback()
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _change(values: tuple[object, ...]) -> Change:
    return Change(
        id=int(str(values[0])),
        at=datetime.fromisoformat(str(values[1])),
        actor_id=str(values[2]),
        actor_name=str(values[3]),
        action=str(values[4]),
        target=None if values[5] is None else str(values[5]),
        before=None if values[6] is None else str(values[6]),
        after=None if values[7] is None else str(values[7]),
        detail=None if values[8] is None else str(values[8]),
        reverts=None if values[9] is None else int(str(values[9])),
    )


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


def _json_rows(rows: Sequence[QueryRow]) -> str | None:
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


def _feedback_row(r: FeedbackRecord) -> tuple[object, ...]:
    return (r.query_id, r.user_id, int(r.helpful), r.given_at.isoformat(timespec="milliseconds"))


def _pick_row(r: PickRecord) -> tuple[object, ...]:
    return (r.query_id, r.user_id, r.claim_id, r.picked_at.isoformat(timespec="milliseconds"))
