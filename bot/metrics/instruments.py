"""The metrics counted as things happen: questions, answer latency, votes, moderator actions."""

from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.matching import Outcome
from bot.matching.language import DetectedLanguage
from bot.querylog.records import FeedbackRecord, LogRecord, QueryRecord

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
"""Seconds. Matching takes a few milliseconds (tens when the model is asked): the buckets
are finest there, and the last ones catch a stalled process."""
LANGUAGES: tuple[str, ...] = get_args(DetectedLanguage)


class BotMetrics:
    """Every counter, histogram and gauge the bot updates itself, on ``registry``.

    Each labelled series that can occur is created at zero, so that a rate over a series
    that has not happened yet is 0, not missing.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.questions = Counter(
            "ivkb_questions",
            "Questions answered, by outcome and by the question's language.",
            ["outcome", "language"],
            registry=registry,
        )
        self.answer_latency = Histogram(
            "ivkb_answer_latency_seconds",
            "Time to match a question to the knowledge base (the latency the query log stores).",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.feedback = Counter(
            "ivkb_feedback",
            "Votes cast on answers (a member who changes their vote counts again).",
            ["vote"],
            registry=registry,
        )
        self.moderator_actions = Counter(
            "ivkb_moderator_actions",
            "Entries written to the moderators' audit trail, by action (refused attempts too).",
            ["action"],
            registry=registry,
        )
        self.semantic = Gauge(
            "ivkb_semantic_matching_enabled",
            "1 when questions are also matched by meaning (the embedding model), 0 when lexical only.",
            registry=registry,
        )
        # Each series is looked up once here: ``labels()`` costs more than ``inc()`` itself.
        self._questions: dict[tuple[str, str], Counter] = {
            (outcome.value, language): self.questions.labels(outcome.value, language)
            for outcome in Outcome
            for language in LANGUAGES
        }
        self._votes = {True: self.feedback.labels("up"), False: self.feedback.labels("down")}

    def observe(self, record: LogRecord) -> None:
        """Count one record on its way to the query log (other kinds pass uncounted)."""
        if isinstance(record, QueryRecord):
            key = (record.outcome, record.language or "other")
            series = self._questions.get(key) or self.questions.labels(*key)
            series.inc()
            self.answer_latency.observe(record.latency_ms / 1000.0)
        elif isinstance(record, FeedbackRecord):
            self._votes[record.helpful].inc()

    def semantic_matching(self, *, on: bool) -> None:
        """Say whether the process's matchers use the embedding model (known once loaded)."""
        self.semantic.set(1 if on else 0)

    def moderator_action(self, action: str) -> None:
        """Count one committed audit-trail entry (``AuditTrail``'s ``on_change``)."""
        self.moderator_actions.labels(action).inc()
