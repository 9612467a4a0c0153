"""One knowledge base for every process of a cluster: PostgreSQL orders and announces changes.

The YAML files on a volume the processes share stay the knowledge base; PostgreSQL (the
cluster's ``BOT_DATABASE_URL``) is its change log and its notifier. Nothing here is a
protocol of our own: it is PostgreSQL's advisory locks, transactions and LISTEN/NOTIFY.

**A change** (:meth:`KnowledgeSync.exclusive`, entered by the moderation service under
its own lock) opens a transaction and takes ``pg_advisory_xact_lock`` on
:data:`KB_LOCK`, so one change at a time runs in the whole cluster. Holding it, the
process compares the change log's newest id with the one its knowledge base reflects
and, if it is behind, reloads from disk *before* the moderation service re-checks the
change: the stale-edit check ("changed by X at T") is thus atomic across processes.
The change's entry is committed and its file written (crash-safely) inside the lock;
then ``NOTIFY ivkb_kb, '<change id>'`` and the commit that releases the lock.

**Every process listens** on a dedicated connection (asyncpg's ``add_listener``). A
notification of an id newer than what the process reflects wakes one worker, which
reloads from disk (validated by the loader; the matcher built off the event loop with
the process's factory; swapped in with ``AnswerService.replace_knowledge``), so many
notifications make one reload. The connection is re-established after a loss (with a
back-off), and each time it is, and at every keepalive, the process reads the change
log's newest id: a notification missed while disconnected (or never sent, if the
notifying connection died between its commit and its NOTIFY) is caught up on then.

Because every change that touches the files is entered and committed inside the one
lock, the change log's ids (refusals aside, which touch nothing and take no lock)
commit in increasing order, so "what have I missed" is one comparison of numbers.

**PostgreSQL unreachable**: a change is refused before anything is touched
(:class:`ClusterUnavailableError`, a moderation error the moderator sees); answering
goes on with the knowledge base in memory, and the listener keeps trying to reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Self

import asyncpg

from bot.answering import AnswerService
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.validation import KnowledgeError
from bot.matching import Matcher
from bot.moderation.audit import AuditUnavailableError
from bot.moderation.errors import ModerationError
from bot.storage.base import redacted
from bot.storage.postgres import TRANSIENT

log = logging.getLogger(__name__)

CHANNEL = "ivkb_kb"
"""The NOTIFY channel; the payload is the newest change id, in decimal."""

KB_LOCK = 0x69766B62_00000002
"""The advisory lock key of the knowledge base ("ivkb", 2; 1 is the migrations')."""

_NEWEST = "SELECT coalesce(max(id), 0) FROM changes WHERE action <> 'refused'"
_FAILURES: tuple[type[BaseException], ...] = (*TRANSIENT, asyncpg.PostgresError)


class ClusterUnavailableError(AuditUnavailableError):
    """The cluster's database cannot be reached: the change was refused, nothing changed."""


class KnowledgeSync:
    """Keeps this process's knowledge base the cluster's, and serialises changes to it.

    ``lock`` is the moderation service's (the writer's): reloads take it, so a reload
    never interleaves with a change made in this process.
    """

    def __init__(
        self,
        url: str,
        answers: AnswerService,
        lock: asyncio.Lock,
        matcher_factory: Callable[[KnowledgeBase], Matcher],
        *,
        connect_timeout: float = 5.0,
        lock_timeout: float = 30.0,
        keepalive: float = 10.0,
        retry_delay: float = 0.5,
        max_retry_delay: float = 10.0,
    ) -> None:
        self._url = url
        self.where = redacted(url)
        self.answers = answers
        self._lock = lock
        self._matcher_factory = matcher_factory
        self._connect_timeout = connect_timeout
        self._lock_timeout = lock_timeout
        self._keepalive = keepalive
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self.applied: int | None = None
        """The newest change id the knowledge base in memory reflects (None: not known yet)."""
        self._wanted = 0
        self._wake = asyncio.Event()
        self.listening = asyncio.Event()
        """Set while the listener is connected and has caught up on what it missed."""
        self.reloads = 0
        """Knowledge bases swapped in from disk because of other processes' changes."""
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifetime -----------------------------------------------------------------------

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="kb-listener"),
            asyncio.create_task(self._reload_forever(), name="kb-reloader"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- changes ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """The cluster-wide lock, this process caught up under it; NOTIFY after the body.

        The caller holds ``lock``. Refused with :class:`ClusterUnavailableError` if the
        database cannot be reached, before the body runs."""
        try:
            connection = await self._connect("ivkb-bot-change")
        except _FAILURES as exc:
            raise self._unavailable(exc) from exc
        try:
            transaction = connection.transaction()
            try:
                await transaction.start()
                await connection.execute(
                    "SELECT pg_advisory_xact_lock($1)", KB_LOCK, timeout=self._lock_timeout
                )
                newest = int(await connection.fetchval(_NEWEST))
            except TimeoutError as exc:
                raise ModerationError(
                    "Another change to the knowledge base is still being saved; try again"
                    " in a moment."
                ) from exc
            except _FAILURES as exc:
                raise self._unavailable(exc) from exc
            if self.applied is None or newest > self.applied:
                await self._reload(newest)
                if self.applied is None or self.applied < newest:
                    raise ModerationError(
                        "The knowledge files on disk do not load, so nothing can be checked"
                        " against them; /kb reload lists the problems."
                    )
            succeeded = False
            try:
                yield
                succeeded = True
            finally:
                await self._announce(connection, transaction, newest, succeeded=succeeded)
        finally:
            with contextlib.suppress(*_FAILURES):
                await connection.close(timeout=2)

    async def _announce(
        self, connection: Any, transaction: Any, before: int, *, succeeded: bool
    ) -> None:
        """After the body: NOTIFY the new change (if there is one), then commit, which
        delivers the notification and lets go of the lock. A failure here cannot undo a
        change already made and committed: it is logged, and the other processes catch up
        at their listener's next keepalive."""
        try:
            after = int(await connection.fetchval(_NEWEST))
            if after > before:
                await connection.execute("SELECT pg_notify($1, $2)", CHANNEL, str(after))
                if succeeded:
                    self.applied = after
            await transaction.commit()
        except _FAILURES as exc:
            log.warning(
                "could not announce a knowledge change on %s (other processes will catch up"
                " when their listener next reaches it): %s",
                self.where,
                _reason(exc),
            )

    # -- following the others -----------------------------------------------------------

    def _want(self, change_id: int) -> None:
        if change_id > self._wanted or self.applied is None:
            self._wanted = max(self._wanted, change_id)
            self._wake.set()

    def _notified(self, connection: object, pid: int, channel: str, payload: object) -> None:
        try:
            self._want(int(str(payload)))
        except ValueError:
            log.warning("ignored a notification on %s that is not a change id", channel)

    async def _listen_forever(self) -> None:
        delay = self._retry_delay
        while True:
            try:
                connection = await self._connect("ivkb-bot-listener")
            except _FAILURES as exc:
                log.warning(
                    "cannot listen for knowledge changes on %s (retrying in %.1f s): %s",
                    self.where,
                    delay,
                    _reason(exc),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_retry_delay)
                continue
            try:
                await self._listen_on(connection)
                delay = self._retry_delay
            except _FAILURES as exc:
                log.warning("lost the connection listening for knowledge changes: %s", _reason(exc))
            except Exception:  # a bug must not leave the process deaf for good
                log.exception("the knowledge change listener failed; starting it again")
                await asyncio.sleep(delay)
            finally:
                self.listening.clear()
                with contextlib.suppress(*_FAILURES):
                    connection.terminate()

    async def _listen_on(self, connection: Any) -> None:
        """Listen on ``connection`` until it is lost."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(CHANNEL, self._notified)
        # Listening first, then reading: nothing committed in between is missed.
        self._want(int(await connection.fetchval(_NEWEST)))
        self.listening.set()
        log.info("listening for knowledge changes on %s", self.where)
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self._keepalive)
            if not lost.is_set():
                # A keepalive (a silent network loss shows here) and a safety net for a
                # notification that was never sent.
                self._want(int(await connection.fetchval(_NEWEST, timeout=self._keepalive)))
        log.warning("lost the connection listening for knowledge changes")

    async def _reload_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            async with self._lock:
                if self.applied is None or self._wanted > self.applied:
                    try:
                        await self._reload(self._wanted)
                    except Exception:  # the next change or keepalive tries again
                        log.exception(
                            "reloading the knowledge base for change #%d failed", self._wanted
                        )

    async def _reload(self, change_id: int) -> None:
        """Load the files (which reflect at least ``change_id``: a change's file is
        written before its entry commits), swap them in if they differ; the caller holds
        ``lock``. A knowledge base that does not load is logged and left out."""
        current = self.answers.knowledge
        try:
            loaded = await asyncio.to_thread(load_knowledge, current.root)
        except KnowledgeError as exc:
            log.error(
                "the knowledge files changed by change #%d do not load; keeping version %s:\n%s",
                change_id,
                current.version,
                exc.report(),
            )
            return
        if loaded.version != current.version:
            matcher = await asyncio.to_thread(self._matcher_factory, loaded)
            self.answers.replace_knowledge(loaded, matcher)
            self.reloads += 1
            log.info(
                "knowledge base reloaded for change #%d: version %s, %d claims",
                change_id,
                loaded.version,
                len(loaded.claims),
            )
        self.applied = max(self.applied or 0, change_id)

    # -- helpers ------------------------------------------------------------------------

    async def _connect(self, name: str) -> Any:
        return await asyncpg.connect(
            self._url,
            timeout=self._connect_timeout,
            server_settings={"application_name": name},
        )

    def _unavailable(self, exc: BaseException) -> ClusterUnavailableError:
        log.warning("the cluster's database %s is unavailable: %s", self.where, _reason(exc))
        return ClusterUnavailableError(
            "The bot's database cannot be reached right now, and every process of the bot"
            " must hear of a change to the knowledge base, so none can be made. Nothing was"
            " changed; try again in a minute (answering goes on meanwhile)."
        )


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


__all__ = ["CHANNEL", "KB_LOCK", "ClusterUnavailableError", "KnowledgeSync"]
