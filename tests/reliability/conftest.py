"""Fixtures shared by the reliability tests: the shipped knowledge base and its matcher."""

from __future__ import annotations

import pytest

from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher, build_matcher
from tests.helpers import shipped_knowledge


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return shipped_knowledge()


@pytest.fixture(scope="session")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    return build_matcher(knowledge)
