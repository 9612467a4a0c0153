"""Metrics and the health check wired to the running bot (``BOT_METRICS_PORT``).

``run`` makes one :class:`Observability` with its own registry when the port is set:
its sink counts questions and votes on their way to the query log, the audit trail
tells it moderator actions, and once the bot exists :meth:`Observability.server`
follows the bot's gateway events and serves everything over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Self

import discord
from discord.ext import commands
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector

from bot.answering import AnswerService, RecordSink
from bot.metrics import (
    BotMetrics,
    GatewayCollector,
    GatewayState,
    Health,
    KnowledgeCollector,
    MeteredSink,
    MetricsServer,
    QueryLogCollector,
)
from bot.querylog import QueryLog


class Observability:
    """One run's metrics registry and what feeds it."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.metrics = BotMetrics(registry)

    @classmethod
    def create(cls) -> Self:
        """A fresh registry with the bot's metrics and the process's (memory, CPU, files)."""
        registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        return cls(registry)

    def sink(self, query_log: RecordSink) -> MeteredSink:
        """The sink to give ``AnswerService`` and the bot instead of ``query_log``."""
        return MeteredSink(query_log, self.metrics)

    def server(
        self,
        bot: commands.Bot | commands.AutoShardedBot,
        service: AnswerService,
        query_log: QueryLog,
        *,
        host: str,
        port: int,
    ) -> MetricsServer:
        """Follow ``bot``'s gateway, read ``query_log`` and ``service``'s knowledge base at
        each scrape, and serve them (call ``start`` on the result, before the bot starts)."""
        gateway = watch_gateway(bot)
        self.registry.register(GatewayCollector(gateway))
        self.registry.register(QueryLogCollector(query_log))
        self.registry.register(KnowledgeCollector(lambda: service.knowledge))
        health = Health(gateway, query_log)
        return MetricsServer(self.registry, health.problems, host=host, port=port)


def watch_gateway(
    bot: commands.Bot | commands.AutoShardedBot, *, clock: Callable[[], float] = time.monotonic
) -> GatewayState:
    """A :class:`GatewayState` kept up to date by ``bot``'s connection events.

    A sharded client says which shard in its ``shard_*`` events (it also sends the plain
    ones, which are not listened to, so nothing counts twice); a plain client is its one
    shard (``shard_id``, or 0). Every shard the bot is to run is expected from the start.
    """
    if isinstance(bot, discord.AutoShardedClient):
        sharded = bot
        expected = bot.shard_ids if bot.shard_ids is not None else range(bot.shard_count or 0)
        state = GatewayState(lambda: list(sharded.latencies), shards=expected, clock=clock)

        async def on_shard_connect(shard: int) -> None:
            state.connected(shard)

        async def on_shard_resumed(shard: int) -> None:
            state.resumed(shard)

        async def on_shard_disconnect(shard: int) -> None:
            state.disconnected(shard)

        bot.add_listener(on_shard_connect)
        bot.add_listener(on_shard_resumed)
        bot.add_listener(on_shard_disconnect)
        return state

    shard = bot.shard_id or 0
    state = GatewayState(lambda: [(shard, bot.latency)], shards=[shard], clock=clock)

    async def on_connect() -> None:
        state.connected(shard)

    async def on_resumed() -> None:
        state.resumed(shard)

    async def on_disconnect() -> None:
        state.disconnected(shard)

    bot.add_listener(on_connect)
    bot.add_listener(on_resumed)
    bot.add_listener(on_disconnect)
    return state
