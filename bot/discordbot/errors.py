"""One place where command errors end: a short apology for the member, the traceback
for the operator, and the bot stays up."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong while answering. It has been logged; please try again later."


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Reply privately whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning(
            "could not tell the member about an error (interaction expired?)", exc_info=True
        )


async def on_app_command_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """The command tree's error handler (installed in ``setup_hook``)."""
    if isinstance(error, app_commands.CommandOnCooldown):
        await send_ephemeral(
            interaction,
            f"You're asking quickly! Please wait {error.retry_after:.0f} s before the next question.",
        )
        return
    if isinstance(error, app_commands.CheckFailure):
        await send_ephemeral(interaction, "You can't use this command here.")
        return
    command = interaction.command.qualified_name if interaction.command else "?"
    original = getattr(error, "original", error)
    log.error(
        "command /%s failed", command, exc_info=(type(original), original, original.__traceback__)
    )
    await send_ephemeral(interaction, APOLOGY)
