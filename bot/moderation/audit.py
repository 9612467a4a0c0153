"""The moderators' audit trail: who changed what, when, with the exact text before and after.

It lives in the query log's database (schema migration 2: the SQLite file, or the
cluster's PostgreSQL) but on its own connection: an audit row is written in the same
breath as the file it describes (see :meth:`AuditTrail.recording`), and must never be
caught in a rollback of the query log's batched writes.

When the database cannot be written (PostgreSQL unreachable, SQLite locked), a change
is refused before its file is touched, with :class:`AuditUnavailableError`: a
:class:`~bot.moderation.errors.ModerationError`, so the moderator is told why.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Self

import aiosqlite

from bot.moderation.errors import ModerationError
from bot.storage.base import NewChange

if TYPE_CHECKING:
    from bot.storage.base import Storage

log = logging.getLogger(__name__)


class AuditUnavailableError(ModerationError):
    """The change log's database cannot be reached or written: the change was refused."""


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


class AuditTrail:
    """Append-only record of knowledge changes, and refused attempts at them."""

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_change: Callable[[str], None] | None = None,
        owns_storage: bool = False,
    ) -> None:
        self.storage = storage
        self._clock = clock
        self._on_change = on_change
        """Told each committed entry's action (the metrics count moderator actions by it)."""
        self._owns_storage = owns_storage

    @classmethod
    async def open(
        cls, where: Path | Storage, *, on_change: Callable[[str], None] | None = None
    ) -> Self:
        """The trail in ``where``: a SQLite file (opened, migrated, and closed with the
        trail), or a storage already open (left open)."""
        if not isinstance(where, Path):
            return cls(where, on_change=on_change)
        from bot.storage.sqlite import SqliteStorage  # noqa: PLC0415 - it imports this module

        storage = await SqliteStorage.open(where)
        return cls(storage, on_change=on_change, owns_storage=True)

    @property
    def connection(self) -> aiosqlite.Connection:
        """The SQLite connection of the trail's file (AttributeError on another back end)."""
        from bot.storage.sqlite import SqliteStorage  # noqa: PLC0415 - it imports this module

        if not isinstance(self.storage, SqliteStorage):
            raise AttributeError(f"the audit trail is in {self.storage.kind}, not SQLite")
        return self.storage.connection

    async def close(self) -> None:
        if self._owns_storage:
            await self.storage.close()

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
        body fails, so the trail never shows a change that did not happen. If the database
        cannot take the entry, the body never runs (:class:`AuditUnavailableError`)."""
        entry = NewChange(
            at=self._clock(),
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            target=target,
            before=before,
            after=after,
            detail=detail,
            reverts=reverts,
        )
        try:
            pending = await self.storage.begin_change(entry)
        except self.storage.transient as exc:
            raise self._unavailable(exc, "Nothing was changed; try again in a minute.") from exc
        try:
            yield pending.id
        except BaseException:
            await pending.rollback()
            raise
        try:
            await pending.commit()
        except self.storage.transient as exc:
            # The file is written and the commit's fate unknown: say so rather than guess.
            raise self._unavailable(
                exc, "The change was made but may be missing from the change log (/kb history)."
            ) from exc
        if self._on_change is not None:
            self._on_change(action)

    async def record(
        self, actor: Actor, action: str, target: str | None, *, detail: str | None = None
    ) -> int:
        """Record an event with no file written alongside (a reload, a refusal)."""
        async with self.recording(actor, action, target, detail=detail) as change_id:
            return change_id

    async def get(self, change_id: int) -> Change | None:
        try:
            return await self.storage.change(change_id)
        except self.storage.transient as exc:
            raise self._unavailable(exc, "Try again in a minute.") from exc

    async def history(self, target: str | None = None, *, limit: int = 20) -> list[Change]:
        """The newest changes first, of one claim or source, or of everything."""
        try:
            return await self.storage.changes(target, limit=limit)
        except self.storage.transient as exc:
            raise self._unavailable(exc, "Try again in a minute.") from exc

    async def last_change(self, target: str) -> Change | None:
        """The newest real change to ``target`` (refusals excluded)."""
        try:
            return await self.storage.last_change(target)
        except self.storage.transient as exc:
            raise self._unavailable(exc, "Try again in a minute.") from exc

    def _unavailable(self, exc: BaseException, then: str) -> AuditUnavailableError:
        log.warning(
            "the change log in %s %s is unavailable: %s",
            self.storage.kind,
            self.storage.where,
            " ".join(str(exc).split()) or type(exc).__name__,
        )
        return AuditUnavailableError(
            f"The moderators' change log (the bot's database) cannot be reached right now. {then}"
        )
