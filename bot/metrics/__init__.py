"""What operators watch: Prometheus metrics and the health check of ``python -m bot run``.

Nothing here imports ``discord``: the records are counted as they pass into the query
log (:class:`MeteredSink`), the query log, knowledge base and gateway are read when
Prometheus scrapes (the collectors), and ``bot.discordbot.observability`` wires them to
the running bot. Every metric is registered on a registry the caller passes in, never
on prometheus_client's process-wide default one.
"""

from bot.metrics.collectors import GatewayCollector, KnowledgeCollector, QueryLogCollector
from bot.metrics.gateway import GatewayState, ShardState
from bot.metrics.health import Health
from bot.metrics.instruments import BotMetrics
from bot.metrics.server import MetricsServer
from bot.metrics.sink import MeteredSink

__all__ = [
    "BotMetrics",
    "GatewayCollector",
    "GatewayState",
    "Health",
    "KnowledgeCollector",
    "MeteredSink",
    "MetricsServer",
    "QueryLogCollector",
    "ShardState",
]
