"""The numbers that decide between answering, asking back and admitting ignorance.

They live here and nowhere else. They were calibrated with ``python -m bot eval
--split dev`` on ``knowledge/eval/dev.yaml`` (never on the held-out set); see
``docs/matching.md`` for the procedure and the figures at the time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching.decision import DecisionModel


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs on the matcher's 0–100 scale."""

    answer: float = 60.0
    """The best claim must score at least this to be given as an answer."""

    related: float = 30.0
    """Claims scoring at least this are offered as "related" when we do not know."""

    ambiguity_gap: float = 2.0
    """If the runner-up is within this many points of the best, we ask which was meant."""

    min_information: float = 1.0
    """Scores are scaled down when the question's known words weigh less than this in all
    (inverse document frequency; a word in a quarter of the claims weighs about 1.4)."""

    max_alternatives: int = 3
    """At most this many "did you mean" or "related" claims are offered."""

    lexical_share: float = 0.75
    """Share of the score from weighted term coverage; the rest is fuzzy phrasing similarity."""

    bigram_weight: float = 0.5
    """Weight of a pair of adjacent terms (known to the knowledge base) relative to a word."""

    unknown_term_weight: float = 1.0
    """Weight of a word the knowledge base never uses, relative to its rarest word."""


DEFAULT_THRESHOLDS = Thresholds()


DEFAULT_DECISION = DecisionModel(
    # Fitted by `python -m bench.fit_decision` on knowledge/eval/calibration.yaml, dev.yaml and
    # the not-in-source guard set (the questions the lexical verdict does not answer); the
    # report half and the sealed sets never took part. Order: decision.FEATURES. The cut-off
    # answers the most right while adding no answered question without an answer and at most
    # one point of wrong answers to the lexical verdict's. On those questions (lexical verdict
    # then decision, before the model's veto): 66.8% of answerable ones answered right, 5.9%
    # wrong, 19.8% offered; 5.1% of the ones without an answer answered (all lexically).
    weights=(
        -5.141,
        2.750,
        1.537,
        0.633,
        1.323,
        0.874,
        0.925,
        0.955,
        0.143,
        -0.132,
        -1.683,
        -1.848,
    ),
    answer=0.425,
    ambiguity_gap=0.0,
    offer=0.2,
)
"""How the hybrid matcher decides where the lexical verdict does not answer
(see :mod:`bot.matching.decision`)."""
