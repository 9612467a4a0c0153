"""Fixtures for the cog tests: the shipped knowledge base behind a real AnswerService."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from discord.ext import commands

from bot.answering import AnswerService
from bot.discordbot.cogs.ask import AskCog
from bot.discordbot.cooldown import QuestionCooldown
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher, build_matcher
from tests.discordbot.doubles import FakeClock, RecordingSink
from tests.helpers import shipped_knowledge


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return shipped_knowledge()


@pytest.fixture(scope="session")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    """Built once: a matcher never changes after it is built."""
    return build_matcher(knowledge)


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
