"""Buttons under answers that keep working after a restart.

Both are :class:`discord.ui.DynamicItem` subclasses: their state lives in the
``custom_id`` (at most 100 characters), and the client re-creates them from it on
any click, so no view has to be kept in memory and a restart loses nothing. Every
click goes through :class:`ButtonHandler`, which the bot provides; the items
themselves only parse ids.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, Self

import discord
import discord.ext.commands

from bot.answering import Answer
from bot.discordbot import limits
from bot.matching import Outcome

QUERY_ID = r"[0-9a-f]{16}"
CLAIM_ID = r"[a-z0-9-]{1,64}"


HANDLER_COG = "Ask"
"""The cog that handles clicks (see :class:`bot.discordbot.cogs.ask.AskCog`)."""


class ButtonHandler(Protocol):
    """What the buttons need: implemented by the cog named :data:`HANDLER_COG`."""

    async def on_feedback(
        self, interaction: discord.Interaction[Any], query_id: str, helpful: bool
    ) -> None: ...

    async def on_choice(
        self, interaction: discord.Interaction[Any], claim_id: str, query_id: str
    ) -> None: ...


def loaded_cog(interaction: discord.Interaction[Any], name: str) -> discord.ext.commands.Cog:
    """The cog ``name`` of the bot that received ``interaction`` (buttons find their
    handler this way, since they are re-created from their ``custom_id`` alone)."""
    client = interaction.client
    cog = client.get_cog(name) if isinstance(client, discord.ext.commands.Bot) else None
    if cog is None:
        raise RuntimeError(f"the {name} cog is not loaded; cannot handle this button")
    return cog


def _handler(interaction: discord.Interaction[Any]) -> ButtonHandler:
    cog = loaded_cog(interaction, HANDLER_COG)
    handler: ButtonHandler = cog  # type: ignore[assignment]  # checked by AskCog's tests
    return handler


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"fb:(?P<vote>[yn]):(?P<query>{QUERY_ID})",
):
    """ "Helpful" / "Not helpful", stored against the query row."""

    def __init__(self, query_id: str, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"fb:{'y' if helpful else 'n'}:{query_id}",
            )
        )
        self.query_id = query_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["query"], match["vote"] == "y")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_feedback(interaction, self.query_id, self.helpful)


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"dym:(?P<query>{QUERY_ID}):(?P<claim>{CLAIM_ID})",
):
    """One "did you mean" candidate: answers with that claim when clicked."""

    def __init__(self, query_id: str, claim_id: str, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=limits.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=f"dym:{query_id}:{claim_id}",
            )
        )
        self.query_id = query_id
        self.claim_id = claim_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        label = getattr(item, "label", None) or match["claim"]
        return cls(match["query"], match["claim"], str(label))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_choice(interaction, self.claim_id, self.query_id)


def answer_view(answer: Answer) -> discord.ui.View:
    """Buttons for an answer: the candidates when ambiguous, feedback always."""
    view = discord.ui.View(timeout=None)
    if answer.outcome is Outcome.AMBIGUOUS:
        for number, match in enumerate(answer.matches[:3], start=1):
            view.add_item(
                ChoiceButton(answer.query_id, match.claim.id, f"{number}. {match.claim.id}")
            )
    view.add_item(FeedbackButton(answer.query_id, helpful=True))
    view.add_item(FeedbackButton(answer.query_id, helpful=False))
    return view
