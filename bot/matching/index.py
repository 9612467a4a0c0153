"""The claim index: compact postings per term, term weights, phrasings and the vocabulary.

Built once per knowledge base, off to the side, then shared read-only. The inverted
index means a question is scored against the few claims that share a term with it,
not against every claim; inverse document frequency means a word found in every
claim ("Iran", "Venezuela") carries almost nothing, while a rare one ("Monroe")
carries the match.

It is laid out for 100,000 claims as much as for fifty (``bench/``, and
``docs/performance.md``): a term's postings are two ``array``s (claim positions and
field codes) instead of a Python list of tuples, bigrams live in the postings of their
first word instead of as millions of dictionary keys, each claim's phrasings are one
string, and the commonest terms also get a byte per claim, so that the matcher scores
the claims having only common words with integer arithmetic in C.
"""

from __future__ import annotations

import itertools
import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from itertools import repeat
from operator import and_, rshift

from bot.knowledge.loader import KnowledgeBase
from bot.matching.analysis import Analyzer
from bot.matching.answer_type import AnswerType, can_answer, names_in
from bot.matching.builder import (
    CODE_BITS,
    FIELD_CODES,
    FIELD_WEIGHTS,
    IndexBuilder,
    IndexedClaim,
    consume,
)
from bot.matching.typos import WordGroups

__all__ = [
    "FIELD_CODES",
    "FIELD_WEIGHTS",
    "ClaimIndex",
    "IndexParts",
    "IndexedClaim",
    "Postings",
    "Segments",
    "bigrams",
]

_PAIR_SHIFT = 32
DENSE_FROM = 1000
"""A term (or bigram) in at least this many claims gets a dense code vector (one byte
per claim), the most common first..."""
DENSE_BYTES = 64 * 1024 * 1024
"""...as long as the vectors take at most this much (at 100,000 claims: 640 vectors)."""


Postings = tuple["array[int]", "array[int]", int, int, int, bytes | None]
"""The claims containing one term (or bigram): ``(keys, codes, start, stop, base, dense)``.

``keys[start:stop]`` are sorted, one per claim, and ``codes`` parallel to them hold the
field codes. For a word, a key is the claim's position and ``base`` is 0; for a bigram,
a key is ``base | position`` where ``base`` is the second word's id shifted past the
position bits. For the most common terms, ``dense`` holds the field code of every
claim, one byte each (0: absent). (A plain tuple: one is made for every term of every
question.)"""


@dataclass(frozen=True, slots=True)
class Segments:
    """Postings of every term, term after term: those of term ``i`` are
    ``keys[offsets[i]:offsets[i + 1]]``, with their field codes ``codes[...]`` (three
    arrays in all, not two per term: a few objects for the collector to walk, and
    one read from disk)."""

    keys: array[int]
    codes: array[int]
    offsets: array[int]

    def bounds(self, term_id: int) -> tuple[int, int]:
        return self.offsets[term_id], self.offsets[term_id + 1]


@dataclass(frozen=True, slots=True)
class IndexParts:
    """What a :class:`ClaimIndex` is made of besides its knowledge base and analyzer:
    everything the build computes, and all that :mod:`bot.matching.index_store` writes to
    disk and reads back (the rest is derived from it in milliseconds)."""

    count: int
    claim_bits: int
    term_ids: dict[str, int]
    words: Segments
    pairs: Segments
    dense_words: dict[int, bytes]
    dense_pairs: dict[int, bytes]
    shortest: array[int]
    longest: array[int]
    phrasings: list[str]
    """Per claim, :attr:`IndexedClaim.phrasings`."""
    vocabulary: tuple[str, ...]


class ClaimIndex:
    """Claims analysed once, with postings and document frequencies.

    Built from ``knowledge`` by ``analyzer``, or put together from ``parts`` built
    earlier for the same knowledge base and analyzer (:mod:`bot.matching.index_store`
    reads them from disk, keyed by both): the two give the same index.
    """

    def __init__(
        self, knowledge: KnowledgeBase, analyzer: Analyzer, parts: IndexParts | None = None
    ) -> None:
        self.analyzer = analyzer
        count = len(knowledge.claims)
        self.count = count
        if parts is None:
            parts, claims = _build(knowledge, analyzer)
        else:
            if parts.count != count or len(parts.phrasings) != count:
                raise ValueError(f"parts of {parts.count} claims for {count} claims")
            claims = [
                IndexedClaim(claim, phrasings)
                for claim, phrasings in zip(knowledge.claims, parts.phrasings, strict=True)
            ]
        self.claims: list[IndexedClaim] = claims
        self._claim_bits = parts.claim_bits
        self.claim_mask = (1 << self._claim_bits) - 1
        self.term_ids = parts.term_ids
        """Every term (stem or synonym group) of the knowledge base -> its id (from 1)."""
        self.shortest = parts.shortest
        """Per claim, the length of its shortest phrasing, and of its longest: a fuzzy
        comparison can only reach so high across a difference in length."""
        self.longest = parts.longest
        self._words = parts.words
        """Postings of each term, by id: claim positions, and field codes."""
        self._pairs = parts.pairs
        """Postings of the bigrams starting with each term, by that term's id: keys
        (second word << claim bits | claim position) sorted, and field codes."""
        self._dense_words = parts.dense_words
        self._dense_pairs = parts.dense_pairs
        self.unknown_idf = _idf(count, 0)
        """What a term found in no claim weighs: the most of any term."""
        self.vocabulary = parts.vocabulary
        """Every word the knowledge base uses, folded, most used first, for typo correction."""
        self.known_words = frozenset(self.vocabulary)
        self.word_ranks = {word: rank for rank, word in enumerate(self.vocabulary)}
        """Each known word's place in :attr:`vocabulary` (0: the most used)."""
        self.initials = "".join(sorted({word[0] for word in self.vocabulary}))
        """The first letters of known words."""
        self.spanish_forms: dict[str, str] = {}
        """Spanish stem -> the knowledge base's most used word with that stem, so that
        "importaba" finds "importó" (and "import"), and "aislados" finds "aislada"."""
        for word in self.vocabulary:
            self.spanish_forms.setdefault(analyzer.spanish_stem(word), word)
        self.words_by_shape = WordGroups(self.vocabulary, initial=True)
        """Vocabulary words by (length, first letter), most used first."""
        self.words_by_length = WordGroups(self.vocabulary, initial=False)
        """Vocabulary words by length, most used first."""
        self._answer_types = bytearray(count)
        self._names: dict[int, list[frozenset[str]]] = {}
        """Per claim asked for names, the terms of each name in its quotes (computed once)."""

    def parts(self) -> IndexParts:
        """What this index is made of (shared, not copied: never change them)."""
        return IndexParts(
            count=self.count,
            claim_bits=self._claim_bits,
            term_ids=self.term_ids,
            words=self._words,
            pairs=self._pairs,
            dense_words=self._dense_words,
            dense_pairs=self._dense_pairs,
            shortest=self.shortest,
            longest=self.longest,
            phrasings=[claim.phrasings for claim in self.claims],
            vocabulary=self.vocabulary,
        )

    def postings(self, term: str) -> Postings | None:
        """The claims containing ``term`` (a term, or two terms joined by a space)."""
        if " " not in term:
            term_id = self.term_ids.get(term)
            if term_id is None:
                return None
            words = self._words
            start, stop = words.bounds(term_id)
            if stop == start:
                return None
            dense = self._dense_words.get(term_id)
            return (words.keys, words.codes, start, stop, 0, dense)
        first_term, second_term = term.split(" ")
        first = self.term_ids.get(first_term)
        second = self.term_ids.get(second_term)
        if first is None or second is None:
            return None
        pairs = self._pairs
        low, high = pairs.bounds(first)
        base = second << self._claim_bits
        start = bisect_left(pairs.keys, base, low, high)
        stop = bisect_left(pairs.keys, (second + 1) << self._claim_bits, start, high)
        if stop == start:
            return None
        dense = self._dense_pairs.get(first << _PAIR_SHIFT | second)
        return (pairs.keys, pairs.codes, start, stop, base, dense)

    def idf(self, term: str) -> float | None:
        """The inverse document frequency of a term or bigram; None if no claim has it."""
        found = self.postings(term)
        return self.idf_of(found) if found is not None else None

    def idf_of(self, postings: Postings) -> float:
        return _idf(self.count, postings[3] - postings[2])

    @property
    def dense_terms(self) -> int:
        return len(self._dense_words) + len(self._dense_pairs)

    def can_answer(
        self, position: int, wanted: AnswerType, question_terms: Collection[str] = ()
    ) -> bool:
        """:func:`can_answer` for the claim at ``position``, computed once per claim; for
        names, whether it names something none of ``question_terms`` already names."""
        if wanted is AnswerType.ANY:
            return True
        if wanted is AnswerType.ADVICE:
            return False
        if wanted is AnswerType.NAME:
            return any(name.isdisjoint(question_terms) for name in self._names_of(position))
        known = self._answer_types[position]
        if not known:
            claim = self.claims[position].claim
            known = 1
            for bit, kind in enumerate(_TYPE_BITS, start=1):
                known |= can_answer(claim, kind) << bit
            self._answer_types[position] = known
        return bool(known & (2 << _TYPE_BITS.index(wanted)))

    def _names_of(self, position: int) -> list[frozenset[str]]:
        names = self._names.get(position)
        if names is None:
            claim = self.claims[position].claim
            terms = (frozenset(self.analyzer.terms(name)) for name in names_in(claim))
            names = self._names[position] = [name for name in terms if name]
        return names


_TYPE_BITS = (AnswerType.QUANTITY, AnswerType.DATE, AnswerType.EXACT_QUANTITY, AnswerType.YEAR)
"""The answer types whose check is cached per claim, one bit each (bit 0: computed)."""


def _build(knowledge: KnowledgeBase, analyzer: Analyzer) -> tuple[IndexParts, list[IndexedClaim]]:
    """Every claim analysed: the index's parts, and the claims with their phrasings."""
    count = len(knowledge.claims)
    built = IndexBuilder.build(knowledge, analyzer)
    words, pairs = _unpack(built)
    dense_words, dense_pairs = _densify(count, built.claim_bits, words, pairs)
    surface: Counter[str] = Counter()
    for word, times in built.raw_words.items():
        surface[word.casefold()] += times
    vocabulary = tuple(
        word for word, _ in sorted(surface.items(), key=lambda item: (-item[1], item[0]))
    )
    parts = IndexParts(
        count=count,
        claim_bits=built.claim_bits,
        term_ids=built.term_ids,
        words=words,
        pairs=pairs,
        dense_words=dense_words,
        dense_pairs=dense_pairs,
        shortest=built.shortest,
        longest=built.longest,
        phrasings=[claim.phrasings for claim in built.claims],
        vocabulary=vocabulary,
    )
    return parts, built.claims


def _unpack(built: IndexBuilder) -> tuple[Segments, Segments]:
    """Split the packed entries into keys and field codes, bigrams sorted."""
    mask = (1 << CODE_BITS) - 1
    words = Segments(array("i"), array("b"), array("q", [0]))
    for packed in built.words:
        words.keys.extend(map(rshift, packed, repeat(CODE_BITS)))
        words.codes.extend(map(and_, packed, repeat(mask)))
        words.offsets.append(len(words.keys))
    built.words.clear()  # the packed postings are not needed any more
    pairs = Segments(array("q"), array("b"), array("q", [0]))
    for packed in built.pairs:
        ordered = sorted(packed) if len(packed) > 1 else packed
        pairs.keys.extend(map(rshift, ordered, repeat(CODE_BITS)))
        pairs.codes.extend(map(and_, ordered, repeat(mask)))
        pairs.offsets.append(len(pairs.keys))
    built.pairs.clear()
    return words, pairs


def _densify(
    count: int, claim_bits: int, words: Segments, pairs: Segments
) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """Dense code vectors for the most common terms and bigrams: the matcher then scores
    the claims that have only common words without a lookup per claim."""
    dense_words: dict[int, bytes] = {}
    dense_pairs: dict[int, bytes] = {}
    if count < DENSE_FROM:
        return dense_words, dense_pairs
    claim_mask = (1 << claim_bits) - 1
    candidates: list[tuple[int, int, int]] = []  # (document frequency, kind, key)
    for term_id, (start, stop) in enumerate(itertools.pairwise(words.offsets)):
        if stop - start >= DENSE_FROM:
            candidates.append((stop - start, 0, term_id))
    for first, (start, stop) in enumerate(itertools.pairwise(pairs.offsets)):
        if stop - start >= DENSE_FROM:
            seconds = Counter(map(rshift, pairs.keys[start:stop], repeat(claim_bits)))
            candidates += [
                (frequency, 1, first << _PAIR_SHIFT | second)
                for second, frequency in seconds.items()
                if frequency >= DENSE_FROM
            ]
    for _, kind, key in sorted(candidates, reverse=True)[: DENSE_BYTES // count]:
        vector = bytearray(count)
        if kind == 0:
            start, stop = words.bounds(key)
            consume(map(vector.__setitem__, words.keys[start:stop], words.codes[start:stop]))
            dense_words[key] = bytes(vector)
            continue
        first, second = key >> _PAIR_SHIFT, key & (1 << _PAIR_SHIFT) - 1
        low, high = pairs.bounds(first)
        start = bisect_left(pairs.keys, second << claim_bits, low, high)
        stop = bisect_left(pairs.keys, (second + 1) << claim_bits, start, high)
        positions = map(and_, pairs.keys[start:stop], repeat(claim_mask))
        consume(map(vector.__setitem__, positions, pairs.codes[start:stop]))
        dense_pairs[key] = bytes(vector)
    return dense_words, dense_pairs


def bigrams(terms: list[str]) -> list[str]:
    """Adjacent term pairs: a question that keeps a claim's wording together ("oil trade")
    should beat one that merely shares its words."""
    return [f"{first} {second}" for first, second in itertools.pairwise(terms)]


def _idf(count: int, document_frequency: int) -> float:
    """BM25's inverse document frequency: always positive, highest for rare terms."""
    return math.log(1.0 + (count - document_frequency + 0.5) / (document_frequency + 0.5))
