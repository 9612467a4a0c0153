"""The matcher members talk to: the lexical verdict where it is sure, the fitted decision
elsewhere, candidates by meaning, and never an answer in a language nobody curated."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.knowledge import load_knowledge
from bot.knowledge.loader import KnowledgeBase
from bot.matching import HybridMatcher, Outcome, SemanticMatching, build_matcher
from bot.matching.decision import FEATURES, Signals
from bot.matching.matcher import MatchResult
from bot.matching.semantic import Similarities, VectorCache
from tests.helpers import claim_data, make_knowledge
from tests.matching.semantic.fakes import CountingEmbedder


@pytest.fixture
def small(tmp_path: Path) -> KnowledgeBase:
    return load_knowledge(
        make_knowledge(
            tmp_path,
            claims={
                "tankers-sent": claim_data(questions=("How many tankers did Iran send?",)),
                "shipping-sanctioned": claim_data(
                    "shipping-sanctioned",
                    quote="The U.S. Treasury responded with sanctions on the shipping firms.",
                    questions=("Who punished the shipping firms?",),
                ),
            },
        )
    )


def hybrid_over(knowledge: KnowledgeBase, embedder: CountingEmbedder) -> HybridMatcher:
    matcher = build_matcher(knowledge, semantic=SemanticMatching(embedder, VectorCache(None)))
    assert isinstance(matcher, HybridMatcher)
    return matcher


def test_the_claims_are_embedded_on_first_need_not_when_built(small: KnowledgeBase) -> None:
    embedder = CountingEmbedder()
    matcher = hybrid_over(small, embedder)
    assert embedder.embedded == []

    texts = matcher.prepare()

    assert texts == len(embedder.embedded) > 0
    assert matcher.prepare() == texts  # the same vectors, not embedded twice
    assert len(embedder.embedded) == texts


def test_a_lexical_answer_stands(small: KnowledgeBase) -> None:
    result = hybrid_over(small, CountingEmbedder()).match("How many tankers did Iran send?")

    assert result.outcome is Outcome.ANSWERED
    assert result.best is not None
    assert result.best.claim.id == "tankers-sent"
    assert result.semantic


def test_the_decision_answers_what_the_lexical_side_could_not(small: KnowledgeBase) -> None:
    """With a decision that trusts the phrasing similarity alone, a question sharing no
    known word with a claim is answered by meaning."""
    matcher = hybrid_over(small, CountingEmbedder())
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("bias")] = -5.0
    weights[FEATURES.index("phrasing_margin")] = 40.0
    matcher.decision = replace(matcher.decision, weights=tuple(weights), answer=0.5)

    result = matcher.match("punished firms who")

    assert result.outcome is Outcome.ANSWERED
    assert result.best is not None
    assert result.best.claim.id == "shipping-sanctioned"


def test_a_language_nobody_curated_is_offered_never_answered(small: KnowledgeBase) -> None:
    matcher = hybrid_over(small, CountingEmbedder())
    matcher.decision = replace(matcher.decision, answer=0.0, topical_similarity=0.0)

    result = matcher.match("Сколько танкеров отправил Иран?")

    assert result.language == "other"
    assert result.outcome is Outcome.AMBIGUOUS
    assert result.matches


@pytest.mark.semantic
@pytest.mark.parametrize(
    "question",
    [
        "¿Irán le mandó comida y remedios a Venezuela?",
        "ایران برای ونزوئلا غذا و دارو فرستاد؟",
        "did tehran ship groceries and meds over to caracas",
    ],
)
def test_the_same_question_in_three_languages_finds_the_same_claim(
    hybrid: HybridMatcher, question: str
) -> None:
    result = hybrid.match(question)

    assert result.outcome is not Outcome.UNKNOWN
    assert result.best is not None
    assert result.best.claim.id == "iran-sent-food-and-medical-supplies"


@pytest.mark.semantic
def test_a_french_question_is_offered_the_claims_nearest_in_meaning(hybrid: HybridMatcher) -> None:
    result = hybrid.match("L'Iran a-t-il envoyé de l'essence au Venezuela ?")

    assert result.language == "other"
    assert result.outcome is Outcome.AMBIGUOUS
    assert "venezuela-imported-iranian-gasoline-2020" in [m.claim.id for m in result.matches]


@pytest.mark.semantic
@pytest.mark.parametrize(
    "question",
    ["how do I bake sourdough bread", "Comment faire du pain au levain ?", "¿Cómo hago arepas?"],
)
def test_off_topic_questions_get_nothing(hybrid: HybridMatcher, question: str) -> None:
    result = hybrid.match(question)

    assert result.outcome is Outcome.UNKNOWN
    assert result.matches == ()


def test_a_lexical_answer_the_model_clearly_disputes_becomes_did_you_mean(
    small: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher = hybrid_over(small, CountingEmbedder())
    matcher.decision = replace(matcher.decision, certain_lexical=101.0)  # check every answer
    lexical_answer = matcher.match("How many tankers did Iran send?")
    assert lexical_answer.outcome is Outcome.ANSWERED
    positions = {
        claim.id: n for n, claim in enumerate(indexed.claim for indexed in matcher.index.claims)
    }
    disputing = np.zeros(2, dtype=np.float32)
    disputing[positions["shipping-sanctioned"]] = 0.9
    real_signals = matcher.signals

    def signals(question: str, lexical: MatchResult) -> Signals:
        return replace(
            real_signals(question, lexical), similarities=Similarities(disputing, disputing)
        )

    monkeypatch.setattr(matcher, "signals", signals)
    disputed = matcher.match("How many tankers did Iran send?")

    assert disputed.outcome is Outcome.AMBIGUOUS
    assert [m.claim.id for m in disputed.matches][:2] == ["tankers-sent", "shipping-sanctioned"]


def test_a_certain_lexical_answer_is_not_embedded(small: KnowledgeBase) -> None:
    embedder = CountingEmbedder()
    matcher = hybrid_over(small, embedder)

    result = matcher.match("How many tankers did Iran send?")

    assert result.outcome is Outcome.ANSWERED
    assert result.best is not None
    assert result.best.score >= matcher.decision.certain_lexical
    assert embedder.embedded == []
