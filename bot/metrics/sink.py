"""A record sink that counts what passes through it: the seam where questions are metered."""

from __future__ import annotations

from bot.answering import ForgettingSink, RecordSink
from bot.metrics.instruments import BotMetrics
from bot.querylog.records import LogRecord


class MeteredSink:
    """Counts every question and vote in :class:`BotMetrics`, then hands it to ``inner``.

    It stands where the query log stood (``AnswerService``'s sink), so every record is
    counted exactly once whichever adapter produced it, and the answering code knows
    nothing of metrics. It forgets members through ``inner`` too, so ``/forget-me``
    keeps working behind it.
    """

    def __init__(self, inner: RecordSink, metrics: BotMetrics) -> None:
        self.inner = inner
        self._metrics = metrics

    def record(self, record: LogRecord) -> None:
        self._metrics.observe(record)
        self.inner.record(record)

    async def forget_user(self, stored_user_id: str) -> int:
        if isinstance(self.inner, ForgettingSink):
            return await self.inner.forget_user(stored_user_id)
        return 0
