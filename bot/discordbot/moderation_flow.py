"""What happens after a moderator submits a ``/kb`` modal or clicks a ``/kb`` button.

Every entry point re-checks permission through the cog's ``ensure_moderator``: these
interactions do not pass the command group's ``interaction_check``, and a forged
``custom_id`` must be refused (and recorded) like any other attempt. Previews wait in
memory for 15 minutes; after a restart a moderator simply starts again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from bot.answering import Answer, AnswerService, Asker
from bot.discordbot import limits
from bot.discordbot.embeds import answer_embed, escape
from bot.discordbot.errors import send_ephemeral
from bot.discordbot.moderation_ui import AttachSelect, ConfirmButton, claim_modal, submitted_fields
from bot.knowledge.validation import KnowledgeError
from bot.matching import Outcome, ScoredClaim
from bot.moderation.audit import Actor
from bot.moderation.service import Draft, ModerationError, ModerationService

PENDING_SECONDS = 900.0

EnsureModerator = Callable[[discord.Interaction[Any], str, str | None], Awaitable[bool]]


@dataclass(frozen=True)
class _Pending:
    draft: Draft
    actor_id: str
    expires: float


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    return Actor(str(interaction.user.id), str(interaction.user))


def problems_text(error: KnowledgeError) -> str:
    lines = [
        f"• {escape(p.message)}" + (f" (line {p.line})" if p.line else "") for p in error.problems
    ]
    return limits.shorten("That claim is not valid:\n" + "\n".join(lines), limits.CONTENT)


def refusal_text(error: ModerationError | KnowledgeError) -> str:
    return problems_text(error) if isinstance(error, KnowledgeError) else str(error)


class ModerationFlow:
    """Previews, confirmations and the misses buttons for one ModerationCog."""

    def __init__(
        self,
        moderation: ModerationService,
        answers: AnswerService,
        ensure_moderator: EnsureModerator,
    ) -> None:
        self.moderation = moderation
        self.answers = answers
        self.ensure_moderator = ensure_moderator
        self._pending: dict[str, _Pending] = {}

    async def on_modal(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith("kb:"):
            return
        parts = custom_id.split(":")
        editing = parts[3] if parts[1] == "edit" and len(parts) == 4 else None
        if not await self.ensure_moderator(interaction, "modal", editing):
            return
        try:
            draft = self.moderation.draft(submitted_fields(data), editing=editing)
            if editing is not None:
                await self.moderation.check_version(editing, parts[2])
        except KnowledgeError as exc:
            await send_ephemeral(interaction, problems_text(exc))
            return
        except ModerationError as exc:
            await send_ephemeral(interaction, str(exc))
            return
        await self.send_preview(interaction, draft)

    async def send_preview(self, interaction: discord.Interaction[Any], draft: Draft) -> None:
        """The exact answer embed members would see, with Save / Cancel."""
        self._expire()
        token = secrets.token_hex(8)
        self._pending[token] = _Pending(
            draft, str(interaction.user.id), time.monotonic() + PENDING_SECONDS
        )
        knowledge = self.answers.knowledge
        preview = Answer(
            query_id="0" * 16,
            question=draft.claim.questions[0],
            outcome=Outcome.ANSWERED,
            matches=(ScoredClaim(draft.claim, 100.0),),
            latency_ms=0.0,
            kb_version=knowledge.version,
            asked_at=datetime.now(UTC),
            asker=Asker("discord"),
        )
        warning = ""
        if draft.near_duplicates:
            similar = ", ".join(f"`{cid}` ({score:.0f})" for cid, score in draft.near_duplicates)
            warning = (
                f"\n⚠️ Looks like an existing claim: {similar}. Consider editing that one instead."
            )
        verb = f"edit `{draft.claim.id}`" if draft.replacing else f"add `{draft.claim.id}`"
        view = discord.ui.View(timeout=None)
        view.add_item(ConfirmButton(token, True))
        view.add_item(ConfirmButton(token, False))
        await interaction.response.send_message(
            f"Preview: {verb}. Members will see this:{warning}",
            embed=answer_embed(preview, knowledge),
            view=view,
            ephemeral=True,
        )

    async def on_confirm(
        self, interaction: discord.Interaction[Any], token: str, accepted: bool
    ) -> None:
        if not await self.ensure_moderator(interaction, "confirm", None):
            return
        pending = self._pending.get(token)
        if (
            pending is None
            or pending.expires < time.monotonic()
            or pending.actor_id != str(interaction.user.id)
        ):
            await send_ephemeral(
                interaction, "This preview has expired or is not yours; start again."
            )
            return
        del self._pending[token]
        if not accepted:
            await interaction.response.edit_message(
                content="Cancelled; nothing was changed.", embed=None, view=None
            )
            return
        try:
            change_id = await self.moderation.apply(pending.draft, actor_of(interaction))
        except (ModerationError, KnowledgeError) as exc:
            await send_ephemeral(interaction, refusal_text(exc))
            return
        await interaction.response.edit_message(
            content=f"Saved `{pending.draft.claim.id}` (change #{change_id}); members can ask about it now.",
            view=None,
        )

    async def on_remove(
        self, interaction: discord.Interaction[Any], claim_id: str, version: str
    ) -> None:
        if not await self.ensure_moderator(interaction, "remove", claim_id):
            return
        try:
            change_id = await self.moderation.remove(claim_id, actor_of(interaction), version)
        except ModerationError as exc:
            await send_ephemeral(interaction, str(exc))
            return
        await interaction.response.edit_message(
            content=f"Removed `{claim_id}` (change #{change_id}; `/kb revert change:{change_id}` brings it back).",
            view=None,
        )

    async def on_miss(
        self,
        interaction: discord.Interaction[Any],
        query_id: str,
        attach: bool,
        claim_id: str | None = None,
    ) -> None:
        if attach and claim_id is not None:  # the claim members picked: attach at once
            await self.attach(interaction, query_id, claim_id, from_list=True)
            return
        if not await self.ensure_moderator(interaction, "misses", None):
            return
        question = await self.moderation.audit.storage.question_of(query_id)
        if question is None:
            await send_ephemeral(interaction, "That question is no longer in the log.")
            return
        if not attach:
            await interaction.response.send_modal(
                claim_modal("New claim", "kb:add", {"questions": question})
            )
            return
        options = [
            discord.SelectOption(
                label=limits.shorten(m.claim.id, 100),
                value=m.claim.id,
                description=limits.shorten(m.claim.statement, 100),
            )
            for m in self.answers.search(question, limit=10)
        ]
        if not options:
            await send_ephemeral(
                interaction, "No claim is close to that question; start a new claim instead."
            )
            return
        view = discord.ui.View(timeout=None)
        view.add_item(AttachSelect(query_id, options))
        await interaction.response.send_message(
            f"Attach “{escape(limits.shorten(question, 200))}” as a phrasing of:",
            view=view,
            ephemeral=True,
        )

    async def on_attach(
        self, interaction: discord.Interaction[Any], query_id: str, claim_id: str
    ) -> None:
        await self.attach(interaction, query_id, claim_id, from_list=False)

    async def attach(
        self,
        interaction: discord.Interaction[Any],
        query_id: str,
        claim_id: str,
        *,
        from_list: bool,
    ) -> None:
        """Add a logged question to ``claim_id`` as a phrasing. Chosen in the select, the
        select's message says it is done; clicked in the misses list, the list stays and
        the moderator is told privately."""
        if not await self.ensure_moderator(interaction, "attach", claim_id):
            return
        question = await self.moderation.audit.storage.question_of(query_id)
        if question is None or self.answers.claim(claim_id) is None:
            await send_ephemeral(interaction, "That question or claim no longer exists.")
            return
        try:
            change_id = await self.moderation.apply(
                self.moderation.with_question(claim_id, question),
                actor_of(interaction),
                action="add-question",
            )
        except (ModerationError, KnowledgeError) as exc:
            await send_ephemeral(interaction, refusal_text(exc))
            return
        done = f"Added the phrasing to `{claim_id}` (change #{change_id})."
        if from_list:
            await send_ephemeral(interaction, done)
        else:
            await interaction.response.edit_message(content=done, view=None)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self._pending.items() if p.expires < now]:
            del self._pending[token]
