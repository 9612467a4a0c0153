"""Reports over the query log: answer rate, top and unanswered questions, feedback."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.querylog import FeedbackRecord, QueryLog, Stats, read_stats
from bot.querylog.stats import DayCounts, read_daily
from tests.helpers import ASKED_AT, query_record

DAY = timedelta(days=1)


async def stats_of(query_log: QueryLog, *, since: datetime | None = None, top: int = 10) -> Stats:
    async with asyncio.timeout(5):
        await query_log.flush()
    return await read_stats(query_log.connection, since=since, top=top)


def fill(query_log: QueryLog) -> None:
    """Six questions over three days, and four votes on them."""
    rows = [
        ("q1", "What did Venezuela import?", "answered", "gasoline", ASKED_AT - 2 * DAY),
        ("q2", "what did venezuela import?", "answered", "gasoline", ASKED_AT),
        ("q3", "  WHAT DID VENEZUELA IMPORT?  ", "answered", "gasoline", ASKED_AT),
        ("q4", "Best pizza topping?", "unknown", None, ASKED_AT - 2 * DAY),
        ("q5", "best PIZZA topping?", "unknown", None, ASKED_AT),
        ("q6", "Oil?", "ambiguous", "oil-reserves", ASKED_AT),
    ]
    for query_id, question, outcome, claim_id, asked_at in rows:
        query_log.record(
            query_record(
                query_id,
                question=question,
                outcome=outcome,
                claim_id=claim_id,
                asked_at=asked_at,
            )
        )
    for query_id, user_id, helpful in [
        ("q1", "u1", True),
        ("q2", "u1", True),
        ("q2", "u2", False),
        ("q4", "u3", False),
    ]:
        query_log.record(FeedbackRecord(query_id, user_id, helpful=helpful, given_at=ASKED_AT))


async def test_an_empty_log_has_zero_counts_and_rates(query_log: QueryLog) -> None:
    stats = await stats_of(query_log)

    assert stats == Stats(0, 0, 0, 0, 0, 0, [], [], [])
    assert (stats.answer_rate, stats.unknown_rate) == (0.0, 0.0)


async def test_counts_by_outcome_and_the_answer_rate(query_log: QueryLog) -> None:
    fill(query_log)

    stats = await stats_of(query_log)

    assert (stats.questions, stats.answered, stats.ambiguous, stats.unknown) == (6, 3, 1, 2)
    assert stats.answer_rate == 0.5
    assert stats.unknown_rate == 2 / 6


async def test_top_questions_are_grouped_ignoring_case_and_outer_spaces(
    query_log: QueryLog,
) -> None:
    fill(query_log)

    stats = await stats_of(query_log)

    assert stats.top_questions == [
        ("what did venezuela import?", 3),
        ("best pizza topping?", 2),
        ("oil?", 1),
    ]
    assert stats.top_unanswered == [("best pizza topping?", 2)]
    assert stats.top_claims == [("gasoline", 3)]  # ambiguous answers do not count


async def test_helpful_and_unhelpful_votes_are_counted(query_log: QueryLog) -> None:
    fill(query_log)

    stats = await stats_of(query_log)

    assert (stats.helpful, stats.not_helpful) == (2, 2)


async def test_top_limits_each_list(query_log: QueryLog) -> None:
    fill(query_log)

    stats = await stats_of(query_log, top=1)

    assert stats.top_questions == [("what did venezuela import?", 3)]


async def test_since_keeps_only_questions_asked_from_then_on(query_log: QueryLog) -> None:
    fill(query_log)

    stats = await stats_of(query_log, since=ASKED_AT - DAY)

    assert (stats.questions, stats.answered, stats.ambiguous, stats.unknown) == (4, 2, 1, 1)
    assert stats.top_questions[0] == ("what did venezuela import?", 2)
    assert stats.top_unanswered == [("best pizza topping?", 1)]
    # Votes follow the question they are about: q1 and q4 were asked too early.
    assert (stats.helpful, stats.not_helpful) == (1, 1)


# -- questions per day -------------------------------------------------------------------


async def daily_of(
    query_log: QueryLog, *, until: datetime = ASKED_AT, since: datetime | None = None
) -> list[DayCounts]:
    async with asyncio.timeout(5):
        await query_log.flush()
    return await read_daily(query_log.connection, until=until, since=since)


async def test_an_empty_log_has_no_days(query_log: QueryLog) -> None:
    assert await daily_of(query_log) == []
    assert await daily_of(query_log, since=ASKED_AT - 30 * DAY) == []


async def test_each_day_from_the_first_question_counts_by_outcome_and_gaps_are_zero(
    query_log: QueryLog,
) -> None:
    fill(query_log)  # two days ago and today, nothing yesterday

    days = await daily_of(query_log)

    assert days == [
        DayCounts(date(2025, 2, 27), answered=1, unknown=1),
        DayCounts(date(2025, 2, 28)),
        DayCounts(date(2025, 3, 1), answered=2, ambiguous=1, unknown=1),
    ]
    assert [day.questions for day in days] == [2, 0, 4]


async def test_a_window_starts_on_its_first_day_and_ends_today_and_agrees_with_the_totals(
    query_log: QueryLog,
) -> None:
    fill(query_log)
    since = ASKED_AT - 2 * DAY + timedelta(hours=1)  # after the two questions of that day

    days = await daily_of(query_log, since=since, until=ASKED_AT + 3 * DAY)

    assert [day.day for day in days] == [date(2025, 2, 27) + n * DAY for n in range(6)]
    assert days[0] == DayCounts(date(2025, 2, 27))  # asked before `since`: not counted
    stats = await stats_of(query_log, since=since)
    assert sum(d.questions for d in days) == stats.questions == 4
    assert sum(d.answered for d in days) == stats.answered


async def test_questions_after_until_still_get_their_day(query_log: QueryLog) -> None:
    """A clock behind the log's newest row must not hide that row from the chart."""
    query_log.record(query_record("late", asked_at=ASKED_AT + DAY))

    days = await daily_of(query_log, until=ASKED_AT)

    assert days == [DayCounts(date(2025, 3, 2), answered=1)]


async def test_days_are_utc_days(query_log: QueryLog) -> None:
    midnight = datetime(2025, 3, 2, tzinfo=UTC)
    for n, asked_at in enumerate([midnight - timedelta(milliseconds=1), midnight]):
        query_log.record(query_record(f"q{n}", asked_at=asked_at))

    days = await daily_of(query_log, until=midnight)

    assert days == [
        DayCounts(date(2025, 3, 1), answered=1),
        DayCounts(date(2025, 3, 2), answered=1),
    ]
