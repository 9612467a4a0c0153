"""What a change to the knowledge base passes through before it is checked and written.

A single process needs nothing but the writer's own lock (:data:`NO_GATE`). Processes
sharing one knowledge directory need more: :class:`bot.moderation.cluster.KnowledgeSync`
holds a PostgreSQL advisory lock across the check, the write and the change log entry,
and brings the process up to date first, so the check sees every other process's
changes. This module imports nothing heavy: :mod:`bot.moderation.service` depends on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Protocol


class ChangeGate(Protocol):
    def exclusive(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Entered by :class:`~bot.moderation.service.ModerationService` while it holds
        the writer's lock, around everything from re-checking the current state to the
        swap: no other change to the knowledge base anywhere runs meanwhile, and the
        knowledge base in memory is the one on disk when the body starts. May raise a
        :class:`~bot.moderation.errors.ModerationError` (nothing was changed)."""
        ...


class _NoGate:
    """One process: the writer's lock is all the exclusion there is to have."""

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        yield


NO_GATE: ChangeGate = _NoGate()
