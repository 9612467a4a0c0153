"""``/kb``: moderators add, edit, remove and revert claims, reload from git, add sources,
review misses and read statistics, all from Discord.

Permission (Manage Server, or a role in ``BOT_MOD_ROLE_IDS``) is checked at run time on
every path that reads or changes anything: the group's ``interaction_check`` for the
commands, and explicitly in autocomplete, modal submissions and button clicks, which
that check does not cover. Refusals are answered privately and recorded.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import AnswerService
from bot.discordbot import limits
from bot.discordbot.embeds import escape
from bot.discordbot.errors import send_ephemeral
from bot.discordbot.moderation_flow import ModerationFlow, actor_of, refusal_text
from bot.discordbot.moderation_ui import (
    MODERATION_COG,
    MissButton,
    RemoveButton,
    claim_modal,
    is_moderator,
)
from bot.knowledge.base import claim_version
from bot.knowledge.validation import KnowledgeError
from bot.moderation.service import ModerationError, ModerationService, slugify
from bot.querylog.chart import stats_chart

log = logging.getLogger(__name__)
REFUSAL = "Only moderators (Manage Server, or a moderator role) can change the knowledge base."


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ModerationCog(
    commands.GroupCog,
    name=MODERATION_COG,
    group_name="kb",
    group_description="Keep the knowledge base right (moderators)",
):
    """Moderators' commands; a thin layer over :class:`ModerationService`."""

    def __init__(
        self,
        bot: commands.Bot,
        moderation: ModerationService,
        answers: AnswerService,
        mod_role_ids: frozenset[int],
    ) -> None:
        super().__init__()
        self.bot = bot
        self.moderation = moderation
        self.answers = answers
        self.mod_role_ids = mod_role_ids
        self.flow = ModerationFlow(moderation, answers, self.ensure_moderator)
        self._drawing = asyncio.Lock()
        """One chart at a time: matplotlib's font cache is not safe across threads."""

    # -- the permission gate ------------------------------------------------------------

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        command = interaction.command.qualified_name if interaction.command else "kb"
        return await self.ensure_moderator(interaction, command)

    async def ensure_moderator(
        self, interaction: discord.Interaction[Any], action: str, target: str | None = None
    ) -> bool:
        if is_moderator(interaction, self.mod_role_ids):
            return True
        await send_ephemeral(interaction, REFUSAL)
        try:
            await self.moderation.refused(actor_of(interaction), action, target, "not a moderator")
        except Exception:
            log.exception("could not record a refused /kb attempt")
        return False

    # -- commands -----------------------------------------------------------------------

    @app_commands.command(name="add")
    async def add(self, interaction: discord.Interaction[Any]) -> None:
        """Add a claim: statement, verbatim quote, source, questions; previewed before saving."""
        await interaction.response.send_modal(claim_modal("New claim", "kb:add"))

    @app_commands.command(name="edit")
    @app_commands.describe(id="The claim to edit")
    async def edit(self, interaction: discord.Interaction[Any], id: str) -> None:
        """Edit a claim (saving is refused if someone else changed it meanwhile)."""
        claim = self.answers.claim(id)
        if claim is None:
            await send_ephemeral(
                interaction, f"There is no claim `{escape(limits.shorten(id, 80))}`."
            )
            return
        values = {
            "statement": claim.statement,
            "quotes": "\n\n".join(c.quote for c in claim.citations),
            "sources": ", ".join(dict.fromkeys(c.source for c in claim.citations))
            if len({c.source for c in claim.citations}) == 1
            else ", ".join(c.source for c in claim.citations),
            "questions": "\n".join(claim.questions),
            "topics": ", ".join(claim.topics),
        }
        modal = claim_modal(
            f"Edit {claim.id}", f"kb:edit:{claim_version(claim)}:{claim.id}", values
        )
        await interaction.response.send_modal(modal)

    @app_commands.command(name="remove")
    @app_commands.describe(id="The claim to remove")
    async def remove(self, interaction: discord.Interaction[Any], id: str) -> None:
        """Remove a claim (after confirmation; it stays in the history and can be reverted)."""
        claim = self.answers.claim(id)
        if claim is None:
            await send_ephemeral(
                interaction, f"There is no claim `{escape(limits.shorten(id, 80))}`."
            )
            return
        view = discord.ui.View(timeout=None)
        view.add_item(RemoveButton(claim.id, claim_version(claim)))
        await interaction.response.send_message(
            f"Remove `{claim.id}`?\n> {escape(limits.shorten(claim.statement, 500))}",
            view=view,
            ephemeral=True,
        )

    @edit.autocomplete("id")
    @remove.autocomplete("id")
    async def claim_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if not is_moderator(interaction, self.mod_role_ids):  # autocomplete skips interaction_check
            return []
        return [
            app_commands.Choice(
                name=limits.shorten(f"{c.id}: {c.statement}", limits.CHOICE_NAME), value=c.id
            )
            for c in self.answers.suggest_claims(current, limit=limits.AUTOCOMPLETE_CHOICES)
        ]

    @app_commands.command(name="history")
    @app_commands.describe(id="Only this claim's changes")
    async def history(self, interaction: discord.Interaction[Any], id: str | None = None) -> None:
        """The latest changes to the knowledge base, newest first."""
        changes = await self.moderation.audit.history(id, limit=15)
        lines = [
            f"`#{c.id}` {c.at:%Y-%m-%d %H:%M} **{escape(c.action)}** `{c.target or '-'}` by {escape(c.actor_name)}"
            + (f" ({escape(c.detail)})" if c.detail else "")
            for c in changes
        ]
        await send_ephemeral(
            interaction,
            limits.shorten("\n".join(lines) or "No changes recorded yet.", limits.CONTENT),
        )

    @app_commands.command(name="revert")
    @app_commands.describe(change="The change number shown by /kb history")
    async def revert(
        self, interaction: discord.Interaction[Any], change: app_commands.Range[int, 1]
    ) -> None:
        """Undo one change exactly (the undo is itself a change you can revert)."""
        try:
            new_id = await self.moderation.revert(change, actor_of(interaction))
        except (ModerationError, KnowledgeError) as exc:
            await send_ephemeral(interaction, refusal_text(exc))
            return
        await send_ephemeral(interaction, f"Reverted change #{change} (recorded as #{new_id}).")

    @app_commands.command(name="reload")
    async def reload(self, interaction: discord.Interaction[Any]) -> None:
        """Re-read the knowledge files from disk (after edits in git); keeps the old on errors."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await self.moderation.reload(actor_of(interaction))
        except KnowledgeError as exc:
            text = "\n".join(
                f"• `{p.path.name}`:{p.line or '-'} {escape(p.message)}"
                + (f" [{p.claim_id}]" if p.claim_id else "")
                for p in exc.problems
            )
            await interaction.followup.send(
                limits.shorten(
                    f"Reload refused; still serving the previous knowledge base.\n{text}",
                    limits.CONTENT,
                ),
                ephemeral=True,
            )
            return
        summary = f"Reloaded (version {report.version}): {len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed."
        details = [
            f"{label}: " + ", ".join(f"`{i}`" for i in ids)
            for label, ids in (
                ("added", report.added),
                ("changed", report.changed),
                ("removed", report.removed),
            )
            if ids
        ]
        await interaction.followup.send(
            limits.shorten("\n".join([summary, *details]), limits.CONTENT), ephemeral=True
        )

    @app_commands.command(name="source-add")
    @app_commands.describe(
        file="A UTF-8 .txt or .md file",
        title="The document's title",
        id="A short id, e.g. reuters-2021-05-oil",
    )
    async def source_add(
        self,
        interaction: discord.Interaction[Any],
        file: discord.Attachment,
        title: app_commands.Range[str, 1, 200],
        id: app_commands.Range[str, 1, 64],
    ) -> None:
        """Add a source document that claims can cite."""
        if not file.filename.lower().endswith((".txt", ".md", ".markdown")):
            await send_ephemeral(interaction, "Attach a plain-text (.txt) or markdown (.md) file.")
            return
        if file.size > 1_000_000:
            await send_ephemeral(
                interaction, f"The file is {file.size:,} bytes; the limit is 1,000,000."
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        origin = f"Uploaded to Discord by {interaction.user} on {datetime.now(UTC):%Y-%m-%d} as {file.filename}."
        try:
            await self.moderation.add_source(id, title, data, actor_of(interaction), origin)
        except ModerationError as exc:
            await interaction.followup.send(str(exc), ephemeral=True)
            return
        await interaction.followup.send(  # the id the service stored, which claims must cite
            f"Added source `{slugify(id, 64)}`: claims can now cite it.", ephemeral=True
        )

    @app_commands.command(name="misses")
    @app_commands.describe(days="How far back to look (default 30)")
    async def misses(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 3650] = 30
    ) -> None:
        """Unanswered and not-helpful questions, grouped, most frequent first."""
        found = await self.moderation.audit.storage.find_misses(
            since=datetime.now(UTC) - timedelta(days=days),
            limit=10,
        )
        if not found:
            await send_ephemeral(interaction, f"No misses in the last {days} days.")
            return
        lines = [
            f"**{n}.** {escape(limits.shorten(m.question, 150))} ×{m.count}"
            + (f" ({m.not_helpful} 👎)" if m.not_helpful else "")
            + (
                " · members picked "
                + ", ".join(f"`{c}`" + (f" ×{k}" if k > 1 else "") for c, k in m.picked[:3])
                if m.picked
                else ""
            )
            for n, m in enumerate(found, start=1)
        ]
        view = discord.ui.View(timeout=None)
        for n, miss in enumerate(found[:5], start=1):  # five rows of buttons at most
            picked = miss.top_pick  # one click makes the wording a phrasing of it
            attach = f"{n}: attach to {picked}" if picked else f"{n}: attach to a claim"
            view.add_item(MissButton(miss.query_id, True, attach, picked))
            view.add_item(MissButton(miss.query_id, False, f"{n}: new claim"))
        await interaction.response.send_message(
            limits.shorten("\n".join(lines), limits.CONTENT), view=view, ephemeral=True
        )

    @app_commands.command(name="stats")
    @app_commands.describe(days="How far back to look (default 30)")
    async def stats(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 3650] = 30
    ) -> None:
        """Questions, answer and unknown rates, feedback, top claims and misses, and a chart."""
        # Drawing takes about half a second, a few on the first chart after a start.
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = datetime.now(UTC)
        since = now - timedelta(days=days)
        storage = self.moderation.audit.storage  # the cluster's, with BOT_DATABASE_URL
        stats = await storage.read_stats(since=since, top=5)
        daily = await storage.read_daily(since=since, until=now)
        votes = stats.helpful + stats.not_helpful
        lines = [
            f"**Last {days} days**: {stats.questions} questions, {stats.answer_rate:.0%} answered, {stats.unknown_rate:.0%} unknown, {stats.ambiguous} ambiguous.",
            f"Feedback: {stats.helpful} 👍 / {stats.not_helpful} 👎"
            + (f" ({stats.helpful / votes:.0%} helpful)" if votes else ""),
            "Top claims: " + (", ".join(f"`{c}` ×{n}" for c, n in stats.top_claims) or "-"),
            "Top misses: "
            + (
                "; ".join(f"{escape(limits.shorten(q, 80))} ×{n}" for q, n in stats.top_unanswered)
                or "-"
            ),
        ]
        text = limits.shorten("\n".join(lines), limits.CONTENT - 60)
        try:
            async with self._drawing:  # off the event loop: answers go on meanwhile
                png = await asyncio.to_thread(stats_chart, daily, stats, window_days=days)
        except Exception:
            log.exception("could not draw the /kb stats chart")
            await interaction.followup.send(
                f"{text}\n(The chart could not be drawn; the bot's log says why.)", ephemeral=True
            )
            return
        chart = discord.File(io.BytesIO(png), filename="kb-stats.png")
        await interaction.followup.send(text, file=chart, ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Modal submissions, read raw so that a forged one is refused, not dropped."""
        if interaction.type is discord.InteractionType.modal_submit:
            await self.flow.on_modal(interaction)


async def setup(bot: commands.Bot) -> None:
    from bot.discordbot.client import KnowledgeBot  # noqa: PLC0415 - avoid an import cycle

    if not isinstance(bot, KnowledgeBot):
        raise TypeError("the moderation extension needs a KnowledgeBot")
    if bot.moderation is None:
        raise RuntimeError(
            "the moderation extension needs a ModerationService (see runner.run_bot)"
        )
    await bot.add_cog(ModerationCog(bot, bot.moderation, bot.service, bot.settings.mod_role_ids))
