"""One knowledge base for two ``python -m bot run`` processes (shards 0 and 1 of 2).

Both share one knowledge directory and one PostgreSQL (``BOT_DATABASE_URL``): a claim a
moderator adds with ``/kb add`` in a guild of shard 0 (so through process 0) is answered
in a guild of shard 1 (process 1) within 5 seconds, and every question is logged once in
the one database, whichever process answered it.
"""

# ruff: noqa: ASYNC109 -- helpers take a per-call ``timeout``, like the fake's own API.

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.config import default_knowledge_dir
from bot.knowledge import load_knowledge
from tests.e2e.test_moderation_e2e import FIELDS, NEW_CLAIM_ID, PHRASING, components
from tests.e2e.test_sharding_e2e import STARTUP_TIMEOUT, BotProcess, shard_processes
from tests.fake_discord import FakeDiscord, FakeGuild, option
from tests.pg_server import rows_once_there_are

pytestmark = pytest.mark.postgres

SECRET = "one-secret-for-every-process-of-the-cluster"


class SharedProcess(BotProcess):
    """A shard's process on the cluster's database and the shared knowledge directory."""

    database_url = ""
    knowledge_dir = Path()

    def env(self, fake: FakeDiscord) -> dict[str, str]:
        return super().env(fake) | {
            "BOT_DATABASE_URL": self.database_url,
            "BOT_USER_ID_SECRET": SECRET,
            "BOT_KNOWLEDGE_DIR": str(self.knowledge_dir),
        }


@asynccontextmanager
async def shared_cluster(
    fake: FakeDiscord, tmp_path: Path, url: str
) -> AsyncIterator[tuple[list[SharedProcess], Path]]:
    knowledge_dir = tmp_path / "knowledge"
    shutil.copytree(
        default_knowledge_dir(),
        knowledge_dir,
        ignore=shutil.ignore_patterns("eval", "embeddings"),
    )

    def make(shard_id: int, home: Path) -> SharedProcess:
        process = SharedProcess(shard_id, home)
        process.database_url, process.knowledge_dir = url, knowledge_dir
        return process

    async with shard_processes(fake, tmp_path, make) as processes:
        for bot in processes:
            await bot.until_logged("listening for knowledge changes", timeout=STARTUP_TIMEOUT)
        yield processes, knowledge_dir


async def ask(fake: FakeDiscord, guild: FakeGuild, question: str) -> dict[str, Any]:
    handle = await fake.send_slash_command(
        "ask", [option("question", question)], guild=guild, timeout=STARTUP_TIMEOUT
    )
    body: dict[str, Any] = await handle.callback(timeout=10.0)
    return body


def answered_with(body: dict[str, Any], claim_id: str) -> bool:
    embeds = body.get("data", {}).get("embeds") or []
    return any(
        str(embed.get("footer", {}).get("text", "")).endswith(f"· claim {claim_id}")
        for embed in embeds
    )


async def logged(url: str, count: int, timeout: float = 10.0) -> list[tuple[str, str]]:
    """The (guild, question) of every logged question, once there are ``count``."""
    return await rows_once_there_are(
        url, count, "SELECT guild_id, question FROM queries ORDER BY asked_at", timeout
    )


async def test_a_claim_added_through_process_0_is_answered_through_process_1_within_5_s(
    fake_discord: FakeDiscord, tmp_path: Path, pg_url: str
) -> None:
    on_one = fake_discord.add_guild("Shard One Guild", shard=(1, 2))
    on_zero = fake_discord.default_guild
    assert on_zero.shard_id(2) == 0
    moderator = fake_discord.make_moderator("mod")

    async with shared_cluster(fake_discord, tmp_path, pg_url) as ((zero, one), knowledge_dir):
        before = await ask(fake_discord, on_one, PHRASING)
        assert not answered_with(before, NEW_CLAIM_ID)

        # /kb add in a guild of shard 0: the modal, the preview, Save, all through process 0.
        shown = await fake_discord.send_slash_command(
            "kb", subcommand="add", user=moderator, guild=on_zero
        )
        assert (await shown.callback())["type"] == 9
        preview = await (
            await fake_discord.submit_modal("kb:add", FIELDS, user=moderator)
        ).callback()
        save, _ = components(preview["data"])
        saved = await (
            await fake_discord.click_button(save["custom_id"], user=moderator)
        ).callback()
        assert saved["data"]["content"].startswith(f"Saved `{NEW_CLAIM_ID}`")
        saved_at = time.monotonic()

        # Process 1 answers it within 5 s of the save.
        asked_on_one = 1
        while True:
            body = await ask(fake_discord, on_one, PHRASING)
            asked_on_one += 1
            if answered_with(body, NEW_CLAIM_ID):
                break
            assert time.monotonic() - saved_at < 5.0, "process 1 never answered the new claim"
            await asyncio.sleep(0.2)
        assert answered_with(await ask(fake_discord, on_zero, PHRASING), NEW_CLAIM_ID)
        assert load_knowledge(knowledge_dir).claim(NEW_CLAIM_ID) is not None
        assert "knowledge base reloaded for change #1" in one.log_text()
        assert "knowledge base reloaded" not in zero.log_text(), "its own change, not reloaded"

        # Every question is logged once, in the one database, whichever process took it.
        rows = await logged(pg_url, asked_on_one + 1)
        await asyncio.sleep(0.5)  # room for a duplicate to show, were there one
        rows = await logged(pg_url, asked_on_one + 1)
        assert sorted(guild for guild, _ in rows) == sorted(
            [str(on_zero.id)] + [str(on_one.id)] * asked_on_one
        )
        connection = await asyncpg.connect(pg_url)
        try:
            changes = await connection.fetch("SELECT action, actor_name, target FROM changes")
            duplicate_ids = await connection.fetchval(
                "SELECT count(*) - count(DISTINCT id) FROM queries"
            )
        finally:
            await connection.close()
        assert [tuple(c) for c in changes] == [("add", "mod", NEW_CLAIM_ID)]
        assert duplicate_ids == 0

        assert await zero.stop() == 0
        assert await one.stop() == 0
    for bot in (zero, one):
        assert "Traceback" not in bot.log_text()
