"""One calibrated decision over every signal: answer, ask which was meant, or say we don't know.

The lexical matcher is precise on questions worded like the article and blind to meaning;
the embedding finds the right claim for paraphrases and other languages but cannot tell
"not in the source" from "answerable" on its own (its cosines for both look alike). So
the embedding *finds* and a fitted model *decides*: the candidates are the best few
claims of each signal, each candidate gets a probability of being the right answer from a
logistic model over the signals (lexical score and margin, semantic similarity and margin,
agreement, the question's language, how much of it the knowledge base has never heard of,
whether the claim can give the kind of answer asked for), and the verdict reads the two
best probabilities. The lexical verdict answers first where it is sure (it is precise on
the article's own words), so the model is fitted on, and consulted for, the rest. The weights are fitted on the calibration sets by
``python -m bench.fit_decision`` and live in :mod:`bot.matching.thresholds`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.knowledge.models import Claim
from bot.matching.answer_type import AnswerType, can_answer

if TYPE_CHECKING:
    from bot.matching.semantic import Similarities

FEATURES = (
    "bias",
    "lexical",
    "lexical_margin",
    "phrasing",
    "passage",
    "phrasing_margin",
    "passage_margin",
    "agreement",
    "persian",
    "spanish",
    "unknown_share",
    "type_mismatch",
)
"""The decision's inputs, in the order of :attr:`DecisionModel.weights`."""


@dataclass(frozen=True)
class DecisionModel:
    """A logistic model over :data:`FEATURES` and the cut-offs that read its probabilities."""

    weights: tuple[float, ...]
    answer: float
    """The best candidate's probability must reach this to be given as the answer."""
    ambiguity_gap: float
    """...and beat the runner-up's by this much; otherwise we ask which was meant."""
    offer: float
    """Candidates at least this likely are offered ("did you mean", "related")."""
    topical_similarity: float = 0.85
    """A question in a language the curation does not cover is offered candidates only if
    its nearest curated phrasing is at least this similar: on the calibration sets every
    off-topic question (English, Spanish, Persian) stayed under 0.85, and 95% of the
    answerable ones were above 0.87. Not calibrated on other languages (we have no set)."""
    certain_lexical: float = 95.0
    """A lexical answer scoring at least this stands without consulting the model (the
    question is not even embedded); below it, the model may veto it (see ``veto_gap``)."""
    veto_gap: float = 0.02
    """A lexical answer that neither similarity ranks first, while another claim's phrasing
    is this much nearer in meaning, becomes "did you mean" (both offered): on the
    calibration, dev and guard questions this turned 4 wrong answers and 1 answer to a
    question without one into questions, and 3 right answers into "did you mean" offering
    the right claim."""
    candidates_per_signal: int = 3
    """How many of each signal's best claims are considered."""

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"{len(FEATURES)} weights expected, got {len(self.weights)}")


@dataclass(frozen=True)
class Signals:
    """What the matchers found for one question."""

    claims: Sequence[Claim]
    """Every claim, in the order of the similarity arrays."""
    lexical: Mapping[int, float]
    """Lexical scores (0-100) of the claims that share a term with the question, by position."""
    similarities: Similarities
    language: str
    unknown_share: float
    """Share of the question's weight in words no claim uses (0 = all known)."""
    wanted: AnswerType


@dataclass(frozen=True)
class Candidate:
    position: int
    probability: float


def candidates(signals: Signals, per_signal: int) -> list[int]:
    """The best ``per_signal`` claims by each signal, without repeats."""
    import numpy as np

    found: dict[int, None] = {}
    lexical = sorted(signals.lexical.items(), key=lambda item: -item[1])[:per_signal]
    found.update((position, None) for position, _ in lexical)
    for scores in (signals.similarities.phrasing, signals.similarities.passage):
        if len(scores) > per_signal:
            best = np.argpartition(-scores, per_signal)[:per_signal]
        else:
            best = np.arange(len(scores))
        found.update((int(position), None) for position in best)
    return list(found)


def features(signals: Signals, position: int, tops: _Tops) -> list[float]:
    sims = signals.similarities
    lexical = signals.lexical.get(position, 0.0)
    phrasing = float(sims.phrasing[position])
    passage = float(sims.passage[position])
    claim = signals.claims[position]
    return [
        1.0,
        lexical / 100.0,
        (lexical - tops.lexical.other_than(position)) / 100.0,
        phrasing,
        passage,
        phrasing - tops.phrasing.other_than(position),
        passage - tops.passage.other_than(position),
        float(tops.lexical.first == position and tops.phrasing.first == position),
        float(signals.language == "fa"),
        float(signals.language == "es"),
        signals.unknown_share,
        float(not can_answer(claim, signals.wanted)),
    ]


@dataclass(frozen=True)
class _Top2:
    first: int
    first_value: float
    second_value: float

    def other_than(self, position: int) -> float:
        return self.second_value if position == self.first else self.first_value


@dataclass(frozen=True)
class _Tops:
    lexical: _Top2
    phrasing: _Top2
    passage: _Top2


def _top2_array(values: object) -> _Top2:
    import numpy as np

    array = np.asarray(values)
    if len(array) == 0:
        return _Top2(-1, 0.0, 0.0)
    if len(array) == 1:
        return _Top2(0, float(array[0]), 0.0)
    two = np.argpartition(-array, 1)[:2]
    first, second = (int(two[0]), int(two[1]))
    if array[second] > array[first]:
        first, second = second, first
    return _Top2(first, float(array[first]), float(array[second]))


def _top2_mapping(values: Mapping[int, float]) -> _Top2:
    ranked = sorted(values.items(), key=lambda item: -item[1])[:2]
    if not ranked:
        return _Top2(-1, 0.0, 0.0)
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return _Top2(ranked[0][0], ranked[0][1], second)


def candidate_features(signals: Signals, per_signal: int) -> list[tuple[int, list[float]]]:
    """Each candidate's position and its :data:`FEATURES` (what the fit and the verdict read)."""
    tops = _Tops(
        _top2_mapping(signals.lexical),
        _top2_array(signals.similarities.phrasing),
        _top2_array(signals.similarities.passage),
    )
    return [
        (position, features(signals, position, tops))
        for position in candidates(signals, per_signal)
    ]


def score_candidates(signals: Signals, model: DecisionModel) -> list[Candidate]:
    """Every candidate with its probability of being the right answer, most likely first."""
    scored = []
    for position, values in candidate_features(signals, model.candidates_per_signal):
        logit = sum(w * x for w, x in zip(model.weights, values, strict=True))
        scored.append(Candidate(position, 1.0 / (1.0 + math.exp(-logit))))
    claims = signals.claims
    scored.sort(key=lambda candidate: (-candidate.probability, claims[candidate.position].id))
    return scored
