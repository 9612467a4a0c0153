"""What the query log stores: one row per question, one per feedback vote, one per pick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QueryRecord:
    """One question as asked and answered. Ids are text: raw, hashed or absent."""

    id: str
    asked_at: datetime
    adapter: str
    question: str
    outcome: str
    claim_id: str | None
    score: float | None
    latency_ms: float
    kb_version: str
    guild_id: str | None = None
    channel_id: str | None = None
    user_id: str | None = None
    language: str | None = None
    """The question's language as detected (en, es, fa, other); None in rows from before."""


@dataclass(frozen=True)
class FeedbackRecord:
    """A member's verdict on an answer; a later vote by the same member replaces it."""

    query_id: str
    user_id: str
    helpful: bool
    given_at: datetime


@dataclass(frozen=True)
class PickRecord:
    """A member's pick among the candidates offered for a question ("did you mean", or the
    related claims of an "I don't know"); a later pick by the same member replaces it.

    ``user_id`` is stored as the privacy setting says ("" when ids are not stored), like
    a vote's."""

    query_id: str
    claim_id: str
    user_id: str
    picked_at: datetime


LogRecord = QueryRecord | FeedbackRecord | PickRecord
