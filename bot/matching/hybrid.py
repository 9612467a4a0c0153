"""The matcher members talk to: lexical matching, semantic candidates, one decision.

:class:`HybridMatcher` is a :class:`Matcher` (everything that ranks or explains stays
lexical and exact) whose :meth:`match` adds the embedding's candidates and lets the fitted
:class:`~bot.matching.decision.DecisionModel` decide. The claims' vectors are built on
first need, or at start-up through :meth:`HybridMatcher.prepare`, so a command that never
asks a question never loads the model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.knowledge.models import Claim
from bot.matching.answer_type import answer_type
from bot.matching.decision import DecisionModel, Signals, score_candidates
from bot.matching.index import ClaimIndex
from bot.matching.matcher import (
    ANSWERING_LANGUAGES,
    CANDIDATE_LIMIT,
    Matcher,
    MatchResult,
    Outcome,
    ScoredClaim,
)
from bot.matching.semantic import (
    Embedder,
    ModelStatus,
    SemanticIndex,
    VectorCache,
    load_embedder,
)
from bot.matching.semantic.store import VectorStore
from bot.matching.thresholds import DEFAULT_DECISION, DEFAULT_THRESHOLDS, Thresholds
from bot.matching.wordlists import WordLists


class SemanticMatching:
    """The embedding model and its vector cache, shared by every matcher built over time
    (a moderator's edit re-embeds only the texts it changed), and where each knowledge
    base's claim vectors are kept between starts (``store``; None: nowhere)."""

    def __init__(
        self, embedder: Embedder, cache: VectorCache, store: VectorStore | None = None
    ) -> None:
        self.embedder = embedder
        self.cache = cache
        self.store = store
        self._lock = threading.Lock()

    def index(self, claims: Sequence[Claim], identity: str | None = None) -> SemanticIndex:
        """The vectors of ``claims``; with the knowledge base's ``identity``
        (:func:`~bot.matching.index_store.knowledge_identity`), read from the store if
        they were kept there, else kept there once made."""
        with self._lock:  # the cache is not safe for two builders at once
            if identity is None or self.store is None:
                return SemanticIndex(claims, self.embedder, self.cache)
            return self.store.index(identity, claims, self.embedder, self.cache)


def load_semantic_matching(
    cache_dir: Path | None, seed_dir: Path | None = None, *, verify: bool = False
) -> tuple[SemanticMatching | None, ModelStatus]:
    """The model and a vector cache under ``cache_dir`` (None: memory only) seeded from
    ``seed_dir`` (the knowledge base's ``embeddings/``), or why there is no model."""
    embedder, status = load_embedder(verify=verify)
    if embedder is None:
        return None, status

    def model_dir(root: Path | None) -> Path | None:
        return None if root is None else root / "embeddings" / embedder.model_id

    cache = VectorCache(model_dir(cache_dir), seed=model_dir(seed_dir))
    store = None if cache_dir is None else VectorStore(cache_dir / "claim-vectors")
    return SemanticMatching(embedder, cache, store), status


class HybridMatcher(Matcher):
    """Lexical matching plus semantic candidates, decided by one calibrated model."""

    def __init__(
        self,
        index: ClaimIndex,
        semantic: SemanticMatching,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        decision: DecisionModel = DEFAULT_DECISION,
        words: WordLists | None = None,
        *,
        identity: str | None = None,
    ) -> None:
        """``identity``: the knowledge base's, under which ``semantic`` keeps its vectors."""
        super().__init__(index, thresholds, words)
        self._identity = identity
        self.decision = decision
        self._semantic = semantic
        self._claims: tuple[Claim, ...] = tuple(indexed.claim for indexed in index.claims)
        self._positions = {claim.id: position for position, claim in enumerate(self._claims)}
        self._vectors: SemanticIndex | None = None
        self._lock = threading.Lock()

    def prepare(self) -> int:
        """Build the claims' vectors now; how many texts had to be embedded (0 = all cached)."""
        return self._semantic_index().embedded_now

    def _semantic_index(self) -> SemanticIndex:
        vectors = self._vectors
        if vectors is None:
            with self._lock:
                if self._vectors is None:
                    self._vectors = self._semantic.index(self._claims, self._identity)
                vectors = self._vectors
        return vectors

    def match(self, question: str) -> MatchResult:
        """The lexical verdict where it answers (it is precise on the article's own words);
        otherwise the fitted decision, which may answer with a candidate it is sure of and
        supplies the candidates offered. A question in a language the curation does not
        cover is never answered: it is offered the claims nearest in meaning, if any is
        near enough to be on topic."""
        lexical = super().match(question)
        model, most = self.decision, self.thresholds.max_alternatives
        if (
            lexical.outcome is Outcome.ANSWERED
            and lexical.matches[0].score >= model.certain_lexical
        ):
            # Certain: the question is not embedded (the model's ~13 ms saved; a new user's
            # first ask of such a question does not even load it).
            return replace(lexical, semantic=True)
        signals = self.signals(question, lexical)
        if lexical.outcome is Outcome.ANSWERED:
            return self._checked(lexical, signals)
        ranked = score_candidates(signals, model)
        scored = [
            ScoredClaim(self._claims[c.position], round(c.probability * 100.0, 1)) for c in ranked
        ]
        rescored = {c.claim.id: c for c in scored}  # one scale in one list: the decision's
        best = ranked[0].probability if ranked else 0.0
        runner_up = ranked[1].probability if len(ranked) > 1 else 0.0
        # On topic (a curated phrasing near in meaning), the best candidates are worth
        # offering however unsure the decision is; off topic, only the likely ones.
        nearest = float(signals.similarities.phrasing.max(initial=0.0))
        topical = nearest >= model.topical_similarity
        offered = [c for c in scored if topical or c.score >= model.offer * 100.0]
        lexical_matches = tuple(
            found
            for m in lexical.matches
            if (found := rescored.get(m.claim.id, m)) in offered
            or lexical.outcome is Outcome.AMBIGUOUS
        )
        if signals.language not in ANSWERING_LANGUAGES:
            outcome = Outcome.AMBIGUOUS if topical else Outcome.UNKNOWN
            matches = _merged(lexical_matches, offered, most) if topical else ()
        elif best >= model.answer and best - runner_up >= model.ambiguity_gap:
            outcome, matches = Outcome.ANSWERED, _merged(tuple(scored[:1]), offered, 1 + most)
        else:
            outcome = lexical.outcome  # ambiguous or unknown
            matches = _merged(lexical_matches, offered, max(most, len(lexical.matches)))
        return MatchResult(
            outcome, matches, lexical.terms, language=signals.language, semantic=True
        )

    def _checked(self, lexical: MatchResult, signals: Signals) -> MatchResult:
        """The lexical answer, unless the model points clearly elsewhere: then "did you
        mean", with the lexical answer first and the claim nearest in meaning next."""
        answer = self._positions[lexical.matches[0].claim.id]
        phrasing, passage = signals.similarities.phrasing, signals.similarities.passage
        nearest = int(phrasing.argmax())
        disputed = (
            nearest != answer
            and int(passage.argmax()) != answer
            and float(phrasing[nearest] - phrasing[answer]) >= self.decision.veto_gap
        )
        if not disputed:
            return replace(lexical, semantic=True)
        most = self.thresholds.max_alternatives
        alternative = ScoredClaim(self._claims[nearest], lexical.matches[0].score)
        matches = _merged(lexical.matches[:1], [alternative, *lexical.matches[1:]], most)
        return replace(lexical, outcome=Outcome.AMBIGUOUS, matches=matches, semantic=True)

    def signals(self, question: str, lexical: MatchResult) -> Signals:
        """Everything the decision reads about ``question`` (also what the fit reads),
        given the lexical verdict on it."""
        wanted = answer_type(question)
        terms = list(lexical.terms)
        scores = {
            self._positions[scored.claim.id]: scored.score
            for scored in self.rank(terms, limit=CANDIDATE_LIMIT, wanted=wanted)
        }
        return Signals(
            claims=self._claims,
            lexical=scores,
            similarities=self._semantic_index().similarities(question),
            language=lexical.language,
            unknown_share=self.unknown_share(terms),
            wanted=wanted,
        )

    def unknown_share(self, terms: list[str]) -> float:
        """The share of the question's weight in words that no claim uses."""
        index = self.index
        words = [term for term in terms if " " not in term]
        known = unknown = 0.0
        for word in words:
            postings = index.postings(word)
            if postings is None:
                unknown += index.unknown_idf
            else:
                known += index.idf_of(postings)
        total = known + unknown
        return unknown / total if total else 0.0


def _merged(
    first: tuple[ScoredClaim, ...], then: list[ScoredClaim], limit: int
) -> tuple[ScoredClaim, ...]:
    """``first``, then the claims of ``then`` not already in it, at most ``limit`` in all."""
    seen = {scored.claim.id for scored in first}
    rest = [scored for scored in then if scored.claim.id not in seen]
    return (*first, *rest)[:limit]
