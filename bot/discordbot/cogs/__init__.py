"""discord.py extensions, each a module with ``async def setup(bot)`` adding one cog."""
