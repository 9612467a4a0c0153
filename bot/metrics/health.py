"""The health check: connected to the gateway and the query log writing, or why not."""

from __future__ import annotations

from typing import Protocol

from bot.metrics.gateway import GatewayState


class WritingLog(Protocol):
    """What the health check reads of the query log (:class:`bot.querylog.QueryLog`)."""

    @property
    def trouble(self) -> str | None: ...


class Health:
    """Healthy while every shard is connected and the query log is writing.

    Read live at each request: the answer is never older than the request. A queue that
    is merely long is not a problem (the writer catches up); a writer that stopped or
    whose database keeps failing is.
    """

    def __init__(self, gateway: GatewayState, query_log: WritingLog) -> None:
        self._gateway = gateway
        self._query_log = query_log

    def problems(self) -> list[str]:
        """Every reason the bot is unhealthy now; empty when it is healthy."""
        found = self._gateway.problems()
        trouble = self._query_log.trouble
        if trouble is not None:
            found.append(trouble)
        return found
