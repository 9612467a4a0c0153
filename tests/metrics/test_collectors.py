"""Collectors read their numbers at scrape time from the objects that own them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry

from bot.knowledge import load_knowledge
from bot.knowledge.loader import KnowledgeBase
from bot.metrics import GatewayCollector, GatewayState, KnowledgeCollector, QueryLogCollector
from tests.helpers import make_knowledge, shipped_knowledge


@dataclass
class Counters:
    pending: int = 0
    dropped: int = 0
    write_errors: int = 0


def test_the_query_log_is_read_at_each_scrape() -> None:
    registry = CollectorRegistry()
    counters = Counters()
    registry.register(QueryLogCollector(counters))
    assert registry.get_sample_value("ivkb_query_log_pending_rows") == 0

    counters.pending, counters.dropped, counters.write_errors = 7, 3, 2

    assert registry.get_sample_value("ivkb_query_log_pending_rows") == 7
    assert registry.get_sample_value("ivkb_query_log_dropped_rows_total") == 3
    assert registry.get_sample_value("ivkb_query_log_write_errors_total") == 2


def test_the_knowledge_base_answered_from_now_is_the_one_reported(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    current: list[KnowledgeBase] = [shipped_knowledge()]
    registry.register(KnowledgeCollector(lambda: current[0]))
    shipped = shipped_knowledge()
    assert registry.get_sample_value("ivkb_knowledge_base_claims") == len(shipped.claims)
    assert registry.get_sample_value("ivkb_knowledge_base_info", {"version": shipped.version}) == 1

    current[0] = small = load_knowledge(make_knowledge(tmp_path))  # a moderator's reload

    assert registry.get_sample_value("ivkb_knowledge_base_claims") == 1
    assert registry.get_sample_value("ivkb_knowledge_base_info", {"version": small.version}) == 1
    assert (
        registry.get_sample_value("ivkb_knowledge_base_info", {"version": shipped.version}) is None
    )


def test_each_shard_has_its_own_series() -> None:
    registry = CollectorRegistry()
    gateway = GatewayState(lambda: [(0, 0.05)], shards=[0])
    registry.register(GatewayCollector(gateway))
    assert registry.get_sample_value("ivkb_gateway_connected", {"shard": "0"}) == 0
    assert registry.get_sample_value("ivkb_gateway_connected", {"shard": "1"}) is None

    gateway.connected(0)
    gateway.connected(1)
    gateway.disconnected(1)
    gateway.resumed(1)
    gateway.disconnected(1)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("ivkb_gateway_connected", shard="0") == 1
    assert value("ivkb_gateway_connected", shard="1") == 0
    assert value("ivkb_gateway_disconnects_total", shard="1") == 2
    assert value("ivkb_gateway_reconnects_total", shard="1", kind="resume") == 1
    assert value("ivkb_gateway_reconnects_total", shard="1", kind="identify") == 0
    assert value("ivkb_gateway_latency_seconds", shard="0") == 0.05
    assert value("ivkb_gateway_latency_seconds", shard="1") is None
