"""Metrics read when Prometheus scrapes, from the objects that own the numbers.

The query log already counts what it drops, the knowledge base knows its version and
claims, the gateway state its shards: a collector reads them at scrape time instead of
keeping copies that could drift. Each ``collect`` runs on the event loop, between two
questions, and reads attributes only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from bot.knowledge.loader import KnowledgeBase
from bot.metrics.gateway import GatewayState


class LogCounters(Protocol):
    """What is read of the query log (:class:`bot.querylog.QueryLog`)."""

    @property
    def pending(self) -> int: ...

    @property
    def dropped(self) -> int: ...

    @property
    def write_errors(self) -> int: ...


class QueryLogCollector(Collector):
    """The query log's queue depth, rows dropped and failed writes."""

    def __init__(self, query_log: LogCounters) -> None:
        self._log = query_log

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "ivkb_query_log_pending_rows",
            "Questions and votes queued for the query log and not yet written.",
            value=self._log.pending,
        )
        yield CounterMetricFamily(
            "ivkb_query_log_dropped_rows",
            "Rows the query log gave up on (its queue was full, or the database stayed broken until shutdown).",
            value=self._log.dropped,
        )
        yield CounterMetricFamily(
            "ivkb_query_log_write_errors",
            "Failed attempts to write to the query log's database (each retry counts).",
            value=self._log.write_errors,
        )


class KnowledgeCollector(Collector):
    """The knowledge base being answered from now (moderators' edits and reloads replace it)."""

    def __init__(self, knowledge: Callable[[], KnowledgeBase]) -> None:
        self._knowledge = knowledge

    def collect(self) -> Iterator[Metric]:
        knowledge = self._knowledge()
        yield InfoMetricFamily(
            "ivkb_knowledge_base",
            "The version (content hash) of the knowledge base answers come from.",
            value={"version": knowledge.version},
        )
        yield GaugeMetricFamily(
            "ivkb_knowledge_base_claims",
            "Claims in the knowledge base answers come from.",
            value=len(knowledge.claims),
        )


class GatewayCollector(Collector):
    """Each shard's gateway connection, heartbeat latency, disconnects and reconnects."""

    def __init__(self, gateway: GatewayState) -> None:
        self._gateway = gateway

    def collect(self) -> Iterator[Metric]:
        shards = sorted(self._gateway.shards.items())
        connected = GaugeMetricFamily(
            "ivkb_gateway_connected",
            "1 while the shard is connected to the Discord gateway, 0 while it is not.",
            labels=["shard"],
        )
        disconnects = CounterMetricFamily(
            "ivkb_gateway_disconnects",
            "Times the shard's gateway connection was lost.",
            labels=["shard"],
        )
        reconnects = CounterMetricFamily(
            "ivkb_gateway_reconnects",
            "Times the shard came back after a loss: kind=resume kept the session, "
            "kind=identify had to start a new one (events in between were lost).",
            labels=["shard", "kind"],
        )
        for shard, state in shards:
            label = str(shard)
            connected.add_metric([label], 1 if state.connected else 0)
            disconnects.add_metric([label], state.disconnects)
            reconnects.add_metric([label, "resume"], state.resumes)
            reconnects.add_metric([label, "identify"], state.identifies)
        latency = GaugeMetricFamily(
            "ivkb_gateway_latency_seconds",
            "The shard's latest heartbeat round trip to the Discord gateway.",
            labels=["shard"],
        )
        for shard, seconds in self._gateway.latencies():
            latency.add_metric([str(shard)], seconds)
        yield from (connected, latency, disconnects, reconnects)
