"""The storage interface, one suite for both back ends: what SQLite does, PostgreSQL does.

Every test here runs on SQLite and on PostgreSQL (the ``storage`` fixture), through the
same calls the bot makes: the query log's writer, the reports, the audit trail. The last
test feeds both the same mixed workload and compares every report, so the two cannot
drift apart without a failure here.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.moderation.audit import Actor, AuditTrail
from bot.moderation.misses import Miss
from bot.querylog import FeedbackRecord, PickRecord, QueryLog, Stats
from bot.querylog.stats import DayCounts
from bot.storage.base import Storage, query_row
from tests.helpers import ASKED_AT, query_record
from tests.storage.conftest import count, open_back_end, rows

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
ALICE = Actor("1", "alice")
BOB = Actor("2", "bob")


async def written(storage: Storage, *records: object) -> None:
    """Record through a real query log over ``storage`` and wait until it is written."""
    query_log = await QueryLog.open(storage, retry_delay=0)
    try:
        for record in records:
            query_log.record(record)  # type: ignore[arg-type]  # the tests pass log records
        async with asyncio.timeout(10):
            await query_log.flush()
        assert (query_log.dropped, query_log.write_errors) == (0, 0)
    finally:
        await query_log.close()


# -- the query log ------------------------------------------------------------------------


async def test_a_large_batch_is_written_whole_with_its_votes_and_picks(storage: Storage) -> None:
    records: list[object] = [
        query_record(f"q{n:05}", question=f"question {n}", asked_at=ASKED_AT + n * HOUR / 100)
        for n in range(2500)
    ]
    records += [
        FeedbackRecord(f"q{n:05}", "u1", helpful=n % 2 == 0, given_at=ASKED_AT) for n in range(40)
    ]
    records += [PickRecord(f"q{n:05}", "claim-a", "u1", ASKED_AT) for n in range(7)]

    await written(storage, *records)

    assert [await count(storage, t) for t in ("queries", "feedback", "picks")] == [2500, 40, 7]
    assert await storage.question_of("q01234") == "question 1234"
    assert await storage.question_of("nope") is None


async def test_every_column_of_a_question_is_stored(storage: Storage) -> None:
    record = query_record(
        "q1",
        adapter="discord",
        guild_id="g1",
        channel_id="c1",
        user_id="u1",
        score=12345678.125,
        latency_ms=0.1 + 0.2,
        language="es",
        asked_at=datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
    )

    await written(storage, record)

    [stored] = await rows(
        storage,
        "SELECT id, adapter, guild_id, channel_id, user_id, question, outcome, claim_id,"
        " score, latency_ms, kb_version, language FROM queries",
    )
    assert stored == (
        "q1",
        "discord",
        "g1",
        "c1",
        "u1",
        record.question,
        "answered",
        record.claim_id,
        12345678.125,
        0.1 + 0.2,
        "0123456789ab",
        "es",
    )
    assert await storage.find_misses() == []  # answered: not a miss


AWKWARD = (
    'quotes " and \\ backslashes \\u0041',
    "emoji 🇻🇪🇮🇷 and accents ¿qué importó?",
    "ایران به ونزوئلا چه فرستاد؟",
    "line\nbreaks\tand tabs",
    "'; DROP TABLE queries; --",
    "x" * 500,
)


async def test_every_text_comes_back_exactly(storage: Storage) -> None:
    await written(
        storage, *(query_record(f"q{n}", question=text) for n, text in enumerate(AWKWARD))
    )

    assert [await storage.question_of(f"q{n}") for n in range(len(AWKWARD))] == list(AWKWARD)


async def test_a_nul_is_kept_by_sqlite_and_replaced_by_postgresql(storage: Storage) -> None:
    """PostgreSQL's text cannot hold NUL: the row is stored with U+FFFD there, never lost."""
    await written(storage, query_record("nul", question="NUL in\x00the middle"))

    expected = "NUL in\x00the middle" if storage.kind == "sqlite" else "NUL in\ufffdthe middle"
    assert await storage.question_of("nul") == expected


async def test_a_batch_written_again_stores_each_question_once(storage: Storage) -> None:
    """The retry after a lost commit acknowledgement: the second write changes nothing."""
    batch = [query_row(query_record(f"q{n}")) for n in range(3)]
    await storage.write_log(batch, [], [])
    await storage.write_log([*batch, query_row(query_record("q3"))], [], [])

    assert await count(storage, "queries") == 4


async def test_a_later_vote_replaces_the_earlier_even_in_the_same_batch(storage: Storage) -> None:
    vote = FeedbackRecord("q1", "u1", helpful=True, given_at=ASKED_AT)
    await storage.write_log([query_row(query_record("q1"))], [vote], [])
    later = FeedbackRecord("q1", "u1", helpful=False, given_at=ASKED_AT + HOUR)
    other = FeedbackRecord("q1", "u2", helpful=True, given_at=ASKED_AT)
    await storage.write_log([], [vote, later, other], [])  # u1 changes their mind within a batch

    stats = await storage.read_stats()
    assert (stats.helpful, stats.not_helpful) == (1, 1)
    assert await count(storage, "feedback") == 2


async def test_a_later_pick_replaces_the_earlier_even_in_the_same_batch(storage: Storage) -> None:
    question = query_row(query_record("q1", outcome="unknown", claim_id=None))
    await storage.write_log([question], [], [PickRecord("q1", "claim-a", "u1", ASKED_AT)])
    await storage.write_log(
        [],
        [],
        [
            PickRecord("q1", "claim-b", "u1", ASKED_AT + HOUR),
            PickRecord("q1", "claim-c", "u1", ASKED_AT + 2 * HOUR),
            PickRecord("q1", "claim-c", "u2", ASKED_AT),
        ],
    )

    [miss] = await storage.find_misses()
    assert miss.picked == (("claim-c", 2),)


async def test_forget_user_deletes_their_questions_votes_and_picks(storage: Storage) -> None:
    await written(
        storage,
        query_record("mine", user_id="me", outcome="unknown", claim_id=None),
        query_record("theirs", user_id="them", outcome="unknown", claim_id=None),
        FeedbackRecord("mine", "them", helpful=False, given_at=ASKED_AT),  # on my question
        FeedbackRecord("theirs", "me", helpful=False, given_at=ASKED_AT),  # mine, on theirs
        FeedbackRecord("theirs", "them", helpful=True, given_at=ASKED_AT),
        PickRecord("mine", "claim-a", "them", ASKED_AT),
        PickRecord("theirs", "claim-b", "me", ASKED_AT),
        PickRecord("theirs", "claim-c", "them", ASKED_AT),
    )

    assert await storage.forget_user("me") == 1
    assert await storage.forget_user("me") == 0

    assert await rows(storage, "SELECT id FROM queries") == [("theirs",)]
    assert await rows(storage, "SELECT query_id, user_id FROM feedback") == [("theirs", "them")]
    assert await rows(storage, "SELECT query_id, claim_id FROM picks") == [("theirs", "claim-c")]


async def test_retention_deletes_old_questions_their_votes_and_old_picks(storage: Storage) -> None:
    await written(
        storage,
        query_record("old", asked_at=ASKED_AT - 10 * DAY),
        query_record("new", asked_at=ASKED_AT),
        FeedbackRecord("old", "u1", helpful=True, given_at=ASKED_AT),
        FeedbackRecord("new", "u1", helpful=True, given_at=ASKED_AT),
        PickRecord("old", "claim-a", "u1", ASKED_AT),  # a recent pick on an old question
        PickRecord("new", "claim-b", "u1", ASKED_AT - 9 * DAY),  # an old pick, new question
        PickRecord("new", "claim-c", "u2", ASKED_AT),
    )

    assert await storage.purge_older_than(ASKED_AT - 5 * DAY) == 1

    assert await rows(storage, "SELECT id FROM queries") == [("new",)]
    assert await rows(storage, "SELECT query_id FROM feedback") == [("new",)]
    assert await rows(storage, "SELECT claim_id FROM picks") == [("claim-c",)]


# -- reports --------------------------------------------------------------------------------


def six_questions() -> list[object]:
    """Six questions over three days, and four votes on them (tests/querylog's fill)."""
    records: list[object] = [
        query_record(query_id, question=question, outcome=outcome, claim_id=claim, asked_at=at)
        for query_id, question, outcome, claim, at in [
            ("q1", "What did Venezuela import?", "answered", "gasoline", ASKED_AT - 2 * DAY),
            ("q2", "what did venezuela import?", "answered", "gasoline", ASKED_AT),
            ("q3", "  WHAT DID VENEZUELA IMPORT?  ", "answered", "gasoline", ASKED_AT),
            ("q4", "Best pizza topping?", "unknown", None, ASKED_AT - 2 * DAY),
            ("q5", "best PIZZA topping?", "unknown", None, ASKED_AT),
            ("q6", "Oil?", "ambiguous", "oil-reserves", ASKED_AT),
        ]
    ]
    records += [
        FeedbackRecord(query_id, user_id, helpful=helpful, given_at=ASKED_AT)
        for query_id, user_id, helpful in [
            ("q1", "u1", True),
            ("q2", "u1", True),
            ("q2", "u2", False),
            ("q4", "u3", False),
        ]
    ]
    return records


async def test_stats_count_rate_and_group_as_the_reports_say(storage: Storage) -> None:
    assert await storage.read_stats() == Stats(0, 0, 0, 0, 0, 0, [], [], [])
    await written(storage, *six_questions())

    stats = await storage.read_stats()

    assert (stats.questions, stats.answered, stats.ambiguous, stats.unknown) == (6, 3, 1, 2)
    assert (stats.helpful, stats.not_helpful) == (2, 2)
    assert stats.top_questions == [
        ("what did venezuela import?", 3),
        ("best pizza topping?", 2),
        ("oil?", 1),
    ]
    assert stats.top_unanswered == [("best pizza topping?", 2)]
    assert stats.top_claims == [("gasoline", 3)]


async def test_stats_since_a_moment_and_the_top_limit(storage: Storage) -> None:
    await written(storage, *six_questions())

    recent = await storage.read_stats(since=ASKED_AT - DAY, top=1)

    assert (recent.questions, recent.helpful, recent.not_helpful) == (4, 1, 1)
    assert recent.top_questions == [("what did venezuela import?", 2)]
    exact = await storage.read_stats(since=ASKED_AT)  # a question asked at `since` counts
    assert exact.questions == 4


async def test_stats_groups_fold_only_ascii_letters_and_ties_go_by_text(storage: Storage) -> None:
    """SQLite's lower() folds A-Z only; PostgreSQL is made to do the same, whatever its
    locale, so one log gives one report. Ties are ordered by code point."""
    questions = ["IRÁN?", "irÁn?", "Irán?", "b?", "a?", "Ä?"]
    await written(
        storage, *(query_record(f"q{n}", question=text) for n, text in enumerate(questions))
    )

    stats = await storage.read_stats()

    assert stats.top_questions == [("irÁn?", 2), ("a?", 1), ("b?", 1), ("irán?", 1), ("Ä?", 1)]


async def test_questions_per_day_are_zero_filled_from_since_through_until(
    storage: Storage,
) -> None:
    await written(storage, *six_questions())

    days = await storage.read_daily(since=ASKED_AT - 3 * DAY, until=ASKED_AT + DAY)

    assert days == [
        DayCounts(date(2025, 2, 26)),
        DayCounts(date(2025, 2, 27), answered=1, unknown=1),
        DayCounts(date(2025, 2, 28)),
        DayCounts(date(2025, 3, 1), answered=2, ambiguous=1, unknown=1),
        DayCounts(date(2025, 3, 2)),
    ]
    assert await storage.read_daily(until=ASKED_AT) == days[1:4]  # from the first day logged
    assert await storage.read_daily(since=ASKED_AT + HOUR, until=ASKED_AT + DAY) == []


async def test_questions_per_day_count_from_the_moment_since_on_its_day(storage: Storage) -> None:
    await written(
        storage,
        query_record("early", asked_at=ASKED_AT - 2 * HOUR),
        query_record("late", asked_at=ASKED_AT + 2 * HOUR),
    )

    assert await storage.read_daily(since=ASKED_AT, until=ASKED_AT) == [
        DayCounts(date(2025, 3, 1), answered=1)
    ]


async def test_misses_are_unanswered_or_voted_down_grouped_with_their_picks(
    storage: Storage,
) -> None:
    await written(
        storage,
        query_record(
            "q1",
            question="How many ships sailed?",
            outcome="unknown",
            claim_id=None,
            asked_at=ASKED_AT - HOUR,
        ),
        query_record(
            "q2",
            question="how many ships   sailed",
            outcome="unknown",
            claim_id=None,
            asked_at=ASKED_AT - 2 * HOUR,
        ),
        query_record("q3", question="Who owns the firms?", asked_at=ASKED_AT - 3 * HOUR),
        query_record("q4", question="Answered and liked", asked_at=ASKED_AT),
        query_record(
            "q5", question="Too old", outcome="unknown", claim_id=None, asked_at=ASKED_AT - 30 * DAY
        ),
        FeedbackRecord("q3", "u1", helpful=False, given_at=ASKED_AT),
        FeedbackRecord("q4", "u1", helpful=True, given_at=ASKED_AT),
        PickRecord("q1", "ships-sent", "u2", ASKED_AT),
        PickRecord("q1", "ships-sent", "u1", ASKED_AT),
        PickRecord("q2", "tankers", "u1", ASKED_AT),
    )

    found = await storage.find_misses(since=ASKED_AT - DAY)

    assert found == [
        Miss(
            question="How many ships sailed?",
            count=2,
            unanswered=2,
            not_helpful=0,
            query_id="q1",
            last_asked=ASKED_AT - HOUR,
            wordings=("How many ships sailed?", "how many ships sailed"),
            picked=(("ships-sent", 2), ("tankers", 1)),
        ),
        Miss(
            question="Who owns the firms?",
            count=1,
            unanswered=0,
            not_helpful=1,
            query_id="q3",
            last_asked=ASKED_AT - 3 * HOUR,
            wordings=("Who owns the firms?",),
        ),
    ]
    assert len(await storage.find_misses()) == 3
    assert len(await storage.find_misses(limit=1)) == 1


# -- the audit trail ------------------------------------------------------------------------


def clock_from(start: datetime) -> list[datetime]:
    return [start + n * timedelta(seconds=1, microseconds=1500) for n in range(20)]


async def test_the_audit_trail_keeps_each_change_and_finds_it_again(storage: Storage) -> None:
    moments = iter(clock_from(ASKED_AT))
    audit = AuditTrail(storage, clock=lambda: next(moments))

    async with audit.recording(ALICE, "add", "claim-a", after="v1") as added:
        pass
    async with audit.recording(BOB, "edit", "claim-a", before="v1", after="v2") as edited:
        pass
    refused = await audit.record(BOB, "refused", "claim-a", detail="kb edit: not a moderator")
    async with audit.recording(
        ALICE, "revert", "claim-a", before="v2", after="v1", reverts=edited
    ) as reverted:
        pass
    await audit.record(ALICE, "reload", None, detail="+0 ~0 -0 -> abc")

    assert added < edited < refused < reverted
    change = await audit.get(edited)
    assert change is not None
    assert (change.actor_id, change.actor_name, change.action, change.target) == (
        "2",
        "bob",
        "edit",
        "claim-a",
    )
    assert (change.before, change.after, change.detail, change.reverts) == ("v1", "v2", None, None)
    assert change.at == ASKED_AT + timedelta(seconds=1, milliseconds=1)  # to the millisecond
    assert change.at.utcoffset() == timedelta(0)
    assert await audit.get(10_000) is None
    assert [c.action for c in await audit.history()] == [
        "reload",
        "revert",
        "refused",
        "edit",
        "add",
    ]
    assert [c.id for c in await audit.history("claim-a", limit=2)] == [reverted, refused]
    last = await audit.last_change("claim-a")  # refusals are not changes
    assert last is not None
    assert (last.id, last.reverts) == (reverted, edited)
    assert await audit.last_change("claim-b") is None


async def test_a_change_whose_file_write_fails_leaves_no_trace(storage: Storage) -> None:
    told: list[str] = []
    audit = AuditTrail(storage, on_change=told.append)

    with pytest.raises(OSError, match="disk full"):
        async with audit.recording(ALICE, "add", "claim-a", after="text"):
            raise OSError("disk full")
    kept = await audit.record(ALICE, "reload", None)

    assert [c.id for c in await audit.history()] == [kept]
    assert told == ["reload"]


async def test_two_changes_at_once_are_both_kept_whole(storage: Storage) -> None:
    """A refusal recorded while a moderator's change is open: neither commits nor rolls
    back the other."""
    audit = AuditTrail(storage)
    opened = asyncio.Event()
    release = asyncio.Event()

    async def slow_change() -> None:
        async with audit.recording(ALICE, "edit", "claim-a", after="v2"):
            opened.set()
            await release.wait()
            raise RuntimeError("the file write failed")

    task = asyncio.create_task(slow_change())
    await opened.wait()
    refusal = asyncio.create_task(audit.record(BOB, "refused", "claim-a", detail="no"))
    await asyncio.sleep(0.05)
    release.set()
    with pytest.raises(RuntimeError, match="file write failed"):
        await task
    await refusal

    assert [(c.action, c.actor_name) for c in await audit.history()] == [("refused", "bob")]


# -- the two back ends agree ----------------------------------------------------------------


def mixed_workload(seed: int = 7) -> list[object]:
    """Questions over ten days with repeated wordings, votes changing their minds, picks."""
    chance = random.Random(seed)
    wordings = [
        "Oil?",
        "oil?",
        "  OIL?",
        "Who sent tankers?",
        "who sent the tankers",
        "Best pizza?",
        "¿Qué importó Venezuela?",
        "Drones?",
        "drones",
    ]
    records: list[object] = []
    for n in range(400):
        outcome = chance.choice(["answered", "answered", "ambiguous", "unknown"])
        records.append(
            query_record(
                f"q{n:04}",
                question=chance.choice(wordings),
                outcome=outcome,
                claim_id=chance.choice(["oil", "tankers", "drones"])
                if outcome != "unknown"
                else None,
                user_id=f"u{chance.randrange(12)}",
                asked_at=ASKED_AT - timedelta(minutes=chance.randrange(10 * 24 * 60)),
            )
        )
        if chance.random() < 0.4:
            records.append(
                FeedbackRecord(
                    f"q{chance.randrange(n + 1):04}",
                    f"u{chance.randrange(12)}",
                    helpful=chance.random() < 0.5,
                    given_at=ASKED_AT,
                )
            )
        if chance.random() < 0.2:
            records.append(
                PickRecord(
                    f"q{chance.randrange(n + 1):04}",
                    chance.choice(["oil", "drones"]),
                    f"u{chance.randrange(12)}",
                    ASKED_AT - timedelta(days=chance.randrange(8)),
                )
            )
    return records


@pytest.mark.postgres
async def test_both_back_ends_report_the_same_of_the_same_log(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    reports = []
    for kind in ("sqlite", "postgresql"):
        storage = await open_back_end(kind, request, tmp_path)
        try:
            await written(storage, *mixed_workload())
            since = ASKED_AT - 4 * DAY
            reports.append(
                (
                    await storage.read_stats(),
                    await storage.read_stats(since=since, top=3),
                    await storage.read_daily(until=ASKED_AT + DAY),
                    await storage.read_daily(since=since, until=ASKED_AT),
                    await storage.find_misses(limit=50),
                    await storage.find_misses(since=since),
                    [await storage.question_of(f"q{n:04}") for n in range(0, 400, 37)],
                    await storage.forget_user("u3"),
                    await storage.purge_older_than(ASKED_AT - 6 * DAY),
                    await storage.read_stats(),
                    await storage.find_misses(limit=50),
                )
            )
        finally:
            await storage.close()

    sqlite, postgresql = reports
    assert sqlite[0].questions == 400  # the workload is not trivially empty
    assert sqlite[4]
    assert (sqlite[7], sqlite[8]) > (0, 0)
    for part, (mine, theirs) in enumerate(zip(sqlite, postgresql, strict=True)):
        assert mine == theirs, f"report {part} differs"
