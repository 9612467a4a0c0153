"""Question in, ranked claims and a verdict out: answered, ambiguous or unknown.

Scoring (0–100) has two parts. The lexical part is the share of the question's
meaning, weighted by inverse document frequency, that a claim covers; a word the
knowledge base has never seen weighs as much as its rarest word, so "How many
Iranian troops…" cannot ride on "Iranian" to an answer. The fuzzy part is rapidfuzz's
``token_sort_ratio`` against the claim's curated phrasings, which rewards a question
worded like one of them and breaks ties between claims that cover it equally.
Typos are repaired first: a word the knowledge base does not know is replaced by the
most similar word it does know (rapidfuzz over its vocabulary), if similar enough.

How the claims are found and ranked fast is in :mod:`bot.matching.ranking` (and the
index they are read from in :mod:`bot.matching.index`); the typo rule is implemented in
:mod:`bot.matching.typos`.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from bot.knowledge.models import Claim
from bot.matching.analysis import tokenize
from bot.matching.answer_type import AnswerType, answer_type
from bot.matching.index import ClaimIndex, Postings, bigrams
from bot.matching.language import detect_language
from bot.matching.ranking import Ranking
from bot.matching.thresholds import DEFAULT_THRESHOLDS, Thresholds
from bot.matching.typos import Repair, repair
from bot.matching.wordlists import WordLists

ANSWERING_LANGUAGES = frozenset({"en", "es", "fa"})
"""Languages the curation covers; a question in any other is at most offered candidates."""

CANDIDATE_LIMIT = 50
""":meth:`Matcher.rank` returns at most this many claims unless given a limit."""

_MAX_REPAIRS = 100_000
"""Words whose repair is remembered, per matcher."""


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
    language: str = "en"
    """The question's language as detected (``en``, ``es``, ``fa`` or ``other``)."""
    semantic: bool = False
    """Whether the semantic model took part (False: lexical matching only)."""

    @property
    def best(self) -> ScoredClaim | None:
        return self.matches[0] if self.matches else None


class Matcher:
    """Ranks the claims of one :class:`ClaimIndex` against questions.

    A claim's score is ``lexical + fuzzy``, and the fuzzy part is at most
    ``100 * (1 - lexical_share)``, so a claim whose lexical part alone cannot lift it
    above the claims already found need not be compared fuzzily, nor even looked at.
    Terms are taken from the rarest; the postings of common ones ("Iran", "port") are
    only read when claims that have nothing but them could still make the list. The
    result is exactly what scoring every claim would give, at the cost of scoring a few.
    """

    def __init__(
        self,
        index: ClaimIndex,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        words: WordLists | None = None,
    ) -> None:
        self.index = index
        self.thresholds = thresholds
        self.words = words or WordLists.shared()
        """The word lists that tell a real word from a typo (read when first needed)."""
        self._repaired: dict[str, Repair] = {}
        """Typo repairs already made (members repeat their words, and their typos)."""

    def match(self, question: str) -> MatchResult:
        repairs = self._repairs(tokenize(question))
        terms = self._terms([repair.word for repair in repairs])
        limits = self.thresholds
        # The verdict looks at the best two claims and shows at most 1 + max_alternatives;
        # a claim scoring under both the "related" cut-off and the ambiguity gap below the
        # answer threshold changes neither, so it is never scored.
        keep = max(2, 1 + limits.max_alternatives)
        floor = min(limits.related, limits.answer - limits.ambiguity_gap)
        ranked = self._ranked(terms, answer_type(question), keep, floor)
        outcome = self._verdict(ranked)
        language = detect_language(question)
        if language not in ANSWERING_LANGUAGES and outcome is Outcome.ANSWERED:
            outcome = Outcome.AMBIGUOUS  # curation covers en/es/fa: elsewhere, only offer
        if outcome is not Outcome.UNKNOWN and self._only_guesses(repairs):
            outcome = Outcome.UNKNOWN
        elif outcome is Outcome.ANSWERED and self._broad(terms):
            shown = [c for c in ranked[: limits.max_alternatives] if c.score >= limits.related]
            return MatchResult(Outcome.AMBIGUOUS, tuple(shown), tuple(terms), language)
        return MatchResult(outcome, self._shown(ranked, outcome), tuple(terms), language)

    def query_terms(self, question: str) -> list[str]:
        """The question's distinct terms after typo repair, in order, then its known bigrams."""
        return self._terms([repair.word for repair in self._repairs(tokenize(question))])

    def _repairs(self, words: list[str]) -> list[Repair]:
        repaired = self._repaired
        return [repaired.get(word) or self._repair(word) for word in words]

    def _terms(self, words: list[str]) -> list[str]:
        terms = self.index.analyzer.terms_of_words(words)
        pairs = [pair for pair in bigrams(terms) if self.index.postings(pair) is not None]
        return list(dict.fromkeys([*terms, *pairs]))

    def _broad(self, terms: list[str]) -> bool:
        """Whether the question names one thing that more claims share than we would
        offer ("sanctions", "what's the reason"): answering with one of them would be a
        coin toss decided by phrasing length, so the best few are offered instead."""
        index = self.index
        known = [found for term in terms if " " not in term and (found := index.postings(term))]
        if len(known) != 1:
            return False
        _, _, start, end, _, _ = known[0]
        return end - start > self.thresholds.max_alternatives

    def _only_guesses(self, repairs: list[Repair]) -> bool:
        """Whether every word the knowledge base knows in the question is a typo guess.

        A guess turns an unknown word into the closest known one ("arepas", the corn
        cakes, into "areas"); beside words the knowledge base knows it is usually right,
        alone it is as likely a word we have never heard of. Such a question is not
        answered; the claims the guess points to are still offered as related. A Spanish
        word taken to its English form by stem is a translation, not a guess.
        """
        if not any(repair.guessed for repair in repairs):
            return False
        sure = [repair.word for repair in repairs if not repair.guessed]
        index = self.index
        return all(index.postings(term) is None for term in index.analyzer.terms_of_words(sure))

    def rank(
        self, terms: list[str], limit: int | None = None, wanted: AnswerType = AnswerType.ANY
    ) -> list[ScoredClaim]:
        """The best claims sharing a term with the question, scored, best first: at most
        ``limit``, or :data:`CANDIDATE_LIMIT`.

        ``wanted`` scales down claims that cannot give the kind of answer asked for.
        """
        return self._ranked(terms, wanted, CANDIDATE_LIMIT if limit is None else limit, -math.inf)

    def _ranked(
        self, terms: list[str], wanted: AnswerType, keep: int, floor: float
    ) -> list[ScoredClaim]:
        """The ``keep`` best claims scoring at least ``floor``, best first (ties by id)."""
        found = {term: self.index.postings(term) for term in dict.fromkeys(terms)}
        weights = {term: self._weight(term, found) for term in terms}
        total = sum(weights.values())
        if not total or keep <= 0:
            return []
        ranking = Ranking(
            self.index,
            self.thresholds,
            terms,
            found,
            weights,
            wanted=wanted,
            keep=keep,
            floor=floor,
        )
        ranking.run()
        # A question of words found nearly everywhere ("Iran", "Venezuela") covers every
        # claim fully: its scores are scaled by how much it says, so it cannot be answered.
        known = sum(w for t, w in weights.items() if " " not in t and found.get(t) is not None)
        factor = min(1.0, known / self.thresholds.min_information)
        return [ScoredClaim(claim, round(score * factor, 2)) for claim, score in ranking.best()]

    def _weight(self, term: str, found: dict[str, Postings | None]) -> float:
        """A term's inverse document frequency; a pair weighs at most its two words together."""
        index, limits = self.index, self.thresholds
        postings = found[term] if term in found else index.postings(term)
        if " " in term:
            if postings is None:
                return 0.0  # only known pairs are ever asked about (see query_terms)
            first, second = term.split(" ")
            words = 0.0
            for word in (first, second):
                word_postings = found[word] if word in found else index.postings(word)
                words += index.idf_of(word_postings) if word_postings is not None else 0.0
            return limits.bigram_weight * min(index.idf_of(postings), words)
        if postings is None:
            return index.unknown_idf * limits.unknown_term_weight
        return index.idf_of(postings)

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

    def _repair(self, word: str) -> Repair:
        """``word`` itself if the knowledge base knows it, else the known word it is a typo of.

        A typo is at most one edit (two for words of nine letters or more) away, counting a
        swap of neighbouring letters as one edit (optimal string alignment), and keeps its
        first letter; ties go to the word the knowledge base uses most (see
        :mod:`bot.matching.typos`).
        """
        repaired = repair(self.index, word, self.words)
        if len(self._repaired) < _MAX_REPAIRS:
            self._repaired[word] = repaired
        return repaired
