"""What every back end shares: a question's row, and database URLs without their secrets."""

from __future__ import annotations

import pytest

from bot.storage.base import QUERY_COLUMNS, query_row, redacted
from tests.helpers import ASKED_AT, query_record


def test_a_questions_row_follows_the_columns_with_its_time_to_the_millisecond() -> None:
    row = query_row(query_record("q1", user_id="u1", language="fa"))

    assert dict(zip(QUERY_COLUMNS, row, strict=True)) == {
        "id": "q1",
        "asked_at": ASKED_AT.isoformat(timespec="milliseconds"),
        "adapter": "cli",
        "guild_id": None,
        "channel_id": None,
        "user_id": "u1",
        "question": "What did Venezuela import from Iran in 2020?",
        "outcome": "answered",
        "claim_id": "venezuela-imported-iranian-gasoline-2020",
        "score": 97.5,
        "latency_ms": 1.25,
        "kb_version": "0123456789ab",
        "language": "fa",
    }


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bot:s3cret@db.internal:5432/ivkb", "postgresql://bot@db.internal:5432/ivkb"),
        ("postgres://db/ivkb?password=s3cret&sslmode=require", "postgres://db/ivkb"),
        ("postgresql://bot:s3cret@[::1]:6432/ivkb", "postgresql://bot@[::1]:6432/ivkb"),
        ("postgresql://bot:s3cret@db:notaport/ivkb", "postgresql://bot@db/ivkb"),
        ("postgresql:///ivkb?host=/run/postgresql", "postgresql:///ivkb"),
    ],
)
def test_a_url_is_shown_without_its_password_or_query(url: str, shown: str) -> None:
    assert redacted(url) == shown
