"""Freezing the long-lived heap: safe only because a knowledge base holds no cycles."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot import heap
from bot.knowledge.loader import load_knowledge
from bot.matching import build_matcher
from tests.helpers import shipped_knowledge


@pytest.fixture
def collector_off() -> Iterator[None]:
    """Only reference counting frees objects; the frozen generation is emptied after."""
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_dropped_knowledge_base_and_matcher_are_freed_by_reference_counting(
    collector_off: None,
) -> None:
    """Were they in a reference cycle, frozen ones would never be freed after a reload."""
    knowledge = load_knowledge(shipped_knowledge().root)
    matcher = build_matcher(knowledge)
    matcher.match("What did Venezuela import from Iran in 2020?")
    matcher.match("wat did venezuala import")  # a typo repair, remembered by the index
    alive: list[weakref.ref[object]] = [
        weakref.ref(knowledge),
        weakref.ref(matcher),
        weakref.ref(matcher.index),
    ]

    del knowledge, matcher

    assert [ref() for ref in alive] == [None, None, None]


def test_settle_freezes_what_is_alive(collector_off: None) -> None:
    kept = [object() for _ in range(10)]  # noqa: F841  (alive while settling)

    heap.settle()

    assert gc.get_freeze_count() >= 10


def test_a_matcher_built_through_frozen_after_is_frozen_with_its_knowledge_base(
    collector_off: None,
) -> None:
    gc.unfreeze()
    knowledge = load_knowledge(shipped_knowledge().root)
    count = gc.get_freeze_count()

    matcher = heap.frozen_after(build_matcher)(knowledge)

    assert matcher.match("What did Venezuela import from Iran in 2020?").best is not None
    assert gc.get_freeze_count() > count
    # frozen: in none of the generations the collector walks
    assert all(o is not matcher and o is not knowledge for o in gc.get_objects())
