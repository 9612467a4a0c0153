"""Two ``python -m bot run`` processes, one shard each, sharing one PostgreSQL database.

The cluster of docs/scaling.md for real: each process answers the guilds of its shard and
logs into the same database (``BOT_DATABASE_URL``), so ``python -m bot stats`` reads every
process's questions, and ``/forget-me`` in one guild deletes what the other process
logged too (both hash member ids with the one ``BOT_USER_ID_SECRET``). And the one way
this can fail at start: an unreachable server is one line and exit code 2.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from bot.cli import main
from tests.e2e.test_sharding_e2e import BotProcess, ask, shard_processes
from tests.fake_discord import FakeDiscord
from tests.pg_server import rows_once_there_are

pytestmark = pytest.mark.postgres

SECRET = "one-secret-for-every-process-of-the-cluster"


class ClusterProcess(BotProcess):
    """A shard's process logging into the cluster's database instead of its own file."""

    database_url = ""

    def env(self, fake: FakeDiscord) -> dict[str, str]:
        return super().env(fake) | {
            "BOT_DATABASE_URL": self.database_url,
            "BOT_USER_ID_SECRET": SECRET,
        }


def cluster(
    fake: FakeDiscord, tmp_path: Path, url: str
) -> AbstractAsyncContextManager[list[ClusterProcess]]:
    def make(shard_id: int, home: Path) -> ClusterProcess:
        process = ClusterProcess(shard_id, home)
        process.database_url = url
        return process

    return shard_processes(fake, tmp_path, make)


async def logged(url: str, count: int) -> list[tuple[str, str]]:
    """(guild id, stored user id) of each question, once there are ``count``."""
    return await rows_once_there_are(
        url, count, "SELECT guild_id, user_id FROM queries ORDER BY asked_at"
    )


async def test_two_processes_log_into_one_database_and_report_and_forget_as_one(
    fake_discord: FakeDiscord, tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    on_zero = fake_discord.add_guild("Shard Zero Guild", shard=(0, 2))
    on_one = fake_discord.add_guild("Shard One Guild", shard=(1, 2))

    async with cluster(fake_discord, tmp_path, pg_url) as (zero, one):
        assert (await ask(fake_discord, on_zero))["type"] == 4
        assert (await ask(fake_discord, on_one))["type"] == 4
        rows = await logged(pg_url, 2)
        assert sorted(guild for guild, _ in rows) == sorted([str(on_zero.id), str(on_one.id)])
        assert (
            rows[0][1] == rows[1][1] != str(fake_discord.default_user.id)
        )  # one hash, both processes

        env = {"BOT_DATABASE_URL": pg_url, "BOT_USER_ID_SECRET": SECRET, "HOME": str(tmp_path)}
        code = await asyncio.to_thread(main, ["stats"], env)
        report = capsys.readouterr().out
        assert code == 0
        assert "questions (all time): 2" in report

        handle = await fake_discord.send_slash_command("forget-me", [], guild=on_one)
        followup = await handle.followup(timeout=10.0)
        assert "deleted 2 questions" in followup["content"]  # the other process's too
        assert await logged(pg_url, 0) == []

        assert await zero.stop() == 0
        assert await one.stop() == 0
    for bot in (zero, one):
        assert "Traceback" not in bot.log_text()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_database_at_start_is_one_line_and_exit_code_2(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    url = f"postgresql://bot:hunter2-secret@127.0.0.1:{closed_port()}/ivkb"
    env = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ} | {
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_API_BASE": fake_discord.api_base,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
        "BOT_DATABASE_URL": url,
        "BOT_USER_ID_SECRET": SECRET,
        "BOT_SEMANTIC": "off",
        "BOT_CACHE_DIR": str(tmp_path / "cache"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: cannot connect to PostgreSQL at postgresql://bot@127.0.0.1:")
    assert lines[0].endswith("(BOT_DATABASE_URL)")
    assert "hunter2" not in stderr.decode() + stdout.decode()
    assert fake_discord.identify_count == 0  # it never connected to Discord
