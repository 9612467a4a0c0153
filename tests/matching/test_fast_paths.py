"""The matcher's shortcuts give the answers the plain algorithm gives.

The index builder joins a claim's texts around a separator word, the index gives
common terms dense vectors, and the typo corrector looks only where a closer word
could be: each is checked here against the slow way it replaces.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

import bot.matching.builder as builder_module
import bot.matching.index as index_module
from bench.synthetic import generated_questions, synthetic_knowledge
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Analyzer, Matcher, build_matcher
from bot.matching.typos import settled


def results(matcher: Matcher, questions: list[str]) -> list[object]:
    return [
        (r.outcome, [(m.claim.id, m.score) for m in r.matches], r.terms)
        for r in map(matcher.match, questions)
    ]


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return synthetic_knowledge(1200)


@pytest.fixture(scope="module")
def questions(knowledge: KnowledgeBase) -> list[str]:
    return [q.text for q in generated_questions(knowledge, 400)]


def test_dense_vectors_change_no_answer(
    knowledge: KnowledgeBase, questions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_dense = build_matcher(knowledge)
    assert with_dense.index.dense_terms > 0
    monkeypatch.setattr(index_module, "DENSE_FROM", len(knowledge.claims) + 1)
    without = build_matcher(knowledge)
    assert without.index.dense_terms == 0

    assert results(with_dense, questions) == results(without, questions)


def test_joining_a_claims_texts_changes_no_answer(
    knowledge: KnowledgeBase, questions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    joined = build_matcher(knowledge)

    class TextByText(builder_module.IndexBuilder):
        def __init__(
            self,
            analyzer: Analyzer,
            synonyms: Sequence[Sequence[str]],
            count: int,
            *,
            joining: bool,
        ) -> None:
            super().__init__(analyzer, synonyms, count, joining=False)

    monkeypatch.setattr(index_module, "IndexBuilder", TextByText)
    assert results(build_matcher(knowledge), questions) == results(joined, questions)


def test_a_claim_using_the_separator_word_is_still_found_by_it(knowledge: KnowledgeBase) -> None:
    first = knowledge.claims[0]
    odd = msgspec.structs.replace(
        first,
        id="uses-the-separator",
        questions=(*first.questions[:2], f"zork {builder_module.SEPARATOR} quux"),
    )
    matcher = build_matcher(replace(knowledge, claims=(*knowledge.claims, odd)))

    best = matcher.match(f"zork {builder_module.SEPARATOR} quux").best
    assert best is not None
    assert best.claim.id == "uses-the-separator"


def closest_known_word(matcher: Matcher, word: str) -> str:
    """The typo rule as first written: the closest word of the whole vocabulary (the most
    used among equals), if it starts with the same letter. Words that need no search
    (known, too short, Spanish forms) are settled as the matcher settles them."""
    index = matcher.index
    known = settled(index, word)
    if known is not None:
        return known
    folded = word.casefold()
    found = process.extractOne(
        folded,
        index.vocabulary,
        scorer=OSA.distance,
        score_cutoff=2 if len(folded) >= 9 else 1,
    )
    if found is None or found[0][0] != folded[0]:
        return word
    return str(found[0])


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=1, max_value=3))
def test_typo_repair_finds_what_a_scan_of_the_vocabulary_finds(
    knowledge: KnowledgeBase, rng: random.Random, edits: int
) -> None:
    matcher = _shared_matcher(knowledge)
    word = rng.choice(matcher.index.vocabulary)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(edits):
        at = rng.randrange(len(word) + 1)
        kind = rng.randrange(4)
        if kind == 0:
            word = word[:at] + rng.choice(letters) + word[at + 1 :]
        elif kind == 1:
            word = word[:at] + word[at + 1 :]
        elif kind == 2:
            word = word[:at] + rng.choice(letters) + word[at:]
        elif at + 1 < len(word):
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    assert matcher._repair(word).word == closest_known_word(matcher, word)


_MATCHERS: dict[str, Matcher] = {}


def _shared_matcher(knowledge: KnowledgeBase) -> Matcher:
    """One matcher for every example (hypothesis runs the test body many times)."""
    if knowledge.version not in _MATCHERS:
        _MATCHERS[knowledge.version] = build_matcher(knowledge)
    return _MATCHERS[knowledge.version]
