"""The decision over lexical and semantic signals: which claims it considers, what it reads
of each, and that agreement between the signals is what makes it sure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.knowledge import load_knowledge
from bot.knowledge.models import Claim
from bot.matching.answer_type import AnswerType
from bot.matching.decision import (
    FEATURES,
    DecisionModel,
    Signals,
    candidate_features,
    candidates,
    score_candidates,
)
from bot.matching.semantic import Similarities
from bot.matching.thresholds import DEFAULT_DECISION
from tests.helpers import claim_data, make_knowledge

QUOTES = {
    "tankers-sent": "Iran sent five tankers of gasoline to Venezuela in 2020.",
    "shipping-sanctioned": "The U.S. Treasury responded with sanctions on the shipping firms.",
    "called-illegal": "Both governments called the sanctions illegal, and the tankers arrived anyway.",
}


@pytest.fixture
def claims(tmp_path: Path) -> list[Claim]:
    root = make_knowledge(
        tmp_path, claims={cid: claim_data(cid, quote=quote) for cid, quote in QUOTES.items()}
    )
    by_id = {claim.id: claim for claim in load_knowledge(root).claims}
    return [by_id[claim_id] for claim_id in QUOTES]


def signals(
    claims: list[Claim],
    lexical: dict[int, float],
    phrasing: list[float],
    passage: list[float],
    *,
    wanted: AnswerType = AnswerType.ANY,
    language: str = "en",
) -> Signals:
    return Signals(
        claims=claims,
        lexical=lexical,
        similarities=Similarities(
            np.array(phrasing, dtype=np.float32), np.array(passage, dtype=np.float32)
        ),
        language=language,
        unknown_share=0.0,
        wanted=wanted,
    )


def test_the_candidates_are_the_best_of_each_signal(claims: list[Claim]) -> None:
    found = signals(claims, {0: 70.0}, [0.1, 0.9, 0.2], [0.1, 0.2, 0.8])

    assert sorted(candidates(found, per_signal=1)) == [0, 1, 2]
    assert candidates(found, per_signal=1)[0] == 0  # lexical first


def test_a_claim_that_cannot_give_the_amount_asked_for_is_marked(claims: list[Claim]) -> None:
    found = signals(
        claims, {0: 70.0, 1: 60.0}, [0.9, 0.8, 0.1], [0.9, 0.8, 0.1], wanted=AnswerType.QUANTITY
    )
    mismatch = FEATURES.index("type_mismatch")

    by_position = dict(candidate_features(found, per_signal=2))

    assert by_position[0][mismatch] == 0.0  # "five tankers" is an amount
    assert by_position[1][mismatch] == 1.0


def test_margins_are_measured_against_the_best_other_claim(claims: list[Claim]) -> None:
    found = signals(claims, {0: 80.0, 1: 50.0}, [0.9, 0.7, 0.6], [0.5, 0.8, 0.4])
    by_position = dict(candidate_features(found, per_signal=3))
    lexical_margin = FEATURES.index("lexical_margin")
    phrasing_margin = FEATURES.index("phrasing_margin")

    assert by_position[0][lexical_margin] == pytest.approx(0.30)
    assert by_position[1][lexical_margin] == pytest.approx(-0.30)
    assert by_position[0][phrasing_margin] == pytest.approx(0.2)
    assert by_position[2][phrasing_margin] == pytest.approx(-0.3)


def test_a_claim_every_signal_agrees_on_is_the_most_likely(claims: list[Claim]) -> None:
    agreed = signals(claims, {1: 90.0, 0: 40.0}, [0.80, 0.93, 0.80], [0.78, 0.90, 0.79])
    split = signals(claims, {0: 45.0, 1: 44.0}, [0.86, 0.85, 0.86], [0.84, 0.85, 0.84])

    sure = score_candidates(agreed, DEFAULT_DECISION)
    unsure = score_candidates(split, DEFAULT_DECISION)

    assert sure[0].position == 1
    assert sure[0].probability >= DEFAULT_DECISION.answer
    assert unsure[0].probability < DEFAULT_DECISION.answer
    assert [c.probability for c in sure] == sorted((c.probability for c in sure), reverse=True)


def test_a_model_must_weigh_every_feature() -> None:
    with pytest.raises(ValueError, match=f"{len(FEATURES)} weights expected, got 2"):
        DecisionModel(weights=(1.0, 2.0), answer=0.5, ambiguity_gap=0.0, offer=0.1)
