"""Every claim's texts as vectors, and a question's similarity to each claim.

A claim is found by meaning through any of its texts: the curated phrasings (embedded as
queries, since they are questions), and the statement, its translations and the quoted
passages (embedded as passages). Its similarity to a question is the best of each kind,
kept apart because question-to-question and question-to-passage cosines run on different
scales; the decision (:mod:`bot.matching.decision`) weighs the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.knowledge.models import Claim
from bot.matching.semantic.cache import VectorCache, text_key
from bot.matching.semantic.model import Embedder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from bot.matching.semantic.model import Vectors

_BATCH = 64


@dataclass(frozen=True)
class Similarities:
    """A question's cosine to each claim (claims in index order)."""

    phrasing: npt.NDArray[np.float32]
    """Best cosine with one of the claim's curated phrasings."""
    passage: npt.NDArray[np.float32]
    """Best cosine with the claim's statement, a translation or a quoted passage."""


@dataclass(frozen=True)
class ClaimVectors:
    """Every claim's text vectors, claims in order: the rows of claim ``i``'s phrasings
    start at ``phrasing_starts[i]`` (and end where the next claim's start), likewise its
    passages."""

    phrasings: Vectors
    passages: Vectors
    phrasing_starts: npt.NDArray[np.int64]
    passage_starts: npt.NDArray[np.int64]


def text_keys(claims: Sequence[Claim], model_id: str) -> list[str]:
    """The cache keys of every text of ``claims`` (what a complete cache holds)."""
    keys: list[str] = []
    for claim in claims:
        phrasings, passages = claim_texts(claim)
        keys += [text_key(model_id, "query", text) for text in phrasings]
        keys += [text_key(model_id, "passage", text) for text in passages]
    return keys


def claim_texts(claim: Claim) -> tuple[list[str], list[str]]:
    """The claim's phrasings, and its statement, translations and quotes."""
    passages = [claim.statement, *claim.translations.values()]
    passages += [citation.quote for citation in claim.citations]
    return list(dict.fromkeys(claim.questions)), list(dict.fromkeys(passages))


class SemanticIndex:
    """The claims' text vectors, built through a :class:`VectorCache` (only new texts are
    embedded), and the embedder that turns questions into vectors."""

    def __init__(self, claims: Sequence[Claim], embedder: Embedder, cache: VectorCache) -> None:
        import numpy as np

        self.claims = tuple(claims)
        self.embedder = embedder
        phrasings: list[str] = []
        passages: list[str] = []
        phrasing_starts: list[int] = []
        passage_starts: list[int] = []
        for claim in self.claims:
            claim_phrasings, claim_passages = claim_texts(claim)
            phrasing_starts.append(len(phrasings))
            passage_starts.append(len(passages))
            phrasings += claim_phrasings
            passages += claim_passages
        self._phrasings = _embedded(phrasings, "query", embedder, cache)
        self._passages = _embedded(passages, "passage", embedder, cache)
        self._phrasing_starts = np.array(phrasing_starts, dtype=np.int64)
        self._passage_starts = np.array(passage_starts, dtype=np.int64)
        self.embedded_now = self._phrasings.embedded_now + self._passages.embedded_now
        """How many texts had to be embedded (the rest came from the cache)."""

    @classmethod
    def from_vectors(
        cls, claims: Sequence[Claim], embedder: Embedder, vectors: ClaimVectors
    ) -> SemanticIndex:
        """The index of ``claims`` made of vectors built for them earlier (read back by
        :mod:`bot.matching.semantic.store`): the same index, nothing embedded."""
        index = cls.__new__(cls)
        index.claims = tuple(claims)
        index.embedder = embedder
        index._phrasings = _Embedded(vectors.phrasings, 0)
        index._passages = _Embedded(vectors.passages, 0)
        index._phrasing_starts = vectors.phrasing_starts
        index._passage_starts = vectors.passage_starts
        index.embedded_now = 0
        return index

    def vectors(self) -> ClaimVectors:
        """The vectors this index is made of (shared, not copied: never change them)."""
        return ClaimVectors(
            self._phrasings.vectors,
            self._passages.vectors,
            self._phrasing_starts,
            self._passage_starts,
        )

    def __len__(self) -> int:
        return len(self.claims)

    def similarities(self, question: str) -> Similarities:
        import numpy as np

        if not self.claims:
            empty = np.zeros(0, dtype=np.float32)
            return Similarities(empty, empty)
        vector = self.embedder.queries([question])[0]
        return Similarities(
            np.maximum.reduceat(self._phrasings.vectors @ vector, self._phrasing_starts),
            np.maximum.reduceat(self._passages.vectors @ vector, self._passage_starts),
        )


@dataclass(frozen=True)
class _Embedded:
    vectors: Vectors
    embedded_now: int


def _embedded(texts: list[str], kind: str, embedder: Embedder, cache: VectorCache) -> _Embedded:
    import numpy as np

    keys = [text_key(embedder.model_id, kind, text) for text in texts]
    vectors, missing = cache.get_many(keys)
    if missing:
        encode = embedder.queries if kind == "query" else embedder.passages
        batches = [missing[start : start + _BATCH] for start in range(0, len(missing), _BATCH)]
        fresh = np.vstack([encode([texts[i] for i in batch]) for batch in batches])
        cache.put_many([keys[i] for i in missing], fresh)
        vectors, still_missing = cache.get_many(keys)
        assert not still_missing, "the cache keeps what it is given"
    if vectors is None:  # no texts at all
        vectors = np.zeros((0, 0), dtype=np.float32)
    return _Embedded(vectors, len(missing))
