"""Opening the configured storage: a SQLite file, or PostgreSQL for a database URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bot.storage.base import Storage
from bot.storage.sqlite import SqliteStorage

URL_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(where: Path | str) -> bool:
    return isinstance(where, str) and where.startswith(URL_SCHEMES)


async def open_storage(where: Path | str) -> Storage:
    """Open and migrate the storage at ``where``: PostgreSQL for a ``postgresql://`` URL
    (:class:`~bot.storage.base.StorageUnavailableError` if it cannot be reached), else
    the SQLite file at that path (created if need be)."""
    if is_database_url(where):
        # asyncpg is imported only by those who use it: `ask` on SQLite stays lean.
        from bot.storage.postgres import PostgresStorage  # noqa: PLC0415

        return await PostgresStorage.open(str(where))
    return await SqliteStorage.open(Path(where))


@contextlib.asynccontextmanager
async def closing(storage: Storage) -> AsyncIterator[Storage]:
    """``storage``, closed on leaving the block (after what was opened on it, in the same
    ``async with``, has been closed)."""
    try:
        yield storage
    finally:
        await storage.close()
