"""Fixtures every layer of tests shares: the shipped knowledge base and its matcher,
each built once per run (neither changes after it is built). A test module that needs
a knowledge base of its own defines a fixture of the same name, which wins."""

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
