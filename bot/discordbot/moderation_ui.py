"""The pieces of ``/kb`` that members click and fill in: the claim modal, the
confirmation and misses buttons, and the permission rule they all re-check.

Buttons are :class:`discord.ui.DynamicItem`: a forged ``custom_id`` reaches our code
(and is refused and recorded) instead of being dropped, and they survive restarts.
Modal submissions are read from the raw interaction by the cog's ``on_interaction``
listener for the same reason: discord.py drops a submission it did not open itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, Self

import discord
import discord.ext.commands

from bot.discordbot import limits
from bot.discordbot.views import CLAIM_ID, QUERY_ID, loaded_cog
from bot.moderation.service import ClaimFields

MODERATION_COG = "Moderation"
TOKEN = r"[0-9a-f]{16}"
"""A previewed draft's token (as long as a query id, but a different thing)."""
FIELDS = ("statement", "quotes", "sources", "questions", "topics")


def is_moderator(interaction: discord.Interaction[Any], mod_role_ids: frozenset[int]) -> bool:
    """Manage Server, or one of the configured moderator roles, in a guild."""
    user = interaction.user
    if interaction.guild is None or not isinstance(user, discord.Member):
        return False
    if user.guild_permissions.manage_guild:
        return True
    return any(role.id in mod_role_ids for role in user.roles)


class KbHandler(Protocol):
    async def on_confirm(
        self, interaction: discord.Interaction[Any], token: str, accepted: bool
    ) -> None: ...
    async def on_remove(
        self, interaction: discord.Interaction[Any], claim_id: str, version: str
    ) -> None: ...
    async def on_miss(
        self,
        interaction: discord.Interaction[Any],
        query_id: str,
        attach: bool,
        claim_id: str | None = None,
    ) -> None: ...
    async def on_attach(
        self, interaction: discord.Interaction[Any], query_id: str, claim_id: str
    ) -> None: ...


def _handler(interaction: discord.Interaction[Any]) -> KbHandler:
    handler: KbHandler = loaded_cog(interaction, MODERATION_COG).flow  # type: ignore[attr-defined]
    return handler


def claim_modal(
    title: str, custom_id: str, values: Mapping[str, str] | None = None
) -> discord.ui.Modal:
    """Statement, quote(s), source id(s), questions (one per line), topics: Discord allows five."""
    values = values or {}
    modal = discord.ui.Modal(title=limits.shorten(title, 45), custom_id=custom_id, timeout=900)
    specs = (
        (
            "statement",
            "Statement (attributed: 'The article says …')",
            discord.TextStyle.paragraph,
            1000,
            True,
        ),
        (
            "quotes",
            "Quote(s), word for word; blank line between",
            discord.TextStyle.paragraph,
            4000,
            True,
        ),
        ("sources", "Source id (one, or one per quote)", discord.TextStyle.short, 200, True),
        (
            "questions",
            "Questions members ask, one per line",
            discord.TextStyle.paragraph,
            4000,
            True,
        ),
        ("topics", "Topics, comma-separated", discord.TextStyle.short, 200, False),
    )
    for name, label, style, max_length, required in specs:
        modal.add_item(
            discord.ui.TextInput(
                label=limits.shorten(label, 45),
                custom_id=name,
                style=style,
                max_length=max_length,
                required=required,
                default=limits.shorten(values.get(name, ""), max_length) or None,
            )
        )
    return modal


def _inputs(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        if component.get("type") == 4:
            yield component
        yield from _inputs(component.get("components", []))
        if isinstance(component.get("component"), dict):  # labels (type 18) wrap one input
            yield from _inputs([component["component"]])


def submitted_fields(data: Mapping[str, Any]) -> ClaimFields:
    """The claim fields of a raw modal submission, whatever the layout."""
    values = {
        c.get("custom_id"): str(c.get("value") or "")
        for c in _inputs(list(data.get("components", [])))
    }
    return ClaimFields(**{name: values.get(name, "") for name in FIELDS})


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"kb:(?P<verb>ok|no):(?P<token>{TOKEN})",
):
    """Confirm or cancel a previewed addition or edit."""

    def __init__(self, token: str, accepted: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Save" if accepted else "Cancel",
                style=discord.ButtonStyle.success if accepted else discord.ButtonStyle.secondary,
                custom_id=f"kb:{'ok' if accepted else 'no'}:{token}",
            )
        )
        self.token, self.accepted = token, accepted

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["token"], match["verb"] == "ok")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_confirm(interaction, self.token, self.accepted)


class RemoveButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"kb:rm:(?P<version>[0-9a-f]{{12}}):(?P<claim>{CLAIM_ID})",
):
    """Confirm the removal of a claim, as it was when the moderator asked."""

    def __init__(self, claim_id: str, version: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remove it",
                style=discord.ButtonStyle.danger,
                custom_id=f"kb:rm:{version}:{claim_id}",
            )
        )
        self.claim_id, self.version = claim_id, version

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["claim"], match["version"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_remove(interaction, self.claim_id, self.version)


class MissButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"kb:(?P<verb>attach|new):(?P<query>{QUERY_ID})(?::(?P<claim>{CLAIM_ID}))?",
):
    """On a miss: attach its wording to an existing claim, or start a new claim from it.

    An attach button may name its claim (the one members picked for the miss): a click
    then attaches the wording to that claim at once."""

    def __init__(
        self, query_id: str, attach: bool, label: str, claim_id: str | None = None
    ) -> None:
        target = f":{claim_id}" if attach and claim_id else ""
        super().__init__(
            discord.ui.Button(
                label=limits.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.primary if attach else discord.ButtonStyle.secondary,
                custom_id=f"kb:{'attach' if attach else 'new'}:{query_id}{target}",
            )
        )
        self.query_id, self.attach = query_id, attach
        self.claim_id = claim_id if attach else None

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(
            match["query"],
            match["verb"] == "attach",
            str(getattr(item, "label", "") or match["verb"]),
            match["claim"],
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_miss(interaction, self.query_id, self.attach, self.claim_id)


class AttachSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"kb:to:(?P<query>{QUERY_ID})"
):
    """Pick the claim a missed wording should become a phrasing of."""

    def __init__(self, query_id: str, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"kb:to:{query_id}",
                placeholder="Attach this wording to…",
                options=options or [discord.SelectOption(label="(no claim)", value="-")],
            )
        )
        self.query_id = query_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["query"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: Mapping[str, Any] = interaction.data or {}
        values = list(data.get("values") or [])
        await _handler(interaction).on_attach(
            interaction, self.query_id, str(values[0]) if values else "-"
        )


DYNAMIC_ITEMS = (ConfirmButton, RemoveButton, MissButton, AttachSelect)
