"""The real KnowledgeBot, in process, against the fake Discord server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answering import AnswerService
from bot.config import DiscordSettings, default_knowledge_dir
from bot.discordbot.client import KnowledgeBot
from bot.knowledge.loader import load_knowledge
from bot.matching import build_matcher
from bot.querylog import QueryLog
from tests.e2e.conftest import running_bot
from tests.fake_discord import FakeDiscord, option

KNOWLEDGE = load_knowledge(default_knowledge_dir())


@pytest.fixture
async def query_log(tmp_path: Path) -> AsyncIterator[QueryLog]:
    log = await QueryLog.open(tmp_path / "queries.sqlite3")
    yield log
    await log.close()


def make_bot(query_log: QueryLog) -> KnowledgeBot:
    service = AnswerService(KNOWLEDGE, build_matcher(KNOWLEDGE), query_log)
    return KnowledgeBot(service, query_log, DiscordSettings(token="fake-token"))


async def test_ask_answers_with_the_verbatim_quote_and_pings_nobody(
    fake_discord: FakeDiscord, query_log: QueryLog
) -> None:
    async with running_bot(make_bot(query_log), fake_discord):
        handle = await fake_discord.send_slash_command(
            "ask", [option("question", "What did Venezuela import from Iran in 2020?")]
        )
        body = await handle.callback()
    assert body["type"] == 4
    data = body["data"]
    assert data["allowed_mentions"] == {"parse": []}
    embed = data["embeds"][0]
    quotes = [field["value"] for field in embed["fields"]]
    assert any(
        "In 2020, Venezuela imported gasoline and other refined products from Iran" in q for q in quotes
    )
    await query_log.flush()
    async with query_log.connection.execute("SELECT adapter, outcome, claim_id FROM queries") as cur:
        rows = await cur.fetchall()
    assert [tuple(r) for r in rows] == [("discord", "answered", "venezuela-imported-iranian-gasoline-2020")]
