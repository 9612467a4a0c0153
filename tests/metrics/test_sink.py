"""The metered sink: every question and vote counted once, then passed on unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from bot.answering import AnswerService, Asker
from bot.matching import build_matcher
from bot.metrics import BotMetrics, MeteredSink
from bot.querylog.records import FeedbackRecord, LogRecord
from tests.discordbot.doubles import ANSWERED_QUESTION, RecordingSink
from tests.helpers import query_record, shipped_knowledge

GIVEN_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def count(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_records_are_counted_and_passed_on_unchanged() -> None:
    registry = CollectorRegistry()
    inner = RecordingSink()
    sink = MeteredSink(inner, BotMetrics(registry))
    records: list[LogRecord] = [
        query_record("q1", outcome="answered", language="es", latency_ms=2.0),
        query_record("q2", outcome="unknown", language="fa", latency_ms=30.0),
        query_record("q3", outcome="answered", language="es", latency_ms=4.0),
        FeedbackRecord("q1", "u1", helpful=True, given_at=GIVEN_AT),
        FeedbackRecord("q2", "u1", helpful=False, given_at=GIVEN_AT),
        FeedbackRecord("q2", "u2", helpful=False, given_at=GIVEN_AT),
    ]

    for record in records:
        sink.record(record)

    assert inner.records == records
    questions = "ivkb_questions_total"
    assert count(registry, questions, outcome="answered", language="es") == 2
    assert count(registry, questions, outcome="unknown", language="fa") == 1
    assert count(registry, questions, outcome="ambiguous", language="en") == 0  # made at zero
    assert count(registry, "ivkb_answer_latency_seconds_count") == 3
    assert count(registry, "ivkb_answer_latency_seconds_sum") == pytest.approx(0.036)
    assert count(registry, "ivkb_answer_latency_seconds_bucket", le="0.005") == 2
    assert count(registry, "ivkb_feedback_total", vote="up") == 1
    assert count(registry, "ivkb_feedback_total", vote="down") == 2


def test_a_question_from_before_languages_were_stored_counts_as_other() -> None:
    registry = CollectorRegistry()
    MeteredSink(RecordingSink(), BotMetrics(registry)).record(query_record(language=None))

    assert count(registry, "ivkb_questions_total", outcome="answered", language="other") == 1


async def test_the_answer_service_counts_what_it_records_through_the_sink() -> None:
    registry = CollectorRegistry()
    inner = RecordingSink()
    knowledge = shipped_knowledge()
    service = AnswerService(
        knowledge, build_matcher(knowledge), MeteredSink(inner, BotMetrics(registry))
    )

    answer = service.ask(ANSWERED_QUESTION, Asker("discord", user_id="7"))
    service.record_feedback(answer.query_id, "7", helpful=True)

    assert count(registry, "ivkb_questions_total", outcome="answered", language="en") == 1
    assert count(registry, "ivkb_feedback_total", vote="up") == 1
    assert len(inner.records) == 2


class ForgettingLog(RecordingSink):
    def __init__(self) -> None:
        super().__init__()
        self.forgotten: list[str] = []

    async def forget_user(self, stored_user_id: str) -> int:
        self.forgotten.append(stored_user_id)
        return 3


async def test_forgetting_a_member_goes_through_to_the_log() -> None:
    inner = ForgettingLog()
    service = AnswerService(
        shipped_knowledge(),
        build_matcher(shipped_knowledge()),
        MeteredSink(inner, BotMetrics(CollectorRegistry())),
    )

    assert await service.forget("42") == 3
    assert inner.forgotten == [service.user_ids.store("42")]


async def test_a_sink_that_cannot_forget_forgets_nothing() -> None:
    sink = MeteredSink(RecordingSink(), BotMetrics(CollectorRegistry()))

    assert await sink.forget_user("42") == 0
