from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.querylog import QueryLog


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "queries.sqlite3"  # the directory does not exist yet


@pytest.fixture
async def query_log(db_path: Path) -> AsyncIterator[QueryLog]:
    query_log = await QueryLog.open(db_path, retry_delay=0)
    yield query_log
    await query_log.close()
