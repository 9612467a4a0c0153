"""Fixtures every layer of tests shares: the shipped knowledge base and its matcher,
each built once per run (neither changes after it is built). A test module that needs
a knowledge base of its own defines a fixture of the same name, which wins."""

from __future__ import annotations

import platform
import sys

import pytest

from bot.knowledge.loader import KnowledgeBase
from bot.matching import HybridMatcher, Matcher, SemanticMatching, build_matcher
from bot.matching.hybrid import load_semantic_matching
from bot.matching.semantic import load_embedder
from tests.helpers import shipped_knowledge
from tests.pg_server import pg_url, postgres  # noqa: F401 - PostgreSQL fixtures, for every directory

MODEL_REQUIRED = sys.platform == "linux" and platform.machine() == "x86_64"
"""Where CI runs, the model's wheel exists: a test marked ``semantic`` must run there."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``semantic`` need the model; they are skipped only on a platform
    without its wheel, never on Linux x86_64 (where a missing model is a failure)."""
    embedder, status = load_embedder()
    if embedder is not None or MODEL_REQUIRED:
        return
    skip = pytest.mark.skip(reason=f"{status.reason} (no wheel for this platform)")
    for item in items:
        if "semantic" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return shipped_knowledge()


@pytest.fixture(scope="session")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    return build_matcher(knowledge)


@pytest.fixture(scope="session")
def semantic(knowledge: KnowledgeBase) -> SemanticMatching:
    """The real model with the shipped knowledge base's seed vectors (memory cache)."""
    found, status = load_semantic_matching(None, knowledge.root)
    assert found is not None, status.summary()
    return found


@pytest.fixture(scope="session")
def hybrid(knowledge: KnowledgeBase, semantic: SemanticMatching) -> HybridMatcher:
    built = build_matcher(knowledge, semantic=semantic)
    assert isinstance(built, HybridMatcher)
    return built
