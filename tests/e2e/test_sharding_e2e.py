"""Two ``python -m bot run`` processes share the bot's two shards against one fake Discord.

Each process holds one shard (``BOT_SHARD_COUNT=2``, ``BOT_SHARD_IDS=0`` or ``1``) and
keeps its own SQLite query log, so the log a question lands in says which process
answered it. Discord (here the fake) routes each guild's interactions to the shard
``(guild_id >> 22) % 2``; nothing in the bot coordinates the two processes.
"""

# ruff: noqa: ASYNC109 -- helpers take a per-call ``timeout``, like the fake's own API.

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.discordbot.doubles import ANSWERED_CLAIM_ID, ANSWERED_QUESTION
from tests.fake_discord import FakeDiscord, FakeGuild, option
from tests.helpers import query_db

STARTUP_TIMEOUT = 30.0


@dataclass
class BotProcess:
    """One ``python -m bot run`` holding ``shard_id`` of 2, its log and query log on disk."""

    shard_id: int
    directory: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def db(self) -> Path:
        return self.directory / "queries.sqlite3"

    @property
    def log(self) -> Path:
        return self.directory / f"stderr-{self.starts}.log"

    def env(self, fake: FakeDiscord) -> dict[str, str]:
        inherited = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
        return inherited | {
            "DISCORD_TOKEN": "fake-token",
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "BOT_DB": str(self.db),
            "BOT_CACHE_DIR": str(self.directory / "cache"),
            "BOT_SEMANTIC": "off",  # lexical matching is enough here and starts faster
            "BOT_SHARD_COUNT": "2",
            "BOT_SHARD_IDS": str(self.shard_id),
            "BOT_LOG_LEVEL": "INFO",
        }

    async def start(self, fake: FakeDiscord) -> None:
        """Start the process; its stderr goes to a file (a pipe nobody reads could fill)."""
        self.starts += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=self.env(fake),
                cwd=self.directory,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )

    async def until_identified(self, fake: FakeDiscord, *, since: int) -> None:
        """Wait for this process's shard to IDENTIFY; fail at once, with its log, if it exits."""
        assert self.process is not None
        identified = asyncio.ensure_future(
            fake.wait_until_identified(STARTUP_TIMEOUT, shard_id=self.shard_id, since=since)
        )
        exited = asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait({identified, exited}, return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if identified not in done:
            identified.cancel()
            pytest.fail(f"shard {self.shard_id} exited with {exited.result()}: {self.log_text()}")
        identified.result()

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send ``sig`` (SIGTERM, as Docker stops it) and return the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), STARTUP_TIMEOUT)

    def log_text(self, start: int | None = None) -> str:
        path = self.directory / f"stderr-{start or self.starts}.log"
        return path.read_text(errors="replace")

    async def until_logged(self, text: str, timeout: float = 10.0) -> None:
        """Wait until this start's log has ``text`` (discord.py says a shard is ready
        ``guild_ready_timeout``, 2 s, after its last GUILD_CREATE)."""
        async with asyncio.timeout(timeout):
            while True:
                if text in self.log_text():
                    return
                await asyncio.sleep(0.05)


Process = TypeVar("Process", bound="BotProcess")


@asynccontextmanager
async def shard_processes(
    fake: FakeDiscord, tmp_path: Path, make: Callable[[int, Path], Process]
) -> AsyncIterator[list[Process]]:
    """Shards 0 and 1 of 2, each a process made by ``make``, started at once and
    identified; both killed at the end (the cluster tests share this)."""
    processes = [make(shard_id, tmp_path / f"shard-{shard_id}") for shard_id in (0, 1)]
    try:
        for bot in processes:
            await bot.start(fake)
        for bot in processes:
            await bot.until_identified(fake, since=0)
        yield processes
    finally:
        for bot in processes:
            if bot.process is not None and bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()


async def ask(fake: FakeDiscord, guild: FakeGuild) -> dict[str, Any]:
    handle = await fake.send_slash_command(
        "ask", [option("question", ANSWERED_QUESTION)], guild=guild, timeout=STARTUP_TIMEOUT
    )
    body: dict[str, Any] = await handle.callback(timeout=10.0)
    return body


async def logged_guilds(db: Path, count: int, timeout: float = 10.0) -> list[int]:
    """The guild of each question in ``db``, once it holds ``count`` (the bot records an
    answer after Discord accepted the reply, and writes in the background)."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                rows = query_db(db, "SELECT guild_id, claim_id FROM queries ORDER BY asked_at")
            except sqlite3.OperationalError:  # not created yet, or mid-migration
                rows = []
            if len(rows) >= count:
                assert all(claim == ANSWERED_CLAIM_ID for _, claim in rows)
                return [int(guild) for guild, _ in rows]
            await asyncio.sleep(0.05)


async def test_each_process_answers_its_shard_and_a_restarted_one_takes_its_shard_back(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    on_zero = fake_discord.add_guild("Shard Zero Guild", shard=(0, 2))
    on_one = fake_discord.add_guild("Shard One Guild", shard=(1, 2))
    assert fake_discord.default_guild.shard_id(2) == 0  # so shard 0 holds two guilds

    async with shard_processes(fake_discord, tmp_path, BotProcess) as (zero, one):
        assert sorted(fake_discord.connected_shards) == [(0, 2), (1, 2)]
        # Each says at start-up which shard it holds, and how many guilds that brought.
        await zero.until_logged("shard 0 of 2 ready, guilds: 2")
        await one.until_logged("shard 1 of 2 ready, guilds: 1")

        # Each guild's question reaches the process holding its shard, and only that one.
        assert (await ask(fake_discord, on_zero))["type"] == 4
        assert (await ask(fake_discord, on_one))["type"] == 4
        assert await logged_guilds(zero.db, 1) == [on_zero.id]
        assert await logged_guilds(one.db, 1) == [on_one.id]

        # Process 0 dies (no goodbye: SIGKILL); process 1 keeps answering its guild.
        assert await zero.stop(signal.SIGKILL) == -signal.SIGKILL
        await fake_discord.wait_until_disconnected(shard_id=0)
        assert fake_discord.connected_shards == [(1, 2)]
        assert (await ask(fake_discord, on_one))["type"] == 4
        assert await logged_guilds(one.db, 2) == [on_one.id, on_one.id]

        # Restarted, it IDENTIFYs for shard 0 again and answers shard 0's guilds again.
        identifies_before = fake_discord.identify_count
        await zero.start(fake_discord)
        await zero.until_identified(fake_discord, since=identifies_before)
        await zero.until_logged("shard 0 of 2 ready, guilds: 2")
        assert (await ask(fake_discord, on_zero))["type"] == 4
        assert (await ask(fake_discord, fake_discord.default_guild))["type"] == 4
        assert await logged_guilds(zero.db, 3) == [
            on_zero.id,
            on_zero.id,
            fake_discord.default_guild.id,
        ]
        assert await logged_guilds(one.db, 2) == [on_one.id, on_one.id]  # nothing new

        assert await zero.stop() == 0
        assert await one.stop() == 0

    assert sorted(fake_discord.identified_shards[:2]) == [(0, 2), (1, 2)]
    assert fake_discord.identified_shards[2:] == [(0, 2)]
    for bot, start in ((zero, 1), (zero, 2), (one, 1)):
        text = bot.log_text(start)
        assert (
            f"INFO bot.discordbot.client: gateway: this process holds shards {bot.shard_id} of 2\n"
            in text
        )
        assert f"shard {bot.shard_id} of 2 connected" in text
        assert "Traceback" not in text
