"""The Discord client: a :class:`commands.Bot` given everything it uses by its constructor."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.answering import AnswerService, RecordSink
from bot.config import DiscordSettings
from bot.discordbot.cooldown import QuestionCooldown
from bot.discordbot.errors import on_app_command_error
from bot.discordbot.moderation_ui import DYNAMIC_ITEMS as MODERATION_ITEMS
from bot.discordbot.views import ChoiceButton, FeedbackButton
from bot.moderation.service import ModerationService

EXTENSIONS: tuple[str, ...] = ("bot.discordbot.cogs.ask", "bot.discordbot.cogs.mentions")
MODERATION_EXTENSION = "bot.discordbot.cogs.moderation"

log = logging.getLogger(__name__)


def intents_for(settings: DiscordSettings) -> discord.Intents:
    """No privileged intent by default: mentions and replies to the bot carry their text
    without it. Listening to whole channels needs the message-content intent."""
    intents = discord.Intents.default()
    intents.message_content = bool(settings.listen_channel_ids)
    return intents


class KnowledgeBot(commands.Bot):
    """Answers questions on Discord through one :class:`AnswerService`.

    ``allowed_mentions`` is "none" for the whole client, so nothing it sends (answers,
    echoed questions, errors) can ping @everyone, @here, a role or a member.
    """

    def __init__(
        self,
        service: AnswerService,
        query_log: RecordSink,
        settings: DiscordSettings,
        *,
        moderation: ModerationService | None = None,
        extensions: Sequence[str] = EXTENSIONS,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            **self._shard_options(settings),
        )
        self.service = service
        self.query_log = query_log
        self.settings = settings
        self.moderation = moderation
        """Given by ``run``; without it the ``/kb`` extension refuses to load."""
        self.cooldown = QuestionCooldown(settings.cooldown_questions, settings.cooldown_seconds)
        self._extensions = tuple(extensions)

    @classmethod
    def for_settings(
        cls,
        service: AnswerService,
        query_log: RecordSink,
        settings: DiscordSettings,
        *,
        moderation: ModerationService | None = None,
        extensions: Sequence[str] = EXTENSIONS,
    ) -> KnowledgeBot:
        """A :class:`ShardedKnowledgeBot` when ``settings.shards`` is set (``BOT_SHARD_COUNT``),
        else a :class:`KnowledgeBot` with one unsharded gateway connection."""
        bot_class = KnowledgeBot if settings.shards is None else ShardedKnowledgeBot
        return bot_class(service, query_log, settings, moderation=moderation, extensions=extensions)

    def _shard_options(self, settings: DiscordSettings) -> dict[str, Any]:
        """Options for discord.py's client: none, so IDENTIFY sends no ``shard``."""
        return {}

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """Say which shards this process holds, then log in and connect."""
        shards = self.settings.shards
        if shards is None:
            log.info("gateway: one connection for every guild (not sharded)")
        else:
            held = ",".join(str(shard_id) for shard_id in shards.ids)
            log.info("gateway: this process holds shards %s of %d", held, shards.count)
        await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        """Load every extension; one that fails stops the start (``ExtensionFailed``)."""
        self.add_dynamic_items(FeedbackButton, ChoiceButton, *MODERATION_ITEMS)
        self.tree.error(on_app_command_error)
        for name in self._extensions:
            await self.load_extension(name)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: questions in messages are the Mentions cog's business."""


class ShardedKnowledgeBot(KnowledgeBot, commands.AutoShardedBot):
    """The same bot on discord.py's :class:`commands.AutoShardedBot`: one gateway
    connection per shard of ``settings.shards`` (``BOT_SHARD_COUNT``/``BOT_SHARD_IDS``).

    Discord itself routes each guild's events and interactions to the connection of
    shard ``(guild_id >> 22) % count`` (direct messages to shard 0), so processes that
    hold different shards need no coordination between them.
    """

    def _shard_options(self, settings: DiscordSettings) -> dict[str, Any]:
        if settings.shards is None:
            raise ValueError("ShardedKnowledgeBot needs settings.shards (BOT_SHARD_COUNT)")
        return {"shard_count": settings.shards.count, "shard_ids": list(settings.shards.ids)}

    async def on_shard_connect(self, shard_id: int) -> None:
        log.info("shard %d of %s connected", shard_id, self.shard_count)

    async def on_shard_ready(self, shard_id: int) -> None:
        guilds = sum(1 for guild in self.guilds if guild.shard_id == shard_id)
        log.info("shard %d of %s ready, guilds: %d", shard_id, self.shard_count, guilds)

    async def on_shard_resumed(self, shard_id: int) -> None:
        log.info("shard %d of %s resumed", shard_id, self.shard_count)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        log.info("shard %d of %s disconnected", shard_id, self.shard_count)
