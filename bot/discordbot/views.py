"""Buttons under answers that keep working after a restart.

Both are :class:`discord.ui.DynamicItem` subclasses: their state lives in the
``custom_id`` (at most 100 characters), and the client re-creates them from it on
any click, so no view has to be kept in memory and a restart loses nothing. Every
click goes through :class:`ButtonHandler`, which the bot provides; the items
themselves only parse ids.

An answer in Spanish or Persian ends its buttons' ids with ``:es`` or ``:fa``, so the
reply to a click speaks the asker's language too; English ids carry no suffix (buttons
sent before languages existed keep working, in English).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, Self

import discord
import discord.ext.commands

from bot.answering import Answer
from bot.discordbot import limits
from bot.matching import Outcome
from bot.messages import message, spoken

QUERY_ID = r"[0-9a-f]{16}"
CLAIM_ID = r"[a-z0-9-]{1,64}"
LANGUAGE = r"(?::(?P<lang>es|fa))?"
"""The optional language suffix of an answer button's id (none: English)."""

MAX_CANDIDATES = 5
"""Candidate buttons under one answer: one row of them (Discord allows five a row)."""


def _suffix(language: str) -> str:
    said = spoken(language)
    return "" if said == "en" else f":{said}"


HANDLER_COG = "Ask"
"""The cog that handles clicks (see :class:`bot.discordbot.cogs.ask.AskCog`)."""


class ButtonHandler(Protocol):
    """What the buttons need: implemented by the cog named :data:`HANDLER_COG`."""

    async def on_feedback(
        self,
        interaction: discord.Interaction[Any],
        query_id: str,
        helpful: bool,
        language: str = "en",
    ) -> None: ...

    async def on_choice(
        self,
        interaction: discord.Interaction[Any],
        claim_id: str,
        query_id: str,
        language: str = "en",
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
    template=rf"fb:(?P<vote>[yn]):(?P<query>{QUERY_ID}){LANGUAGE}",
):
    """ "Helpful" / "Not helpful", stored against the query row."""

    def __init__(
        self, query_id: str, helpful: bool, language: str = "en", *, row: int | None = None
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=message("helpful" if helpful else "not_helpful", language),
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"fb:{'y' if helpful else 'n'}:{query_id}{_suffix(language)}",
                row=row,
            )
        )
        self.query_id = query_id
        self.helpful = helpful
        self.language = spoken(language)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["query"], match["vote"] == "y", match["lang"] or "en")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_feedback(
            interaction, self.query_id, self.helpful, self.language
        )


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"dym:(?P<query>{QUERY_ID}):(?P<claim>{CLAIM_ID}){LANGUAGE}",
):
    """One candidate the bot offered ("did you mean", or a claim related to a question it
    could not answer): answers with that claim when clicked, and the pick is logged."""

    def __init__(
        self,
        query_id: str,
        claim_id: str,
        label: str,
        language: str = "en",
        *,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=limits.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=f"dym:{query_id}:{claim_id}{_suffix(language)}",
                row=row,
            )
        )
        self.query_id = query_id
        self.claim_id = claim_id
        self.language = spoken(language)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        label = getattr(item, "label", None) or match["claim"]
        return cls(match["query"], match["claim"], str(label), match["lang"] or "en")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_choice(
            interaction, self.claim_id, self.query_id, self.language
        )


def answer_view(answer: Answer) -> discord.ui.View:
    """Buttons for an answer, labelled in the asker's language: one per candidate the
    embed lists by number ("did you mean", or the claims related to an "I don't know"),
    in a row of their own, then feedback, always."""
    view = discord.ui.View(timeout=None)
    language = answer.language
    candidates = answer.matches[:MAX_CANDIDATES] if answer.outcome is not Outcome.ANSWERED else ()
    for number, match in enumerate(candidates, start=1):
        label = message("pick", language, number=number)
        view.add_item(ChoiceButton(answer.query_id, match.claim.id, label, language, row=0))
    feedback_row = 1 if candidates else None
    view.add_item(FeedbackButton(answer.query_id, True, language, row=feedback_row))
    view.add_item(FeedbackButton(answer.query_id, False, language, row=feedback_row))
    return view
