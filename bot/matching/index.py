"""The claim index: every claim's terms by field, an inverted index and term weights.

Built once per knowledge base, off to the side, then shared read-only. The inverted
index means a question is scored against the few claims that share a term with it,
not against every claim; inverse document frequency means a word found in every
claim ("Iran", "Venezuela") carries almost nothing, while a rare one ("Monroe")
carries the match.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching.analysis import Analyzer, tokenize

FIELD_WEIGHTS = {"questions": 1.0, "statement": 1.0, "topics": 0.8, "quotes": 0.7}
"""How much a term counts by where it appears in a claim. Curated phrasings and the
statement say what the claim is about; a word found only in the quoted passage may be
incidental to it."""


@dataclass(frozen=True)
class IndexedClaim:
    """A claim with its analysed phrasings, ready to score."""

    claim: Claim
    term_weights: dict[str, float]
    phrasings: tuple[str, ...]
    """Each curated question and the statement as a string of terms, for fuzzy comparison."""


class ClaimIndex:
    """Claims analysed once, with postings and document frequencies."""

    def __init__(self, knowledge: KnowledgeBase, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.claims: list[IndexedClaim] = []
        postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        surface: Counter[str] = Counter()
        for group in knowledge.synonyms:
            for term in group:
                surface.update(word.casefold() for word in tokenize(term))
        for position, claim in enumerate(knowledge.claims):
            fields = {
                "questions": list(claim.questions),
                "statement": [claim.statement],
                "topics": [" ".join(claim.topics).replace("-", " ")],
                "quotes": [citation.quote for citation in claim.citations],
            }
            weights: dict[str, float] = {}
            for name, texts in fields.items():
                for text in texts:
                    words = tokenize(text)
                    surface.update(word.casefold() for word in words)
                    terms = analyzer.terms_of_words(words)
                    for term in (*terms, *bigrams(terms)):
                        weights[term] = max(weights.get(term, 0.0), FIELD_WEIGHTS[name])
            phrasings = tuple(
                " ".join(analyzer.terms(text)) for text in (*claim.questions, claim.statement)
            )
            self.claims.append(IndexedClaim(claim, weights, phrasings))
            for term, weight in weights.items():
                postings[term].append((position, weight))
        self.postings: dict[str, list[tuple[int, float]]] = dict(postings)
        count = len(self.claims)
        self.idf: dict[str, float] = {
            term: _idf(count, len(hits)) for term, hits in self.postings.items()
        }
        self.unknown_idf = _idf(count, 0)
        """What a term found in no claim weighs: the most of any term."""
        self.vocabulary: tuple[str, ...] = tuple(
            word for word, _ in sorted(surface.items(), key=lambda item: (-item[1], item[0]))
        )
        """Every word the knowledge base uses, folded, most used first, for typo correction."""
        self.known_words = frozenset(surface)
        self.spanish_forms: dict[str, str] = {}
        """Spanish stem -> the knowledge base's most used word with that stem, so that
        "importaba" finds "importó" (and "import"), and "aislados" finds "aislada"."""
        for word in self.vocabulary:
            self.spanish_forms.setdefault(analyzer.spanish_stem(word), word)


def bigrams(terms: list[str]) -> list[str]:
    """Adjacent term pairs: a question that keeps a claim's wording together ("oil trade")
    should beat one that merely shares its words."""
    return [f"{first} {second}" for first, second in itertools.pairwise(terms)]


def _idf(count: int, document_frequency: int) -> float:
    """BM25's inverse document frequency: always positive, highest for rare terms."""
    return math.log(1.0 + (count - document_frequency + 0.5) / (document_frequency + 0.5))
