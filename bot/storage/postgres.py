"""The cluster back end: one PostgreSQL database shared by every process, via asyncpg.

Each batch of the query log is one transaction of at most three statements, one per
table, each carrying the whole batch as arrays (``INSERT … SELECT … FROM unnest($1::text[],
…)``): a round trip per table whatever the batch's size. Not ``COPY``: it cannot skip a
question already stored, and a batch is written again whenever the server went away
before its commit was acknowledged (the commit may have landed), so ``ON CONFLICT DO
NOTHING`` is what makes a retry safe. Votes and picks are upserts; two for the same
member in one batch are folded first, the later winning (PostgreSQL refuses to update
one row twice in a statement).

Connections come from a small pool, each set to UTC. When the server is unreachable the
pool's connection attempts fail at once (or after ``connect_timeout``) with the errors
in :attr:`PostgresStorage.transient`, which the query log keeps retrying and the audit
trail turns into a refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

import asyncpg
import asyncpg.exceptions as pg_errors

from bot.moderation import misses
from bot.moderation.audit import Change
from bot.querylog.records import FeedbackRecord, PickRecord
from bot.querylog.stats import DayCounts, Stats
from bot.storage import pg_reports
from bot.storage.base import (
    QUERY_COLUMNS,
    NewChange,
    PendingChange,
    QueryRow,
    StorageUnavailableError,
    redacted,
)
from bot.storage.pg_reports import to_ms
from bot.storage.pg_schema import migrate_postgres

TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable: the server is down or the network is
    TimeoutError,  # connecting or a statement took too long
    asyncpg.InterfaceError,  # the connection was closed under us
    pg_errors.PostgresConnectionError,  # class 08: the connection failed or vanished
    pg_errors.OperatorInterventionError,  # class 57: shutting down, starting up, cancelled
    pg_errors.InsufficientResourcesError,  # class 53: disk full, too many connections
    pg_errors.TransactionRollbackError,  # class 40: a deadlock or serialization failure
    pg_errors.ReadOnlySQLTransactionError,  # a standby, during a failover
    pg_errors.InternalClientError,  # the connection died mid-statement (seen at a commit)
)
"""Errors after which the same write can succeed later."""

_REFUSALS: tuple[type[BaseException], ...] = (*TRANSIENT, asyncpg.PostgresError, ValueError)
"""Why a server may not let us in at start: unreachable, a wrong password or database
name (``PostgresError``), a malformed URL (``ValueError``)."""


_INSERT_QUERIES = f"""
    INSERT INTO queries ({", ".join(QUERY_COLUMNS)})
    SELECT id, asked_at::timestamptz, adapter, guild_id, channel_id, user_id, question,
           outcome, claim_id, score, latency_ms, kb_version, language
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::text[], $10::float8[], $11::float8[],
                $12::text[], $13::text[]) AS u ({", ".join(QUERY_COLUMNS)})
    ON CONFLICT (id) DO NOTHING
"""
_UPSERT_FEEDBACK = """
    INSERT INTO feedback (query_id, user_id, helpful, given_at)
    SELECT query_id, user_id, helpful, given_at::timestamptz
    FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[])
        AS u (query_id, user_id, helpful, given_at)
    ON CONFLICT (query_id, user_id) DO UPDATE SET helpful = excluded.helpful,
        given_at = excluded.given_at
"""
_UPSERT_PICKS = """
    INSERT INTO picks (query_id, user_id, claim_id, picked_at)
    SELECT query_id, user_id, claim_id, picked_at::timestamptz
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
        AS u (query_id, user_id, claim_id, picked_at)
    ON CONFLICT (query_id, user_id) DO UPDATE SET claim_id = excluded.claim_id,
        picked_at = excluded.picked_at
"""
_QUESTION = QUERY_COLUMNS.index("question")
_CHANGE_COLUMNS = "id, at, actor_id, actor_name, action, target, before, after, detail, reverts"


class PostgresStorage:
    """:class:`bot.storage.base.Storage` in a PostgreSQL database (``BOT_DATABASE_URL``)."""

    kind = "postgresql"
    transient = TRANSIENT

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.where = redacted(url)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        max_connections: int = 5,
        connect_timeout: float = 5.0,
        command_timeout: float = 30.0,
    ) -> Self:
        """Connect and migrate; :class:`StorageUnavailableError` (one line, no password)
        if the server cannot be reached or refuses us."""
        where = redacted(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=0,  # no floor for the pool to keep restoring during an outage
                max_size=max_connections,
                timeout=connect_timeout,
                command_timeout=command_timeout,
                server_settings={"timezone": "UTC", "application_name": "ivkb-bot"},
            )
        except _REFUSALS as exc:
            raise StorageUnavailableError(
                f"cannot connect to PostgreSQL at {where}: {_reason(exc)}"
            ) from exc
        try:
            try:
                connection = await pool.acquire()
            except _REFUSALS as exc:
                raise StorageUnavailableError(
                    f"cannot connect to PostgreSQL at {where}: {_reason(exc)}"
                ) from exc
            try:
                await migrate_postgres(connection)
            except _REFUSALS as exc:
                raise StorageUnavailableError(
                    f"cannot prepare the PostgreSQL database at {where}: {_reason(exc)}"
                ) from exc
            finally:
                await pool.release(connection)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url)

    async def close(self) -> None:
        try:
            async with asyncio.timeout(10):
                await self.pool.close()
        except TimeoutError:
            self.pool.terminate()

    # -- the query log ------------------------------------------------------------------

    async def write_log(
        self,
        queries: Sequence[QueryRow],
        votes: Sequence[FeedbackRecord],
        picks: Sequence[PickRecord],
    ) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            if queries:
                columns: list[list[Any]] = [list(column) for column in zip(*queries, strict=True)]
                columns[_QUESTION] = [_text(question) for question in columns[_QUESTION]]
                await connection.execute(_INSERT_QUERIES, *columns)
            if votes:
                latest = {(r.query_id, r.user_id): r for r in votes}.values()
                await connection.execute(
                    _UPSERT_FEEDBACK,
                    [r.query_id for r in latest],
                    [r.user_id for r in latest],
                    [r.helpful for r in latest],
                    [_stamp(r.given_at) for r in latest],
                )
            if picks:
                chosen = {(r.query_id, r.user_id): r for r in picks}.values()
                await connection.execute(
                    _UPSERT_PICKS,
                    [r.query_id for r in chosen],
                    [r.user_id for r in chosen],
                    [r.claim_id for r in chosen],
                    [_stamp(r.picked_at) for r in chosen],
                )

    async def forget_user(self, stored_user_id: str) -> int:
        async with self.pool.acquire() as connection, connection.transaction():
            for table in ("feedback", "picks"):
                await connection.execute(
                    f"DELETE FROM {table} WHERE user_id = $1 OR query_id IN "
                    "(SELECT id FROM queries WHERE user_id = $1)",
                    stored_user_id,
                )
            status = await connection.execute(
                "DELETE FROM queries WHERE user_id = $1", stored_user_id
            )
        return _count(status)

    async def purge_older_than(self, cutoff: datetime) -> int:
        stamp = to_ms(cutoff)
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "DELETE FROM feedback WHERE query_id IN (SELECT id FROM queries WHERE asked_at < $1)",
                stamp,
            )
            await connection.execute(
                "DELETE FROM picks WHERE picked_at < $1 OR query_id IN "
                "(SELECT id FROM queries WHERE asked_at < $1)",
                stamp,
            )
            status = await connection.execute("DELETE FROM queries WHERE asked_at < $1", stamp)
        return _count(status)

    # -- reports ------------------------------------------------------------------------

    async def read_stats(self, *, since: datetime | None = None, top: int = 10) -> Stats:
        async with self.pool.acquire() as connection:
            return await pg_reports.read_stats(connection, since=since, top=top)

    async def read_daily(
        self, *, until: datetime, since: datetime | None = None
    ) -> list[DayCounts]:
        async with self.pool.acquire() as connection:
            return await pg_reports.read_daily(connection, until=until, since=since)

    async def find_misses(
        self, *, since: datetime | None = None, limit: int = 10
    ) -> list[misses.Miss]:
        async with self.pool.acquire() as connection:
            return await pg_reports.find_misses(connection, since=since, limit=limit)

    async def question_of(self, query_id: str) -> str | None:
        async with self.pool.acquire() as connection:
            question = await connection.fetchval(
                "SELECT question FROM queries WHERE id = $1", query_id
            )
        return None if question is None else str(question)

    # -- the moderators' change log -----------------------------------------------------

    async def begin_change(self, change: NewChange) -> PendingChange:
        connection = await self.pool.acquire()
        try:
            transaction = connection.transaction()
            await transaction.start()
            change_id = await connection.fetchval(
                """INSERT INTO changes (at, actor_id, actor_name, action, target, before, after,
                                        detail, reverts)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id""",
                to_ms(change.at),
                change.actor_id,
                change.actor_name,
                change.action,
                change.target,
                _text(change.before),
                _text(change.after),
                _text(change.detail),
                change.reverts,
            )
        except BaseException:
            with contextlib.suppress(*TRANSIENT, asyncpg.PostgresError):
                await self.pool.release(connection)
            raise
        return _Pending(self.pool, connection, transaction, int(change_id))

    async def change(self, change_id: int) -> Change | None:
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE id = $1", change_id
            )
        return _change(row) if row else None

    async def changes(self, target: str | None = None, *, limit: int = 20) -> list[Change]:
        async with self.pool.acquire() as connection:
            if target:
                rows = await connection.fetch(
                    f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE target = $1"
                    " ORDER BY id DESC LIMIT $2",
                    target,
                    limit,
                )
            else:
                rows = await connection.fetch(
                    f"SELECT {_CHANGE_COLUMNS} FROM changes ORDER BY id DESC LIMIT $1", limit
                )
        return [_change(row) for row in rows]

    async def last_change(self, target: str) -> Change | None:
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE target = $1"
                " AND action != 'refused' ORDER BY id DESC LIMIT 1",
                target,
            )
        return _change(row) if row else None


class _Pending:
    """A change-log entry in an open transaction on a connection borrowed from the pool."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        connection: Any,
        transaction: Any,
        change_id: int,
    ) -> None:
        self._pool = pool
        self._connection = connection
        self._transaction = transaction
        self._id = change_id

    @property
    def id(self) -> int:
        return self._id

    async def commit(self) -> None:
        try:
            await self._transaction.commit()
        finally:
            await self._release()

    async def rollback(self) -> None:
        try:
            with contextlib.suppress(*TRANSIENT, asyncpg.PostgresError):
                await self._transaction.rollback()
        finally:
            await self._release()

    async def _release(self) -> None:
        with contextlib.suppress(*TRANSIENT, asyncpg.PostgresError):
            await self._pool.release(self._connection)


def _change(row: Any) -> Change:
    return Change(
        id=int(row[0]),
        at=row[1],
        actor_id=str(row[2]),
        actor_name=str(row[3]),
        action=str(row[4]),
        target=row[5],
        before=row[6],
        after=row[7],
        detail=row[8],
        reverts=None if row[9] is None else int(row[9]),
    )


def _text(value: str | None) -> str | None:
    """``value`` as PostgreSQL can store it: its text cannot hold NUL (SQLite's can), so
    a NUL becomes U+FFFD; so does a lone surrogate, which is not UTF-8."""
    if value is None or (value.isascii() and "\x00" not in value):
        return value
    cleaned = value.replace("\x00", "\ufffd")
    try:
        cleaned.encode()
    except UnicodeEncodeError:
        cleaned = cleaned.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return cleaned


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _count(status: str) -> int:
    """The row count of a command status such as ``DELETE 3``."""
    return int(status.rsplit(" ", 1)[-1])


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
