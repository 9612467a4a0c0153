"""``storage``: each test of the shared suite runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage.base import Storage
from bot.storage.postgres import PostgresStorage
from bot.storage.sqlite import SqliteStorage

BACK_ENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def open_back_end(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if kind == "sqlite":
        return await SqliteStorage.open(tmp_path / "data" / "queries.sqlite3")
    return await PostgresStorage.open(request.getfixturevalue("pg_url"))


@pytest.fixture(params=BACK_ENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_back_end(str(request.param), request, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


async def rows(storage: Storage, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (no parameters, SQL both back ends understand), read directly."""
    if isinstance(storage, SqliteStorage):
        async with storage.connection.execute(sql) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
    assert isinstance(storage, PostgresStorage)
    async with storage.pool.acquire() as connection:
        return [tuple(row) for row in await connection.fetch(sql)]


async def count(storage: Storage, table: str) -> int:
    return int((await rows(storage, f"SELECT COUNT(*) FROM {table}"))[0][0])
