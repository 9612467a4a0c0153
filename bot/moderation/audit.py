"""The moderators' audit trail: who changed what, when, with the exact text before and after.

It lives in the query log's SQLite file (schema migration 2) but on its own
connection: an audit row is written in the same breath as the file it describes
(see :meth:`AuditTrail.recording`), and must never be caught in a rollback of the
query log's batched writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import aiosqlite

from bot.querylog.schema import migrate


@dataclass(frozen=True)
class Actor:
    """A moderator (or someone refused as one), as Discord names them."""

    id: str
    name: str


@dataclass(frozen=True)
class Change:
    id: int
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    target: str | None
    before: str | None
    after: str | None
    detail: str | None
    reverts: int | None


_COLUMNS = "id, at, actor_id, actor_name, action, target, before, after, detail, reverts"


def _change(row: aiosqlite.Row | tuple[object, ...]) -> Change:
    values = tuple(row)
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


class AuditTrail:
    """Append-only record of knowledge changes, and refused attempts at them."""

    def __init__(
        self,
        connection: aiosqlite.Connection,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.connection = connection
        self._clock = clock
        self._on_change = on_change
        """Told each committed entry's action (the metrics count moderator actions by it)."""

    @classmethod
    async def open(cls, path: Path, *, on_change: Callable[[str], None] | None = None) -> Self:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path)
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA busy_timeout = 5000")
            await migrate(connection)
        except BaseException:
            await connection.close()
            raise
        return cls(connection, on_change=on_change)

    async def close(self) -> None:
        await self.connection.close()

    @contextlib.asynccontextmanager
    async def recording(
        self,
        actor: Actor,
        action: str,
        target: str | None,
        *,
        before: str | None = None,
        after: str | None = None,
        detail: str | None = None,
        reverts: int | None = None,
    ) -> AsyncIterator[int]:
        """Insert the change, run the body (the file write), then commit; roll back if the
        body fails, so the trail never shows a change that did not happen."""
        cursor = await self.connection.execute(
            "INSERT INTO changes (at, actor_id, actor_name, action, target, before, after, detail, reverts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self._clock().isoformat(timespec="milliseconds"),
                actor.id,
                actor.name,
                action,
                target,
                before,
                after,
                detail,
                reverts,
            ),
        )
        change_id = int(cursor.lastrowid or 0)
        try:
            yield change_id
        except BaseException:
            await self.connection.rollback()
            raise
        await self.connection.commit()
        if self._on_change is not None:
            self._on_change(action)

    async def record(
        self, actor: Actor, action: str, target: str | None, *, detail: str | None = None
    ) -> int:
        """Record an event with no file written alongside (a reload, a refusal)."""
        async with self.recording(actor, action, target, detail=detail) as change_id:
            return change_id

    async def get(self, change_id: int) -> Change | None:
        async with self.connection.execute(
            f"SELECT {_COLUMNS} FROM changes WHERE id = ?", (change_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _change(row) if row else None

    async def history(self, target: str | None = None, *, limit: int = 20) -> list[Change]:
        """The newest changes first, of one claim or source, or of everything."""
        where, params = ("WHERE target = ?", (target, limit)) if target else ("", (limit,))
        async with self.connection.execute(
            f"SELECT {_COLUMNS} FROM changes {where} ORDER BY id DESC LIMIT ?", params
        ) as cursor:
            return [_change(row) for row in await cursor.fetchall()]

    async def last_change(self, target: str) -> Change | None:
        """The newest real change to ``target`` (refusals excluded)."""
        async with self.connection.execute(
            f"SELECT {_COLUMNS} FROM changes WHERE target = ? AND action != 'refused' ORDER BY id DESC LIMIT 1",
            (target,),
        ) as cursor:
            row = await cursor.fetchone()
        return _change(row) if row else None
