"""The real KnowledgeBot after Discord drops its gateway session for good.

``test_bot_e2e.py`` covers a resumable drop (the bot RESUMEs); here the session is
invalidated, so the bot must IDENTIFY again as a new session and still answer /ask,
with the question logged once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.answering import AnswerService
from bot.config import DiscordSettings
from bot.discordbot.client import KnowledgeBot
from bot.matching import build_matcher
from bot.querylog import QueryLog
from tests.discordbot.doubles import ANSWERED_CLAIM_ID, ANSWERED_QUESTION
from tests.e2e.conftest import running_bot
from tests.fake_discord import FakeDiscord, option
from tests.helpers import query_db, shipped_knowledge


class QuickReidentifyBot(KnowledgeBot):
    """discord.py waits 5 s before every IDENTIFY but the first (Discord's rate limit);
    the fake has no rate limit, so the test skips the wait and nothing else."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def test_ask_is_answered_after_a_non_resumable_gateway_drop(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    knowledge = shipped_knowledge()
    db = tmp_path / "queries.sqlite3"
    async with await QueryLog.open(db) as query_log:
        service = AnswerService(knowledge, build_matcher(knowledge), query_log)
        bot = QuickReidentifyBot(service, query_log, DiscordSettings(token="fake-token"))
        async with running_bot(bot, fake_discord):
            await fake_discord.drop_gateway(resumable=False)
            await fake_discord.wait_until_identified()

            handle = await fake_discord.send_slash_command(
                "ask", [option("question", ANSWERED_QUESTION)]
            )
            body = await handle.callback()
            async with asyncio.timeout(5):
                await query_log.flush()

    assert (fake_discord.identify_count, fake_discord.resume_count) == (2, 0)
    assert [f.op for f in fake_discord.gateway_frames if f.op in (2, 6)] == [2, 6, 2]
    assert body["type"] == 4
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert body["data"]["embeds"][0]["footer"]["text"].endswith(f"claim {ANSWERED_CLAIM_ID}")
    assert query_db(db, "SELECT outcome, claim_id FROM queries") == [
        ("answered", ANSWERED_CLAIM_ID)
    ]
