"""Members' questions: ``/ask``, ``/search``, ``/claim``, ``/sources``, ``/help``, the
"Ask the knowledge base" message menu, and the clicks on answer buttons."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import MAX_QUESTION_CHARS, AnswerService
from bot.discordbot import limits
from bot.discordbot.asker import asker_of
from bot.discordbot.cooldown import QuestionCooldown
from bot.discordbot.embeds import answer_embed, claim_embed, escape, search_lines
from bot.discordbot.errors import APOLOGY, send_ephemeral
from bot.discordbot.views import HANDLER_COG, answer_view
from bot.messages import message

HELP_TEXT = """\
I answer questions about the Iran–Venezuela partnership from a curated knowledge base, \
and every answer quotes the passage it comes from.
• `/ask question:` ask anything; e.g. *What did Venezuela import from Iran in 2020?*
• Mention me or reply to me with a question; or right-click a message → Apps → **Ask the knowledge base**.
• `/search query:` the five closest claims. `/claim id:` one claim with all its citations.
• `/sources` the documents I quote. 👍/👎 under an answer tells the moderators how I did.
• When I'm not sure, the claims I have in mind are buttons under my answer: pick one.
• Ask in English, Spanish or Persian: I reply in your language (the quotes stay as the source has them).
• `/forget-me` deletes the questions I logged from you.
If my sources don't say, I say so instead of guessing."""


async def within_cooldown(interaction: discord.Interaction[Any]) -> bool:
    """App-command check: spend one of the member's questions, or refuse with the wait."""
    client = interaction.client
    cog = client.get_cog(HANDLER_COG) if isinstance(client, commands.Bot) else None
    if not isinstance(cog, AskCog):
        return True
    retry_after = cog.cooldown.retry_after(interaction.user.id)
    if retry_after is not None:
        raise app_commands.CommandOnCooldown(cog.cooldown.bucket(interaction.user.id), retry_after)
    return True


class AskCog(commands.Cog, name=HANDLER_COG):
    """Answers questions and handles the buttons under answers.

    Everything it knows comes from the :class:`AnswerService`; it only translates
    between Discord and the service, replies first and records afterwards.
    """

    def __init__(
        self,
        bot: commands.Bot,
        service: AnswerService,
        cooldown: QuestionCooldown,
    ) -> None:
        self.bot = bot
        self.service = service
        self.cooldown = cooldown
        self.message_menu = app_commands.ContextMenu(
            name="Ask the knowledge base", callback=self.ask_about_message
        )
        self.message_menu.add_check(within_cooldown)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.message_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.message_menu.name, type=self.message_menu.type)

    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know about the Iran–Venezuela partnership")
    @app_commands.check(within_cooldown)
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
    ) -> None:
        """Ask a question; the answer quotes the source it comes from."""
        await self.send_answer(interaction, question)

    async def ask_about_message(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        """Answer the text of the selected message."""
        if not message.content.strip():
            await interaction.response.send_message(
                "That message has no text I can read.", ephemeral=True
            )
            return
        await self.send_answer(interaction, message.content)

    async def send_answer(self, interaction: discord.Interaction[Any], question: str) -> None:
        """Reply with the answer, then record it (a failed reply is still recorded)."""
        answer = self.service.answer(question, asker_of(interaction))
        try:
            await interaction.response.send_message(
                embed=answer_embed(answer, self.service.knowledge), view=answer_view(answer)
            )
        finally:
            self.service.record(answer)

    @app_commands.command(name="search")
    @app_commands.describe(query="Words to look for in the knowledge base")
    async def search(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
    ) -> None:
        """The five claims closest to your words, with their scores."""
        found = self.service.search(query, limit=5)
        text = search_lines([(m.claim.id, m.score, m.claim.statement) for m in found])
        header = limits.shorten(f"Closest claims to “{escape(query)}”:", 200)
        await interaction.response.send_message(
            limits.shorten(f"{header}\n{text}", limits.CONTENT), ephemeral=True
        )

    @app_commands.command(name="claim")
    @app_commands.describe(id="The claim's id (start typing to search)")
    async def claim(self, interaction: discord.Interaction[Any], id: str) -> None:
        """One claim with all its citations and any curator's note."""
        found = self.service.claim(id.strip())
        if found is None:
            await interaction.response.send_message(
                f"No claim has the id `{escape(limits.shorten(id, 80))}`. Start typing and pick one from the list.",
                ephemeral=True,
            )
            return
        await interaction.response.send_message(embed=claim_embed(found, self.service.knowledge))

    @claim.autocomplete("id")
    async def claim_id_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(
                name=limits.shorten(f"{c.id}: {c.statement}", limits.CHOICE_NAME), value=c.id
            )
            for c in self.service.suggest_claims(current, limit=limits.AUTOCOMPLETE_CHOICES)
        ]

    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction[Any]) -> None:
        """The documents the answers quote, and how many claims cite each."""
        knowledge = self.service.knowledge
        counts = knowledge.citation_counts()
        lines = [
            f"• **{escape(source.title)}** (`{source.id}`): {counts.get(source.id, 0)} claims"
            for source in knowledge.sources.values()
        ]
        await interaction.response.send_message(
            limits.shorten("\n".join(lines) or "No sources loaded.", limits.CONTENT), ephemeral=True
        )

    @app_commands.command(name="forget-me")
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        """Delete the questions, votes and picks the bot has logged from you."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        deleted = await self.service.forget(str(interaction.user.id))
        if deleted is None:
            text = "This bot does not store who asks questions, so there is nothing to delete."
        else:
            text = f"Done: deleted {deleted} question{'s' if deleted != 1 else ''} you asked, and your votes and picks."
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """How to use this bot."""
        await interaction.response.send_message(HELP_TEXT, ephemeral=True)

    async def on_feedback(
        self,
        interaction: discord.Interaction[Any],
        query_id: str,
        helpful: bool,
        language: str = "en",
    ) -> None:
        """A 👍/👎 click: thank the member (in the answer's language), then store the vote."""
        try:
            await interaction.response.send_message(
                message("thanks_helpful" if helpful else "thanks_not_helpful", language),
                ephemeral=True,
            )
        finally:
            self.service.record_feedback(query_id, str(interaction.user.id), helpful)

    async def on_choice(
        self,
        interaction: discord.Interaction[Any],
        claim_id: str,
        query_id: str,
        language: str = "en",
    ) -> None:
        """A pick among the candidates ("did you mean", or related claims): the message
        becomes the answer with that claim, and the service logs the pick."""
        try:
            title = _title_of(interaction.message)
            question = title.removeprefix("Q: ") if title else message("your_question", language)
            answer = self.service.choose(
                claim_id, query_id, question, asker_of(interaction), language=language
            )
            if answer is None:
                await send_ephemeral(interaction, message("claim_gone", language))
                return
            embed = answer_embed(answer, self.service.knowledge)
            if title:
                embed.title = title  # already escaped when it was first shown
            await interaction.response.edit_message(embed=embed, view=answer_view(answer))
        except Exception:
            await send_ephemeral(interaction, APOLOGY)
            raise


def _title_of(message: discord.Message | None) -> str | None:
    """The title of the answer being replaced ("Q: " and the escaped question)."""
    return message.embeds[0].title if message and message.embeds else None


async def setup(bot: commands.Bot) -> None:
    from bot.discordbot.client import KnowledgeBot  # noqa: PLC0415 - avoid an import cycle

    if not isinstance(bot, KnowledgeBot):
        raise TypeError("the ask extension needs a KnowledgeBot (it brings the AnswerService)")
    await bot.add_cog(AskCog(bot, bot.service, bot.cooldown))
