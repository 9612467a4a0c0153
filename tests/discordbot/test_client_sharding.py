"""``KnowledgeBot.for_settings``: a plain bot unless ``BOT_SHARD_COUNT`` is set, then an
AutoShardedBot for exactly the configured shards, which logs each shard's life at INFO.

That Discord routes each guild to the process holding its shard is tested end to end
(``tests/e2e/test_sharding_e2e.py``); here only what the constructor hands discord.py.
"""

from __future__ import annotations

import logging

import discord
import pytest
from discord.ext import commands

from bot.answering import AnswerService
from bot.config import DiscordSettings, Shards
from bot.discordbot.client import EXTENSIONS, KnowledgeBot, ShardedKnowledgeBot
from tests.discordbot.doubles import RecordingSink

UNSHARDED = DiscordSettings(token="fake-token")
SHARD_1_OF_2 = DiscordSettings(token="fake-token", shards=Shards(2, (1,)))


def test_without_shards_the_bot_is_today_s_single_connection_bot(
    service: AnswerService,
) -> None:
    bot = KnowledgeBot.for_settings(service, RecordingSink(), UNSHARDED)

    assert type(bot) is KnowledgeBot
    assert not isinstance(bot, discord.AutoShardedClient)
    assert bot.shard_count is None  # IDENTIFY sends no ``shard``


def test_with_shards_it_is_an_auto_sharded_bot_for_exactly_those_shards(
    service: AnswerService,
) -> None:
    bot = KnowledgeBot.for_settings(service, RecordingSink(), SHARD_1_OF_2)

    assert isinstance(bot, ShardedKnowledgeBot)
    assert isinstance(bot, commands.AutoShardedBot)
    assert (bot.shard_count, bot.shard_ids) == (2, [1])
    # Everything else is the same bot: settings, extensions, mentions.
    assert bot.settings is SHARD_1_OF_2
    assert bot._extensions == EXTENSIONS
    assert bot.allowed_mentions is not None
    assert bot.allowed_mentions.to_dict()["parse"] == []


def test_a_sharded_bot_without_shards_in_its_settings_is_refused(
    service: AnswerService,
) -> None:
    with pytest.raises(ValueError, match="BOT_SHARD_COUNT"):
        ShardedKnowledgeBot(service, RecordingSink(), UNSHARDED)


async def test_each_shard_s_connect_ready_resume_and_disconnect_is_logged_at_info(
    service: AnswerService, caplog: pytest.LogCaptureFixture
) -> None:
    bot = KnowledgeBot.for_settings(service, RecordingSink(), SHARD_1_OF_2)
    assert isinstance(bot, ShardedKnowledgeBot)
    caplog.set_level(logging.INFO, logger="bot.discordbot.client")

    await bot.on_shard_connect(1)
    await bot.on_shard_ready(1)
    await bot.on_shard_resumed(1)
    await bot.on_shard_disconnect(1)

    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
        "shard 1 of 2 connected",
        "shard 1 of 2 ready, guilds: 0",
        "shard 1 of 2 resumed",
        "shard 1 of 2 disconnected",
    ]
