"""Test doubles for the Discord layer: interactions, messages, a record sink, a clock.

Cog tests call command callbacks directly (``await cog.ask.callback(cog, interaction,
question=...)``), so the interaction is a ``MagicMock(spec=discord.Interaction)``
whose replies are ``AsyncMock``s; what a member would see is in their ``await_args``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast
from unittest.mock import AsyncMock, MagicMock

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import Answer, AnswerService, Asker
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Citation, Claim, Source, SourceMeta
from bot.matching import Outcome
from bot.querylog.records import LogRecord

USER_ID = 111_111_111_111_111_111
OTHER_USER_ID = 222_222_222_222_222_222
GUILD_ID = 333_333_333_333_333_333
CHANNEL_ID = 444_444_444_444_444_444
BOT_USER_ID = 555_555_555_555_555_555

ANSWERED_QUESTION = "What did Venezuela import from Iran in 2020?"
ANSWERED_CLAIM_ID = "venezuela-imported-iranian-gasoline-2020"
"""One of that claim's curated phrasings: the shipped knowledge base answers it."""

AMBIGUOUS_CANDIDATES = ("Iran", "oil", "sanctions", "partnership", "trade", "Iran Venezuela")
UNKNOWN_CANDIDATES = (
    "How much oil does Iran export to China?",
    "Did Iran sell drones to Venezuela?",
    "What did Russia say about oil prices?",
)
"""Off-topic questions near the knowledge base: unknown, with related claims to offer."""
UNRELATED_QUESTION = "What is the capital of France?"


class RecordingSink:
    """A query log that keeps what it is given in a list."""

    def __init__(self) -> None:
        self.records: list[LogRecord] = []

    def record(self, record: LogRecord) -> None:
        self.records.append(record)


class FakeClock:
    """A monotonic clock the test moves by hand.

    Starts well above 0: discord.py's ``Cooldown`` treats a time of 0 as "not given"
    and falls back to the wall clock.
    """

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_interaction(
    *,
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int | None = CHANNEL_ID,
    client: Any = None,
    message: Any = None,
    responded: bool = False,
) -> MagicMock:
    """An interaction whose response and followup methods are awaitable mocks."""
    interaction = MagicMock(spec=discord.Interaction)
    interaction.user.id = user_id
    interaction.guild_id = guild_id
    interaction.channel_id = channel_id
    interaction.client = client
    interaction.message = message
    interaction.command = None
    interaction.response.is_done = MagicMock(return_value=responded)
    interaction.response.send_message = AsyncMock()
    interaction.response.edit_message = AsyncMock()
    interaction.followup.send = AsyncMock()
    return interaction


def client_with_cog(cog: commands.Cog | None) -> MagicMock:
    """A ``commands.Bot`` stand-in whose ``get_cog`` finds ``cog`` (buttons and checks look it up)."""
    client = MagicMock(spec=commands.Bot)
    client.get_cog.return_value = cog
    return client


def make_message(
    content: str,
    *,
    author_id: int = USER_ID,
    author_is_bot: bool = False,
    mentions: Iterable[int] = (),
    replied_to_author_id: int | None = None,
    channel_id: int = CHANNEL_ID,
    embeds: list[discord.Embed] | None = None,
) -> MagicMock:
    """A message as the Mentions cog sees it; ``reply`` is an awaitable mock."""
    message = MagicMock(spec=discord.Message)
    message.content = content
    message.author.id = author_id
    message.author.bot = author_is_bot
    message.mentions = [MagicMock(spec=discord.User, id=user_id) for user_id in mentions]
    message.channel.id = channel_id
    message.guild.id = GUILD_ID
    message.embeds = embeds or []
    message.reference = None
    if replied_to_author_id is not None:
        replied = MagicMock(spec=discord.Message)
        replied.author.id = replied_to_author_id
        message.reference = MagicMock(spec=discord.MessageReference, resolved=replied)
    message.reply = AsyncMock()
    return message


SOURCE_ID = "long-source"
SOURCE_TITLE = "A Source With Very Long Passages"


def make_claim(
    claim_id: str = "long-claim",
    *,
    statement: str = "The source says something.",
    quotes: Iterable[str] = ("A quoted passage.",),
    note: str | None = None,
    questions: Iterable[str] = ("What does the source say?",),
) -> Claim:
    """A claim built directly, without the loader's limits (so it can exceed them)."""
    return Claim(
        id=claim_id,
        statement=statement,
        topics=("test",),
        questions=tuple(questions),
        citations=tuple(Citation(source=SOURCE_ID, quote=quote) for quote in quotes),
        note=note,
    )


def knowledge_of(claims: Iterable[Claim]) -> KnowledgeBase:
    """A knowledge base holding ``claims`` and the one source they cite."""
    meta = SourceMeta(id=SOURCE_ID, title=SOURCE_TITLE, file="long-source.txt", origin="tests")
    source = Source(meta=meta, text="", path=Path("long-source.txt"))
    return KnowledgeBase(
        root=Path("knowledge"),
        sources={SOURCE_ID: source},
        claims=tuple(claims),
        synonyms=(),
        version="test",
    )


def http_error(status: int = 404, text: str = "Unknown interaction") -> discord.HTTPException:
    """What discord.py raises when Discord refuses a reply (e.g. an expired interaction)."""
    return discord.HTTPException(MagicMock(status=status, reason=text), text)


def first_question_with(
    service: AnswerService, outcome: Outcome, candidates: Iterable[str], *, related: bool = False
) -> Answer | None:
    """The first candidate the service gives ``outcome`` (with matches, if ``related``).

    Tests look for such questions instead of hard-coding one, so a retuned matcher
    changes which question is used, not whether the behaviour is tested.
    """
    for question in candidates:
        answer = service.answer(question, Asker("test"))
        if answer.outcome is outcome and (answer.matches or not related):
            return answer
    return None


async def invoke(
    command: app_commands.Command[Any, ..., Any],
    cog: commands.Cog,
    interaction: discord.Interaction[Any],
    **options: Any,
) -> None:
    """``await command.callback(cog, interaction, **options)``: the command body alone,
    without discord.py's checks and option parsing (typed loosely: discord.py types
    ``callback`` as a union of signatures that no single call satisfies)."""
    callback = cast(Any, command.callback)
    await callback(cog, interaction, **options)


def field_values(embed: discord.Embed) -> list[str]:
    return [str(field.value) for field in embed.fields]


def sent_kwargs(mock: AsyncMock) -> dict[str, Any]:
    """The keyword arguments of the one awaited call of ``mock``."""
    mock.assert_awaited_once()
    assert mock.await_args is not None
    return dict(mock.await_args.kwargs)


def sent_embed(mock: AsyncMock) -> discord.Embed:
    embed = sent_kwargs(mock)["embed"]
    assert isinstance(embed, discord.Embed)
    return embed


def sent_text(mock: AsyncMock) -> str:
    """The message content of the one awaited call (first positional argument)."""
    mock.assert_awaited_once()
    assert mock.await_args is not None
    text = mock.await_args.args[0]
    assert isinstance(text, str)
    return text
