"""Fixtures for the cog tests: the shipped knowledge base (``tests/conftest.py``) behind a
real AnswerService, and a ``/kb`` cog over a tiny knowledge base of its own in ``tmp_path``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from discord.ext import commands

from bot.answering import AnswerService
from bot.discordbot.cogs.ask import AskCog
from bot.discordbot.cooldown import QuestionCooldown
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher
from tests.discordbot.doubles import FakeClock, RecordingSink
from tests.discordbot.moderation_doubles import Moderation, open_moderation


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def service(knowledge: KnowledgeBase, matcher: Matcher, sink: RecordingSink) -> AnswerService:
    return AnswerService(knowledge, matcher, sink)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cooldown(clock: FakeClock) -> QuestionCooldown:
    """Two questions per minute, on a clock the test moves."""
    return QuestionCooldown(2, 60.0, clock=clock)


@pytest.fixture
def cog(service: AnswerService, sink: RecordingSink, cooldown: QuestionCooldown) -> AskCog:
    return AskCog(MagicMock(spec=commands.Bot), service, cooldown)


@pytest.fixture
async def kb(tmp_path: Path) -> AsyncIterator[Moderation]:
    """A ``/kb`` cog over a real ModerationService, writing only under ``tmp_path``."""
    async with open_moderation(tmp_path) as moderation:
        yield moderation
