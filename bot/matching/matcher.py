"""Question in, ranked claims and a verdict out: answered, ambiguous or unknown.

Scoring (0–100) has two parts. The lexical part is the share of the question's
meaning, weighted by inverse document frequency, that a claim covers; a word the
knowledge base has never seen weighs as much as its rarest word, so "How many
Iranian troops…" cannot ride on "Iranian" to an answer. The fuzzy part is rapidfuzz's
``token_sort_ratio`` against the claim's curated phrasings, which rewards a question
worded like one of them and breaks ties between claims that cover it equally.
Typos are repaired first: a word the knowledge base does not know is replaced by the
most similar word it does know (rapidfuzz over its vocabulary), if similar enough.
"""

from __future__ import annotations

import enum
import heapq
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge.models import Claim
from bot.matching.analysis import tokenize
from bot.matching.answer_type import AnswerType, answer_type, can_answer
from bot.matching.index import ClaimIndex, bigrams
from bot.matching.stopwords import STOPWORDS
from bot.matching.thresholds import DEFAULT_THRESHOLDS, Thresholds

CANDIDATE_LIMIT = 50
"""Only this many claims, best by lexical score, are compared fuzzily."""


class Outcome(enum.StrEnum):
    """What the matcher concluded about a question."""

    ANSWERED = "answered"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ScoredClaim:
    """A claim with its score for one question."""

    claim: Claim
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The verdict on one question and the claims behind it, best first.

    For ``answered`` the first match is the answer; for ``ambiguous`` the matches are
    the "did you mean" candidates; for ``unknown`` they are related claims (maybe none).
    """

    outcome: Outcome
    matches: tuple[ScoredClaim, ...]
    terms: tuple[str, ...]

    @property
    def best(self) -> ScoredClaim | None:
        return self.matches[0] if self.matches else None


class Matcher:
    """Ranks the claims of one :class:`ClaimIndex` against questions."""

    def __init__(self, index: ClaimIndex, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.index = index
        self.thresholds = thresholds

    def match(self, question: str) -> MatchResult:
        terms = self.query_terms(question)
        ranked = self.rank(terms, wanted=answer_type(question))
        outcome = self._verdict(ranked)
        return MatchResult(outcome, self._shown(ranked, outcome), tuple(terms))

    def query_terms(self, question: str) -> list[str]:
        """The question's distinct terms after typo repair, in order, then its known bigrams."""
        words = [self._repair(word) for word in tokenize(question)]
        terms = self.index.analyzer.terms_of_words(words)
        pairs = [pair for pair in bigrams(terms) if pair in self.index.idf]
        return list(dict.fromkeys([*terms, *pairs]))

    def rank(
        self, terms: list[str], limit: int | None = None, wanted: AnswerType = AnswerType.ANY
    ) -> list[ScoredClaim]:
        """Every claim sharing a term with the question, scored, best first.

        ``wanted`` scales down claims that cannot give the kind of answer asked for.
        """
        index, limits = self.index, self.thresholds
        weights = {term: self._weight(term) for term in terms}
        total = sum(weights.values())
        if not total:
            return []
        lexical: dict[int, float] = {}
        for term in terms:
            for position, field_weight in index.postings.get(term, ()):
                lexical[position] = lexical.get(position, 0.0) + weights[term] * field_weight
        candidates = heapq.nlargest(CANDIDATE_LIMIT, lexical.items(), key=lambda item: item[1])
        query = " ".join(term for term in terms if " " not in term)
        scored: list[ScoredClaim] = []
        for position, value in candidates:
            indexed = index.claims[position]
            best = process.extractOne(query, indexed.phrasings, scorer=fuzz.token_sort_ratio)
            similarity = best[1] if best else 0.0
            score = (
                100.0 * limits.lexical_share * value / total
                + (1.0 - limits.lexical_share) * similarity
            )
            if not can_answer(indexed.claim, wanted):
                score = min(score, limits.answer - 1.0)  # related at best, never the answer
            scored.append(ScoredClaim(indexed.claim, round(score, 2)))
        scored.sort(key=lambda item: (-item.score, item.claim.id))
        return scored[:limit] if limit is not None else scored

    def _weight(self, term: str) -> float:
        """A term's inverse document frequency; a pair weighs at most its two words together."""
        index, limits = self.index, self.thresholds
        if " " in term:
            first, second = term.split(" ")
            words = index.idf.get(first, 0.0) + index.idf.get(second, 0.0)
            return limits.bigram_weight * min(index.idf[term], words)
        return index.idf.get(term, index.unknown_idf * limits.unknown_term_weight)

    def _verdict(self, ranked: list[ScoredClaim]) -> Outcome:
        limits = self.thresholds
        if not ranked or ranked[0].score < limits.answer:
            return Outcome.UNKNOWN
        if len(ranked) > 1 and ranked[0].score - ranked[1].score < limits.ambiguity_gap:
            return Outcome.AMBIGUOUS
        return Outcome.ANSWERED

    def _shown(self, ranked: list[ScoredClaim], outcome: Outcome) -> tuple[ScoredClaim, ...]:
        """The claims worth showing: for an ambiguous question only the close contenders."""
        limits = self.thresholds
        if outcome is Outcome.AMBIGUOUS:
            top = ranked[0].score
            return tuple(
                c for c in ranked[: limits.max_alternatives] if top - c.score < limits.ambiguity_gap
            )
        shown = (
            ranked[: 1 + limits.max_alternatives]
            if outcome is Outcome.ANSWERED
            else ranked[: limits.max_alternatives]
        )
        return tuple(c for c in shown if c.score >= limits.related)

    def _repair(self, word: str) -> str:
        """``word`` itself if the knowledge base knows it, else the known word it is a typo of.

        A typo is at most one edit (two for words of nine letters or more) away, counting a
        swap of neighbouring letters as one edit (optimal string alignment), and keeps its
        first letter; ties go to the word the knowledge base uses most.
        """
        index = self.index
        folded = word.casefold()
        if (
            len(folded) < 4
            or folded in STOPWORDS
            or folded in index.known_words
            or folded.isdigit()
            or word.isupper()
            or index.analyzer.stem(folded) in index.idf
        ):
            return word
        spanish = index.spanish_forms.get(index.analyzer.spanish_stem(folded))
        if spanish is not None:
            return spanish
        max_edits = 2 if len(folded) >= 9 else 1
        found = process.extractOne(
            folded, index.vocabulary, scorer=OSA.distance, score_cutoff=max_edits
        )
        if found is None or found[0][0] != folded[0]:
            return word
        return str(found[0])
