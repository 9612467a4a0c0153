"""Who asked, as the query log stores it."""

from __future__ import annotations

from typing import Any

import discord

from bot.answering import Asker


def asker_of(interaction: discord.Interaction[Any]) -> Asker:
    return Asker(
        adapter="discord",
        user_id=str(interaction.user.id),
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
    )


def asker_of_message(message: discord.Message) -> Asker:
    return Asker(
        adapter="discord",
        user_id=str(message.author.id),
        guild_id=str(message.guild.id) if message.guild else None,
        channel_id=str(message.channel.id),
    )
