"""The Discord adapter: a thin layer of cogs, embeds and buttons over ``AnswerService``.

Only this package and the ``run``/``sync`` commands import discord.py.
"""
