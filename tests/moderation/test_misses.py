"""The misses report: failed questions grouped when near-identical, most frequent first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.moderation.misses import find_misses, group_misses, question_of
from bot.querylog import FeedbackRecord, PickRecord, QueryLog
from tests.helpers import ASKED_AT, query_record

HOUR = timedelta(hours=1)


def row(
    query_id: str, question: str, hours_ago: float = 0, outcome: str = "unknown", nope: bool = False
) -> tuple[object, ...]:
    """(query id, question, asked at, outcome, voted not helpful), as find_misses reads it."""
    asked_at = (ASKED_AT - hours_ago * HOUR).isoformat(timespec="milliseconds")
    return (query_id, question, asked_at, outcome, int(nope))


def test_near_duplicates_are_one_miss_under_their_most_frequent_wording() -> None:
    [miss] = group_misses(
        [
            row("q1", "How many ships sailed to Caracas?", 1),
            row("q2", "How many ship sailed to Caracas", 2),
            row("q3", "how many ships   sailed to caracas?", 3),
            row("q4", "How many ships sailed to Caracas?", 4),
        ]
    )

    assert miss.question == "How many ships sailed to Caracas?"
    assert miss.count == 4
    assert miss.query_id == "q1"  # the newest row with that wording
    assert miss.last_asked == ASKED_AT - HOUR
    assert miss.wordings[0] == "How many ships sailed to Caracas?"
    assert set(miss.wordings) == {
        "How many ships sailed to Caracas?",
        "How many ship sailed to Caracas",
        "how many ships sailed to caracas?",  # runs of spaces folded
    }


def test_different_questions_stay_apart_most_frequent_first_then_newest() -> None:
    misses = group_misses(
        [
            row("q1", "Who owns the shipping firms?", 1),
            row("q2", "When did the tankers arrive?", 2),
            row("q3", "Who owns those shipping firms?", 3),
            row("q4", "Did Iran sell drones to Venezuela?", 4),
        ]
    )

    assert [(m.question, m.count) for m in misses] == [
        ("Who owns the shipping firms?", 2),
        ("When did the tankers arrive?", 1),
        ("Did Iran sell drones to Venezuela?", 1),
    ]


def test_unanswered_and_not_helpful_are_counted_apart() -> None:
    [miss] = group_misses(
        [
            row("q1", "Did Iran send tankers?", outcome="answered", nope=True),
            row("q2", "Did Iran send tankers?", outcome="unknown"),
            row("q3", "did iran send tankers", outcome="ambiguous", nope=True),
        ]
    )

    assert (miss.count, miss.unanswered, miss.not_helpful) == (3, 1, 2)


def test_the_claims_members_picked_for_a_miss_are_counted_most_picked_first() -> None:
    [miss, other] = group_misses(
        [
            (*row("q1", "How many ships sailed to Caracas?", 1), "ships-sailed"),
            (*row("q2", "How many ship sailed to Caracas", 2), "ships-sailed tankers-sent"),
            (*row("q3", "how many ships sailed to caracas?", 3), "tankers-sent ships-sailed"),
            (*row("q4", "Who owns the shipping firms?", 4), None),
        ]
    )

    assert miss.picked == (("ships-sailed", 3), ("tankers-sent", 2))
    assert miss.top_pick == "ships-sailed"
    assert (other.picked, other.top_pick) == ((), None)


def test_no_rows_no_misses() -> None:
    assert group_misses([]) == []


@pytest.fixture
async def query_log(tmp_path: Path) -> AsyncIterator[QueryLog]:
    query_log = await QueryLog.open(tmp_path / "queries.sqlite3", retry_delay=0)
    yield query_log
    await query_log.close()


def log(
    query_log: QueryLog,
    query_id: str,
    question: str,
    *,
    outcome: str = "unknown",
    hours_ago: float = 0,
    helpful: bool | None = None,
) -> None:
    asked_at = ASKED_AT - hours_ago * HOUR
    claim_id = None if outcome == "unknown" else "tankers-sent"
    query_log.record(
        query_record(
            query_id, question=question, outcome=outcome, claim_id=claim_id, asked_at=asked_at
        )
    )
    if helpful is not None:
        query_log.record(FeedbackRecord(query_id, "u1", helpful, given_at=asked_at))


async def misses_in(
    query_log: QueryLog, since: datetime | None = None, limit: int = 10
) -> list[str]:
    async with asyncio.timeout(5):
        await query_log.flush()
    return [
        f"{m.question} ×{m.count}"
        for m in await find_misses(query_log.connection, since=since, limit=limit)
    ]


async def test_find_misses_reads_unanswered_and_not_helpful_questions_only(
    query_log: QueryLog,
) -> None:
    log(query_log, "q1", "Who owns the shipping firms?")
    log(query_log, "q2", "Who owns the shipping firms?", hours_ago=1)
    log(query_log, "q3", "Did Iran send tankers?", outcome="answered", helpful=False)
    log(query_log, "q4", "How many tankers did Iran send?", outcome="answered", helpful=True)
    log(query_log, "q5", "How many tankers did Iran send?", outcome="answered")
    log(query_log, "q6", "Iran oil", outcome="ambiguous")

    assert await misses_in(query_log) == [
        "Who owns the shipping firms? ×2",
        "Did Iran send tankers? ×1",
    ]


async def test_find_misses_since_a_date_and_at_most_limit(query_log: QueryLog) -> None:
    log(query_log, "q1", "Who owns the shipping firms?", hours_ago=1)
    log(query_log, "q2", "Who owns the shipping firms?", hours_ago=2)
    log(query_log, "q3", "Who owns the shipping firms?", hours_ago=50)
    log(query_log, "q4", "When did the tankers arrive?", hours_ago=3)
    log(query_log, "q5", "Did Iran sell drones to Venezuela?", hours_ago=4)

    since = ASKED_AT - 24 * HOUR
    assert await misses_in(query_log, since) == [
        "Who owns the shipping firms? ×2",
        "When did the tankers arrive? ×1",
        "Did Iran sell drones to Venezuela? ×1",
    ]
    assert await misses_in(query_log, since, limit=1) == ["Who owns the shipping firms? ×2"]
    assert await misses_in(query_log) == [
        "Who owns the shipping firms? ×3",
        "When did the tankers arrive? ×1",
        "Did Iran sell drones to Venezuela? ×1",
    ]


async def test_question_of_reads_one_logged_question(query_log: QueryLog) -> None:
    log(query_log, "q1", "Who owns the shipping firms?")
    async with asyncio.timeout(5):
        await query_log.flush()

    assert await question_of(query_log.connection, "q1") == "Who owns the shipping firms?"
    assert await question_of(query_log.connection, "nope") is None


async def test_find_misses_shows_what_members_picked_for_a_missed_question(
    query_log: QueryLog,
) -> None:
    log(query_log, "q1", "How many ships sailed to Caracas?")
    log(query_log, "q2", "How many ships sailed to Caracas?", hours_ago=1)
    log(query_log, "q3", "Who owns the shipping firms?", hours_ago=2)
    log(query_log, "q4", "Iran oil", outcome="ambiguous")  # picked, but not a miss
    query_log.record(PickRecord("q1", "tankers-sent", "u1", ASKED_AT))
    query_log.record(PickRecord("q2", "tankers-sent", "u2", ASKED_AT))
    query_log.record(PickRecord("q2", "ships-sailed", "u3", ASKED_AT))
    query_log.record(PickRecord("q4", "oil-exports", "u1", ASKED_AT))
    async with asyncio.timeout(5):
        await query_log.flush()

    found = await find_misses(query_log.connection)

    assert [(m.question, m.picked) for m in found] == [
        ("How many ships sailed to Caracas?", (("tankers-sent", 2), ("ships-sailed", 1))),
        ("Who owns the shipping firms?", ()),
    ]
