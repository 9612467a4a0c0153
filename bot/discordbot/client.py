"""The Discord client: a :class:`commands.Bot` given everything it uses by its constructor."""

from __future__ import annotations

from collections.abc import Sequence

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
        )
        self.service = service
        self.query_log = query_log
        self.settings = settings
        self.moderation = moderation
        """Given by ``run``; without it the ``/kb`` extension refuses to load."""
        self.cooldown = QuestionCooldown(settings.cooldown_questions, settings.cooldown_seconds)
        self._extensions = tuple(extensions)

    async def setup_hook(self) -> None:
        """Load every extension; one that fails stops the start (``ExtensionFailed``)."""
        self.add_dynamic_items(FeedbackButton, ChoiceButton, *MODERATION_ITEMS)
        self.tree.error(on_app_command_error)
        for name in self._extensions:
            await self.load_extension(name)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: questions in messages are the Mentions cog's business."""
