"""The obvious alternative the matcher is measured against: fuzzy-match every claim.

Every curated question and statement of every claim goes through the matcher's own
analysis once (fold, synonyms, stopwords, stems: the same "processor"), and each
question is compared with all of them by ``rapidfuzz.process.extract`` with the
matcher's fuzzy scorer (``fuzz.token_sort_ratio``). The best-scoring phrasing's claim
is the answer when it scores at least the answer threshold. No index, no weights:
cost grows with the knowledge base, and a question is only as good as its wording.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching import (
    DEFAULT_THRESHOLDS,
    Analyzer,
    MatchResult,
    Outcome,
    ScoredClaim,
    Thresholds,
)

BRUTE_FORCE_LIMIT = 5
"""How many phrasings ``extract`` returns per question (the best decides)."""


class BruteForce:
    """``process.extract`` over every claim phrasing, with the matcher's scorer."""

    def __init__(
        self, knowledge: KnowledgeBase, thresholds: Thresholds = DEFAULT_THRESHOLDS
    ) -> None:
        self.analyzer = Analyzer(knowledge.synonyms)
        self.thresholds = thresholds
        self.claims: list[Claim] = []
        self.choices: list[str] = []
        """Every analysed phrasing of every claim; ``owners[i]`` is the claim of ``choices[i]``."""
        self.owners: list[int] = []
        for position, claim in enumerate(knowledge.claims):
            self.claims.append(claim)
            for text in (*claim.questions, claim.statement):
                self.choices.append(self._process(text))
                self.owners.append(position)

    def _process(self, text: str) -> str:
        return " ".join(self.analyzer.terms(text))

    def best(self, question: str) -> ScoredClaim | None:
        """The claim of the best-matching phrasing, whatever its score."""
        found = process.extract(
            self._process(question),
            self.choices,
            scorer=fuzz.token_sort_ratio,
            limit=BRUTE_FORCE_LIMIT,
        )
        if not found:
            return None
        _, score, choice = found[0]
        return ScoredClaim(self.claims[self.owners[choice]], round(score, 2))

    def match(self, question: str) -> MatchResult:
        """The verdict, for the evaluation harness."""
        return self.match_best(self.best(question))

    def match_best(self, best: ScoredClaim | None) -> MatchResult:
        """Answered when the best phrasing scores at least the answer threshold."""
        if best is None or best.score < self.thresholds.answer:
            return MatchResult(Outcome.UNKNOWN, (), ())
        return MatchResult(Outcome.ANSWERED, (best,), ())
