"""Questions in messages: mention the bot, reply to it, or (opt-in) ask in a listened channel."""

from __future__ import annotations

import logging
import re

import discord
from discord.ext import commands

from bot.answering import AnswerService
from bot.discordbot.asker import asker_of_message
from bot.discordbot.cooldown import QuestionCooldown
from bot.discordbot.embeds import answer_embed
from bot.discordbot.views import answer_view

log = logging.getLogger(__name__)

QUESTION_WORDS = re.compile(
    r"^\s*(what|which|who|whom|whose|why|how|when|where|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had|qu[eé]|cu[aá]l|c[oó]mo|por qu[eé]|qui[eé]n|d[oó]nde|cu[aá]ndo)\b",
    re.IGNORECASE,
)
HINT = "Ask me something about the Iran–Venezuela partnership, e.g. *What did Venezuela import from Iran in 2020?*"


def looks_like_question(text: str) -> bool:
    """For listened channels: a question mark, or a question word first."""
    return text.rstrip().endswith("?") or bool(QUESTION_WORDS.match(text))


class MentionCog(commands.Cog, name="Mentions"):
    """Answers messages addressed to the bot with the same embed as ``/ask``, as a reply."""

    def __init__(
        self,
        bot: commands.Bot,
        service: AnswerService,
        cooldown: QuestionCooldown,
        listen_channel_ids: frozenset[int] = frozenset(),
    ) -> None:
        self.bot = bot
        self.service = service
        self.cooldown = cooldown
        self.listen_channel_ids = listen_channel_ids

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message puts to the bot, "" for a bare mention, None if not for us."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        mentioned = any(user.id == me.id for user in message.mentions)
        reference = message.reference
        resolved = reference.resolved if reference else None
        replied = isinstance(resolved, discord.Message) and resolved.author.id == me.id
        text = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if mentioned or replied:
            return text
        if message.channel.id in self.listen_channel_ids and looks_like_question(text):
            return text
        return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            return
        if not question:
            await message.reply(HINT, mention_author=False)
            return
        retry_after = self.cooldown.retry_after(message.author.id)
        if retry_after is not None:
            await message.reply(
                f"You're asking quickly! Please wait {retry_after:.0f} s before the next question.",
                mention_author=False,
                delete_after=15,
            )
            return
        answer = self.service.answer(question, asker_of_message(message))
        try:
            await message.reply(
                embed=answer_embed(answer, self.service.knowledge),
                view=answer_view(answer),
                mention_author=False,
            )
        finally:
            self.service.record(answer)


async def setup(bot: commands.Bot) -> None:
    from bot.discordbot.client import KnowledgeBot  # noqa: PLC0415 - avoid an import cycle

    if not isinstance(bot, KnowledgeBot):
        raise TypeError("the mentions extension needs a KnowledgeBot (it brings the AnswerService)")
    await bot.add_cog(MentionCog(bot, bot.service, bot.cooldown, bot.settings.listen_channel_ids))
