"""The numbers that decide between answering, asking back and admitting ignorance.

They live here and nowhere else. They were calibrated with ``python -m bot eval
--split dev`` on ``knowledge/eval/dev.yaml`` (never on the held-out set); see
``docs/matching.md`` for the procedure and the figures at the time.
"""

from __future__ import annotations

from dataclasses import dataclass


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
