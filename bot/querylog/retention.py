"""Deleting old questions: ``BOT_RETENTION_DAYS``, applied at start and then daily."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.querylog.log import QueryLog

log = logging.getLogger(__name__)
DAY = 24 * 3600.0


async def purge_forever(
    query_log: QueryLog,
    days: int,
    *,
    every: float = DAY,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Delete rows older than ``days`` now and every ``every`` seconds until cancelled;
    a failing database is logged and tried again next time, never fatal."""
    while True:
        try:
            deleted = await query_log.purge_older_than(clock() - timedelta(days=days))
            if deleted:
                log.info("retention: deleted %d questions older than %d days", deleted, days)
        except query_log.storage.transient as exc:  # locked, full, the server away
            log.warning("retention purge failed (%s); will try again", exc)
        await asyncio.sleep(every)
