"""The query log's migrations: numbered, tracked in PRAGMA user_version, never re-run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aiosqlite
import pytest

from bot.querylog import SCHEMA_VERSION, QueryLog, SchemaTooNewError, migrate
from bot.querylog import schema as schema_module
from tests.helpers import query_db, query_record


async def test_a_new_log_is_migrated_to_the_current_version_in_wal_mode(db_path: Path) -> None:
    query_log = await QueryLog.open(db_path)
    await query_log.close()

    assert query_db(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert query_db(db_path, "PRAGMA journal_mode") == [("wal",)]
    tables = query_db(db_path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
    assert tables == [
        ("changes",),
        ("feedback",),
        ("picks",),
        ("queries",),
        ("sqlite_sequence",),
    ]


async def test_migrate_reports_the_version_it_found(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "log.sqlite3") as connection:
        assert await migrate(connection) == 0
        assert await migrate(connection) == SCHEMA_VERSION  # nothing left to apply


async def test_reopening_a_log_keeps_its_rows_and_runs_no_migration(db_path: Path) -> None:
    query_log = await QueryLog.open(db_path)
    query_log.record(query_record("kept"))
    await query_log.close()

    # Were the first migration run again, CREATE TABLE would fail on the existing table.
    query_log = await QueryLog.open(db_path)
    await query_log.close()

    assert query_db(db_path, "SELECT id FROM queries") == [("kept",)]
    assert query_db(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


async def test_an_older_log_gets_only_the_newer_migrations(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    query_log = await QueryLog.open(db_path)
    query_log.record(query_record("old-row"))
    await query_log.close()
    upgraded = (*schema_module.MIGRATIONS, "ALTER TABLE queries ADD COLUMN shard INTEGER;")
    monkeypatch.setattr(schema_module, "MIGRATIONS", upgraded)
    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", len(upgraded))

    async with aiosqlite.connect(db_path) as connection:
        found = await migrate(connection)

    assert found == SCHEMA_VERSION
    assert query_db(db_path, "PRAGMA user_version") == [(len(upgraded),)]
    assert query_db(db_path, "SELECT id, shard FROM queries") == [("old-row", None)]


async def test_a_log_from_a_newer_bot_is_refused_and_left_alone(db_path: Path) -> None:
    query_log = await QueryLog.open(db_path)
    await query_log.close()
    query_db(db_path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with pytest.raises(SchemaTooNewError, match=f"version {SCHEMA_VERSION + 1} is newer"):
        await QueryLog.open(db_path)

    assert query_db(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]


async def test_a_question_s_language_is_logged(db_path: Path) -> None:
    query_log = await QueryLog.open(db_path)
    query_log.record(replace(query_record("persian"), language="fa"))
    await query_log.close()

    assert query_db(db_path, "SELECT id, language FROM queries") == [("persian", "fa")]
