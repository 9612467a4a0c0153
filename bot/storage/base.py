"""The storage interface: everything the bot keeps in a database goes through it.

:class:`Storage` is implemented twice, by :class:`bot.storage.sqlite.SqliteStorage` and
:class:`bot.storage.postgres.PostgresStorage`; ``tests/storage`` runs one suite against
both, so they cannot drift. The query log (``bot.querylog.QueryLog``) queues rows and
hands them to :meth:`Storage.write_log` in batches; the audit trail
(``bot.moderation.audit.AuditTrail``) writes through :meth:`Storage.begin_change`; the
reports (``python -m bot stats``/``misses``, ``/kb stats``/``misses``) read through the
rest.

This module imports nothing from ``bot`` at run time: ``bot.querylog.log`` imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.moderation.audit import Change
    from bot.moderation.misses import Miss
    from bot.querylog.records import FeedbackRecord, PickRecord, QueryRecord
    from bot.querylog.stats import DayCounts, Stats

QUERY_COLUMNS = (
    "id",
    "asked_at",
    "adapter",
    "guild_id",
    "channel_id",
    "user_id",
    "question",
    "outcome",
    "claim_id",
    "score",
    "latency_ms",
    "kb_version",
    "language",
)
"""A question's row, as :func:`query_row` makes it and :meth:`Storage.write_log` takes it."""

QueryRow = tuple[object, ...]
"""A question as a row in the order of :data:`QUERY_COLUMNS`, its time as ISO 8601 text."""


def query_row(r: QueryRecord) -> QueryRow:
    """The row for one question: made when it is recorded (a few microseconds spent by
    the asker), not by the writer for thousands of rows at once."""
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


class StorageUnavailableError(RuntimeError):
    """The database cannot be reached or written now; the message is one line, names it
    (never with a password) and says why."""


@dataclass(frozen=True)
class NewChange:
    """An entry for the moderators' change log, before it has an id."""

    at: datetime
    actor_id: str
    actor_name: str
    action: str
    target: str | None
    before: str | None = None
    after: str | None = None
    detail: str | None = None
    reverts: int | None = None


class PendingChange(Protocol):
    """A change-log entry written but not committed: the audit trail commits it once the
    file it describes is written, and rolls it back if that fails."""

    @property
    def id(self) -> int: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class Storage(Protocol):
    """The query log's, the reports' and the change log's database."""

    @property
    def kind(self) -> str:
        """``sqlite`` or ``postgresql``."""
        ...

    @property
    def where(self) -> str:
        """The database for messages: a file path, or a URL without its password."""
        ...

    @property
    def transient(self) -> tuple[type[BaseException], ...]:
        """Errors that mean the database is unavailable for now (locked, unreachable,
        restarting, full): the writer keeps its rows and tries again; anything else is a
        bug, which retrying cannot fix."""
        ...

    # -- the query log ------------------------------------------------------------------

    async def write_log(
        self,
        queries: Sequence[QueryRow],
        votes: Sequence[FeedbackRecord],
        picks: Sequence[PickRecord],
    ) -> None:
        """Write one batch in one transaction, or nothing. A question already stored
        (same id) is left alone, so a batch may be written again after a failure whose
        commit did in fact land; a vote or pick replaces the member's earlier one, the
        later of two in one batch winning."""
        ...

    async def forget_user(self, stored_user_id: str) -> int:
        """Delete the member's questions, their votes and picks and the votes and picks
        on their questions; how many questions."""
        ...

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete questions asked before ``cutoff`` with their votes and picks, and picks
        made before it; how many questions."""
        ...

    # -- reports ------------------------------------------------------------------------

    async def read_stats(self, *, since: datetime | None = None, top: int = 10) -> Stats: ...

    async def read_daily(
        self, *, until: datetime, since: datetime | None = None
    ) -> list[DayCounts]: ...

    async def find_misses(
        self, *, since: datetime | None = None, limit: int = 10
    ) -> list[Miss]: ...

    async def question_of(self, query_id: str) -> str | None: ...

    # -- the moderators' change log -----------------------------------------------------

    async def begin_change(self, change: NewChange) -> PendingChange:
        """Insert ``change`` in a transaction left open (one at a time: a second waits)."""
        ...

    async def change(self, change_id: int) -> Change | None: ...

    async def changes(self, target: str | None = None, *, limit: int = 20) -> list[Change]:
        """The newest first, of one target or of everything."""
        ...

    async def last_change(self, target: str) -> Change | None:
        """The newest change to ``target`` that is not a refusal."""
        ...

    async def close(self) -> None: ...


def redacted(url: str) -> str:
    """``url`` without its password (and without its query, which may hold one)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # not a number: left out rather than echoed
        port = None
    netloc = f"{host}:{port}" if port else host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return f"{parts.scheme}://{netloc}{parts.path}"
