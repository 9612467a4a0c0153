"""Members' picks in the query log: written against their question, replaced by a later
pick of the same member, deleted with the member (/forget-me) and with age (retention)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import aiosqlite

from bot.querylog import SCHEMA_VERSION, FeedbackRecord, PickRecord, QueryLog
from bot.querylog import schema as schema_module
from tests.helpers import ASKED_AT, query_db, query_record

LATER = ASKED_AT + timedelta(minutes=1)


async def flushed(query_log: QueryLog) -> None:
    async with asyncio.timeout(5):
        await query_log.flush()


async def test_a_pick_is_one_row_against_its_question(query_log: QueryLog, db_path: Path) -> None:
    query_log.record(query_record("q1", outcome="unknown", claim_id=None, score=None))
    query_log.record(PickRecord("q1", "tankers-sent", "u1", LATER))

    await flushed(query_log)

    assert query_db(db_path, "SELECT query_id, user_id, claim_id, picked_at FROM picks") == [
        ("q1", "u1", "tankers-sent", "2025-03-01T12:01:00.000+00:00")
    ]


async def test_a_members_later_pick_replaces_the_earlier_one_and_others_stay(
    query_log: QueryLog, db_path: Path
) -> None:
    query_log.record(PickRecord("q1", "first-claim", "u1", ASKED_AT))
    query_log.record(PickRecord("q1", "first-claim", "u2", ASKED_AT))
    await flushed(query_log)

    query_log.record(PickRecord("q1", "second-claim", "u1", LATER))
    await flushed(query_log)

    assert query_db(db_path, "SELECT user_id, claim_id FROM picks ORDER BY user_id") == [
        ("u1", "second-claim"),
        ("u2", "first-claim"),
    ]


async def test_forgetting_a_member_deletes_their_picks_and_the_picks_on_their_questions(
    query_log: QueryLog, db_path: Path
) -> None:
    query_log.record(query_record("alice-q", user_id="alice"))
    query_log.record(query_record("bob-q", user_id="bob"))
    query_log.record(PickRecord("alice-q", "a-claim", "alice", LATER))
    query_log.record(PickRecord("alice-q", "a-claim", "bob", LATER))  # on alice's question
    query_log.record(PickRecord("bob-q", "b-claim", "alice", LATER))  # alice's pick
    query_log.record(PickRecord("bob-q", "b-claim", "bob", LATER))
    await flushed(query_log)

    assert await query_log.forget_user("alice") == 1

    assert query_db(db_path, "SELECT query_id, user_id FROM picks") == [("bob-q", "bob")]


async def test_retention_deletes_picks_of_old_questions_and_old_picks(
    query_log: QueryLog, db_path: Path
) -> None:
    cutoff = ASKED_AT - timedelta(days=30)
    old, new = cutoff - timedelta(days=1), cutoff + timedelta(days=1)
    query_log.record(query_record("old-q", asked_at=old))
    query_log.record(query_record("new-q", asked_at=new))
    query_log.record(PickRecord("old-q", "a-claim", "u1", new))  # its question expires
    query_log.record(PickRecord("new-q", "a-claim", "u1", new))
    query_log.record(PickRecord("unlogged-q", "a-claim", "u1", old))  # its question never logged
    query_log.record(FeedbackRecord("new-q", "u1", helpful=True, given_at=new))
    await flushed(query_log)

    assert await query_log.purge_older_than(cutoff) == 1

    assert query_db(db_path, "SELECT query_id FROM picks") == [("new-q",)]
    assert query_db(db_path, "SELECT query_id FROM feedback") == [("new-q",)]


async def test_a_log_of_version_3_gains_the_picks_table_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v3.sqlite3"
    async with aiosqlite.connect(path) as connection:
        for version, script in enumerate(schema_module.MIGRATIONS[:3], start=1):
            await connection.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        await connection.execute(
            "INSERT INTO queries (id, asked_at, adapter, question, outcome, latency_ms,"
            " kb_version, language) VALUES ('kept', '2025', 'cli', 'q?', 'unknown', 1, 'v', 'en')"
        )
        await connection.commit()

    query_log = await QueryLog.open(path)
    query_log.record(PickRecord("kept", "a-claim", "", LATER))
    await query_log.close()

    assert SCHEMA_VERSION == 4
    assert query_db(path, "PRAGMA user_version") == [(4,)]
    assert query_db(
        path, "SELECT q.id, p.claim_id FROM queries q JOIN picks p ON p.query_id = q.id"
    ) == [("kept", "a-claim")]
