"""What ``BOT_METRICS_PORT`` costs: ``python -m bench.metrics_bench [--records N] [--scrapes N]``.

- **Per question**: ``MeteredSink.record`` against handing the same records straight to
  the sink it wraps (a sink that keeps nothing), so the difference is the counting alone;
  beside it, what answering one question costs in the same run (``AnswerService.ask`` on
  the real knowledge base, generated questions), to read the counting as a share of it.
- **Per scrape**: rendering ``/metrics`` (``generate_latest`` on the bot's registry: its
  metrics, the query log, knowledge base and gateway collectors, the process collector)
  for 1 and 16 shards, and a full HTTP round trip of ``/metrics`` and ``/healthz`` on
  loopback, which is how long the bot's event loop is busy per scrape at most.
- **Start-up**: importing prometheus_client and aiohttp's server after discord.py, which
  ``run`` pays only when the port is set.

Prints one JSON object; nothing here is asserted (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.exposition import generate_latest

from bench.measure import latency_summary, load_kb
from bench.synthetic import generated_questions
from bot.answering import AnswerService, Asker
from bot.matching import build_matcher
from bot.metrics import (
    BotMetrics,
    GatewayCollector,
    GatewayState,
    Health,
    KnowledgeCollector,
    MeteredSink,
    MetricsServer,
)
from bot.metrics.collectors import QueryLogCollector
from bot.querylog.records import FeedbackRecord, LogRecord, QueryRecord

ASKED_AT = datetime(2025, 3, 1, tzinfo=UTC)


class NullSink:
    def record(self, record: LogRecord) -> None:
        return None


@dataclass
class QueryLogFigures:
    pending: int = 12
    dropped: int = 0
    write_errors: int = 0
    trouble: str | None = None


def _records(count: int) -> list[LogRecord]:
    outcomes = ("answered", "ambiguous", "unknown")
    languages = ("en", "es", "fa", "other")
    records: list[LogRecord] = []
    for number in range(count):
        if number % 10 == 9:
            records.append(FeedbackRecord(f"q{number}", "u", number % 2 == 0, ASKED_AT))
            continue
        records.append(
            QueryRecord(
                id=f"q{number}",
                asked_at=ASKED_AT,
                adapter="discord",
                question="What did Venezuela import from Iran in 2020?",
                outcome=outcomes[number % 3],
                claim_id=None,
                score=None,
                latency_ms=0.3 + (number % 50) / 10,
                kb_version="0123456789ab",
                language=languages[number % 4],
            )
        )
    return records


def _per_record_ns(records: Sequence[LogRecord], repeats: int = 5) -> dict[str, float]:
    plain = NullSink()
    metered = MeteredSink(plain, BotMetrics(CollectorRegistry()))

    def best(record: Any) -> float:
        runs = []
        for _ in range(repeats):
            started = time.perf_counter_ns()
            for item in records:
                record(item)
            runs.append((time.perf_counter_ns() - started) / len(records))
        return min(runs)

    bare, counted = best(plain.record), best(metered.record)
    return {"bare_ns": bare, "metered_ns": counted, "added_ns": counted - bare}


def _question_ns(count: int = 2000) -> float:
    """Median time of ``AnswerService.ask`` (matching and recording, lexical matcher)."""
    knowledge = load_kb("real")
    service = AnswerService(knowledge, build_matcher(knowledge), NullSink())
    asker = Asker("bench", user_id="1")
    questions = [q.text for q in generated_questions(knowledge, count)]
    for question in questions[:100]:
        service.ask(question, asker)
    times = []
    for question in questions:
        started = time.perf_counter_ns()
        service.ask(question, asker)
        times.append(time.perf_counter_ns() - started)
    return statistics.median(times)


def _registry(shards: int) -> tuple[CollectorRegistry, GatewayState, QueryLogFigures]:
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    sink = MeteredSink(NullSink(), BotMetrics(registry))
    for record in _records(1000):
        sink.record(record)
    gateway = GatewayState(lambda: [(shard, 0.04) for shard in range(shards)])
    for shard in range(shards):
        gateway.connected(shard)
    figures = QueryLogFigures()
    knowledge = load_kb("real")
    registry.register(GatewayCollector(gateway))
    registry.register(QueryLogCollector(figures))
    registry.register(KnowledgeCollector(lambda: knowledge))
    return registry, gateway, figures


def _render(shards: int, scrapes: int) -> dict[str, float]:
    registry, _, _ = _registry(shards)
    generate_latest(registry)
    times = []
    for _ in range(scrapes):
        started = time.perf_counter_ns()
        body = generate_latest(registry)
        times.append(time.perf_counter_ns() - started)
    summary = latency_summary(times)
    return {"p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"], "bytes": len(body)}


async def _http(scrapes: int) -> dict[str, dict[str, float]]:
    registry, gateway, figures = _registry(1)
    health = Health(gateway, figures)
    async with (
        MetricsServer(registry, health.problems, host="127.0.0.1", port=0) as server,
        aiohttp.ClientSession() as session,
    ):
        results = {}
        for path in ("/metrics", "/healthz"):
            url = f"http://127.0.0.1:{server.port}{path}"
            times = []
            for _ in range(scrapes):
                started = time.perf_counter_ns()
                async with session.get(url) as response:
                    await response.read()
                times.append(time.perf_counter_ns() - started)
            summary = latency_summary(times)
            results[path] = {"p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"]}
        return results


_IMPORT = """
import time, discord, bot.discordbot.runner
started = time.perf_counter()
import bot.discordbot.observability
print(time.perf_counter() - started)
"""


def _import_ms(runs: int = 5) -> float:
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", _IMPORT], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs + 1)
    ][1:]  # the first writes byte-code caches
    return statistics.median(times) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_bench")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--scrapes", type=int, default=1000)
    args = parser.parse_args(argv)
    figures = {
        "per_record": _per_record_ns(_records(args.records)),
        "question_median_ns": _question_ns(),
        "render_1_shard": _render(1, args.scrapes),
        "render_16_shards": _render(16, args.scrapes),
        "http": asyncio.run(_http(args.scrapes)),
        "import_ms": _import_ms(),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
