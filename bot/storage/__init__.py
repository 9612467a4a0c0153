"""Where the query log, votes, picks and the moderators' change log are kept.

One interface, :class:`bot.storage.base.Storage`, with two implementations: SQLite
(:mod:`bot.storage.sqlite`, one file, no server: the default) and PostgreSQL
(:mod:`bot.storage.postgres`, ``BOT_DATABASE_URL``: one database shared by every
process of a cluster). :func:`bot.storage.opening.open_storage` picks one.

This package imports nothing at import time, so that ``bot.querylog`` and
``bot.moderation`` may depend on it without a cycle (they import it lazily).
"""
