"""PostgreSQL's migrations: SQLite's, numbered alike, tracked in schema_version, applied once
under an advisory lock however many processes start together."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bot.querylog import SCHEMA_VERSION, SchemaTooNewError
from bot.storage.pg_schema import PG_MIGRATIONS, PG_SCHEMA_VERSION
from bot.storage.postgres import PostgresStorage
from bot.storage.sqlite import SqliteStorage

TABLES = ("queries", "feedback", "changes", "picks")


def test_each_sqlite_migration_has_its_postgresql_twin() -> None:
    assert PG_SCHEMA_VERSION == SCHEMA_VERSION, (
        "a migration added to bot/querylog/schema.py needs its twin in bot/storage/pg_schema.py"
    )


async def pg_rows(url: str, sql: str) -> list[tuple[object, ...]]:
    connection = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


@pytest.mark.postgres
async def test_a_new_database_gets_every_migration_once_with_sqlites_columns(
    pg_url: str, tmp_path: Path
) -> None:
    storage = await PostgresStorage.open(pg_url)
    await storage.close()
    sqlite = await SqliteStorage.open(tmp_path / "q.sqlite3")
    try:
        sqlite_columns = {}
        for table in TABLES:
            async with sqlite.connection.execute(f"PRAGMA table_info({table})") as cursor:
                sqlite_columns[table] = [str(row[1]) for row in await cursor.fetchall()]
    finally:
        await sqlite.close()

    versions = await pg_rows(pg_url, "SELECT version FROM schema_version ORDER BY version")
    assert versions == [(n,) for n in range(1, PG_SCHEMA_VERSION + 1)]
    pg_columns = {
        table: [
            str(row[0])
            for row in await pg_rows(
                pg_url,
                "SELECT column_name FROM information_schema.columns"
                f" WHERE table_name = '{table}' ORDER BY ordinal_position",
            )
        ]
        for table in TABLES
    }
    assert pg_columns == sqlite_columns


@pytest.mark.postgres
async def test_processes_starting_together_migrate_once(pg_url: str) -> None:
    """Eight openings at once, each on its own connection (as eight processes would be):
    without the advisory lock they race to create the same tables and most fail."""
    opened = await asyncio.gather(*(PostgresStorage.open(pg_url) for _ in range(8)))
    await asyncio.gather(*(storage.close() for storage in opened))

    versions = await pg_rows(pg_url, "SELECT version FROM schema_version ORDER BY version")
    assert versions == [(n,) for n in range(1, PG_SCHEMA_VERSION + 1)]


@pytest.mark.postgres
async def test_an_older_database_is_upgraded_in_place(pg_url: str) -> None:
    connection = await asyncpg.connect(pg_url)
    try:
        await connection.execute(
            "CREATE TABLE schema_version (version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for version in (1, 2):
            await connection.execute(PG_MIGRATIONS[version - 1])
            await connection.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
        await connection.execute(
            "INSERT INTO queries (id, asked_at, adapter, question, outcome, latency_ms,"
            " kb_version) VALUES ('old', now(), 'cli', 'Kept?', 'unknown', 1, 'v')"
        )
    finally:
        await connection.close()

    storage = await PostgresStorage.open(pg_url)
    try:
        assert await storage.question_of("old") == "Kept?"
    finally:
        await storage.close()
    versions = await pg_rows(pg_url, "SELECT max(version) FROM schema_version")
    assert versions == [(PG_SCHEMA_VERSION,)]


@pytest.mark.postgres
async def test_a_database_from_a_newer_bot_is_refused(pg_url: str) -> None:
    await (await PostgresStorage.open(pg_url)).close()
    connection = await asyncpg.connect(pg_url)
    try:
        await connection.execute(
            "INSERT INTO schema_version (version) VALUES ($1)", PG_SCHEMA_VERSION + 1
        )
    finally:
        await connection.close()

    with pytest.raises(SchemaTooNewError, match="newer than this bot's"):
        await PostgresStorage.open(pg_url)


def test_sqlite_and_postgresql_name_the_same_tables() -> None:
    """Each PostgreSQL migration creates or alters the tables its SQLite twin does."""
    from bot.querylog.schema import MIGRATIONS

    for sqlite_script, pg_script in zip(MIGRATIONS, PG_MIGRATIONS, strict=True):
        for table in TABLES:
            assert (f"TABLE {table}" in sqlite_script) == (f"TABLE {table}" in pg_script)
