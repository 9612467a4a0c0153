"""The command line with ``BOT_DATABASE_URL``: ``stats`` and ``misses`` read the cluster's
database, ``ask`` logs into it, ``--db`` still picks a SQLite file, and an unreachable
server is one line and exit code 2."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.cli import main
from bot.querylog import QueryLog
from bot.storage.postgres import PostgresStorage
from tests.helpers import ASKED_AT, query_db, query_record

pytestmark = pytest.mark.postgres

SECRET = "a-secret-of-at-least-sixteen-bytes"


def env_for(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "BOT_DATABASE_URL": url,
        "BOT_USER_ID_SECRET": SECRET,
        "BOT_SEMANTIC": "off",
        "HOME": str(tmp_path),
        "BOT_CACHE_DIR": str(tmp_path / "cache"),
    }


async def log_from_two_processes(url: str) -> None:
    """Two query logs, each on its own pool, as two processes of a cluster would be."""
    for process, question in ((0, "Who sent the tankers?"), (1, "who sent the tankers?")):
        storage = await PostgresStorage.open(url)
        async with await QueryLog.open(storage) as query_log:
            query_log.record(
                query_record(
                    f"p{process}",
                    question=question,
                    outcome="unknown",
                    claim_id=None,
                    asked_at=ASKED_AT + timedelta(seconds=process),
                )
            )
        await storage.close()


def test_stats_and_misses_report_every_process_of_the_cluster(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(log_from_two_processes(pg_url))

    assert main(["stats"], env_for(pg_url, tmp_path)) == 0
    stats = capsys.readouterr().out
    assert main(["misses", "--days", "100000"], env_for(pg_url, tmp_path)) == 0
    misses = capsys.readouterr().out

    assert "questions (all time): 2" in stats
    assert "      2  who sent the tankers?" in stats  # one group across both processes
    assert "misses (last 100000 days): 1 groups" in misses
    assert "      2  who sent the tankers?  (2 unanswered)" in misses  # the newest wording


def test_ask_logs_into_the_database_and_db_still_names_a_sqlite_file(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_for(pg_url, tmp_path)
    assert main(["ask", "--json", "What did Venezuela import from Iran in 2020?"], env) == 0
    sqlite = tmp_path / "own.sqlite3"
    assert main(["ask", "--json", "--db", str(sqlite), "Who sent the tankers?"], env) == 0
    capsys.readouterr()

    async def questions() -> list[str]:
        connection = await asyncpg.connect(pg_url)
        try:
            return [str(r[0]) for r in await connection.fetch("SELECT question FROM queries")]
        finally:
            await connection.close()

    assert asyncio.run(questions()) == ["What did Venezuela import from Iran in 2020?"]
    assert query_db(sqlite, "SELECT question FROM queries") == [("Who sent the tankers?",)]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["stats", "misses"])
def test_an_unreachable_database_is_one_line_and_exit_code_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://bot:hunter2@127.0.0.1:{closed_port()}/ivkb"

    code = main([command], env_for(url, tmp_path))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("error: cannot connect to PostgreSQL at postgresql://bot@127.0.0.1:")
    assert "hunter2" not in line
