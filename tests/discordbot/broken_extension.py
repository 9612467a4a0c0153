"""An extension whose ``setup`` fails, for the start-up tests (not a test module)."""

from __future__ import annotations

from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    raise RuntimeError("this extension is broken on purpose")
