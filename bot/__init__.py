"""A Discord bot that answers questions about the Iran–Venezuela partnership from a
curated knowledge base, always citing the passages its answers come from.

The core (``bot.knowledge``, ``bot.matching``, ``bot.answering``, ``bot.querylog``)
never imports ``discord``; the Discord client and the command line are thin adapters
over :class:`bot.answering.AnswerService`.
"""

__version__ = "0.1.0"
