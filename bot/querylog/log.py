"""The query log: every question, its outcome, votes and picks, through a :class:`Storage`.

Writing must never delay or break an answer, so :meth:`QueryLog.record` only puts the
row on a bounded in-memory queue and returns; one writer task drains the queue in
batches, one transaction per batch, into SQLite (the default) or PostgreSQL (see
:mod:`bot.storage`). If the database fails (locked, read-only, disk full, the server
unreachable or restarting) the writer keeps the batch and retries; rows that arrive
while the queue is full are counted in :attr:`QueryLog.dropped` and warned about,
never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

import aiosqlite

from bot.querylog.records import FeedbackRecord, LogRecord, PickRecord, QueryRecord
from bot.storage.base import QueryRow, query_row

if TYPE_CHECKING:
    from bot.storage.base import Storage
    from bot.storage.sqlite import SqliteStorage

log = logging.getLogger(__name__)


class QueryLog:
    """Asynchronous, batched, failure-tolerant writer of the query log.

    Open it with :meth:`open` (or ``async with await QueryLog.open(path)``) and close
    it with :meth:`close`, which writes whatever is still queued.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        max_pending: int = 20_000,
        batch_size: int = 5000,
        retry_delay: float = 1.0,
        owns_storage: bool = True,
    ) -> None:
        self.storage = storage
        self._owns_storage = owns_storage
        """Close the storage with the log (it was opened for the log alone)."""
        self.dropped = 0
        """Rows given up on: the queue was full, or the database stayed broken until close."""
        self.write_errors = 0
        """Failed attempts to write a batch (each retry of a failing batch counts again)."""
        self.failing: str | None = None
        """Why the last attempt to write failed, while the writer is still retrying; None
        once a batch is written again (read by the health check)."""
        self._queue: asyncio.Queue[QueryRow | FeedbackRecord | PickRecord] = asyncio.Queue(
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
        where: Path | Storage,
        *,
        max_pending: int = 20_000,
        batch_size: int = 5000,
        retry_delay: float = 1.0,
        busy_timeout_ms: int = 5000,
    ) -> Self:
        """Start a log writing to ``where``: a path opens (creating it and its directory
        if needed), migrates and, on :meth:`close`, closes that SQLite file; a storage
        already open is written to as it is and left open."""
        if isinstance(where, Path):
            from bot.storage.sqlite import SqliteStorage  # noqa: PLC0415 - it imports this package

            storage: Storage = await SqliteStorage.open(where, busy_timeout_ms=busy_timeout_ms)
        else:
            storage = where
        query_log = cls(
            storage,
            max_pending=max_pending,
            batch_size=batch_size,
            retry_delay=retry_delay,
            owns_storage=isinstance(where, Path),
        )
        query_log.start()
        return query_log

    @property
    def connection(self) -> aiosqlite.Connection:
        """The SQLite connection the log writes through (tests and tools reach into it);
        AttributeError on another back end."""
        return self._sqlite.connection

    @property
    def path(self) -> Path | None:
        """The SQLite file, if the log writes to one (AttributeError on another back end)."""
        return self._sqlite.path

    @property
    def _sqlite(self) -> SqliteStorage:
        from bot.storage.sqlite import SqliteStorage  # noqa: PLC0415 - it imports this package

        if not isinstance(self.storage, SqliteStorage):
            raise AttributeError(f"the query log is in {self.storage.kind}, not SQLite")
        return self.storage

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
            self._queue.put_nowait(query_row(record) if isinstance(record, QueryRecord) else record)
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
        if self._owns_storage:
            await self.storage.close()

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
                except self.storage.transient as exc:
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
        return await self.storage.forget_user(stored_user_id)

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete questions asked before ``cutoff`` (and their votes and picks, and picks made
        before it whatever their question); how many questions."""
        return await self.storage.purge_older_than(cutoff)

    async def _write(self, batch: Sequence[QueryRow | FeedbackRecord | PickRecord]) -> None:
        await self.storage.write_log(
            [r for r in batch if isinstance(r, tuple)],
            [r for r in batch if isinstance(r, FeedbackRecord)],
            [r for r in batch if isinstance(r, PickRecord)],
        )
