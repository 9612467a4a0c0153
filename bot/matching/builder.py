"""Building the claim index: every claim analysed once, at a few microseconds a word.

A field's texts (a claim's curated questions, say) are joined around a separator word
no text uses and analysed in one pass; the separator becomes term 0, which phrases and
bigrams never span and which is dropped afterwards. Words whose term never depends on
their neighbours go straight to their term id through one dictionary; only a new word,
an acronym or the start of a synonym phrase goes through the analyzer's phrase logic.
Postings are appended as packed integers by ``array.append`` mapped in C; the index
unpacks them once at the end (:class:`bot.matching.index.ClaimIndex`).
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add, floordiv, lshift, mod, mul, or_

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching.analysis import Analyzer, tokenize

FIELD_WEIGHTS = {"questions": 1.0, "statement": 1.0, "topics": 0.8, "quotes": 0.7}
"""How much a term counts by where it appears in a claim. Curated phrasings and the
statement say what the claim is about; a word found only in the quoted passage may be
incidental to it."""

FIELD_CODES: tuple[float, ...] = (0.0, *sorted(set(FIELD_WEIGHTS.values()), reverse=True))
"""A posting stores its field weight as a small code: ``FIELD_CODES[code]`` (0: absent)."""
CODE_OF = {name: FIELD_CODES.index(weight) for name, weight in FIELD_WEIGHTS.items()}
CODE_BITS = 2
FIELDS_BY_WEIGHT = sorted(FIELD_WEIGHTS, key=FIELD_WEIGHTS.__getitem__)
"""Fields from the lightest: a term keeps the weight of the heaviest field it appears in."""
PAIR_KEY = 1 << 32
"""A bigram's key while building: ``first id * PAIR_KEY + second id``."""
_PHRASING_FIELDS = frozenset({"questions", "statement"})
_NOT_PLAIN = -2
_NEW = -3
SEPARATOR = "qqzxfieldseparatorxzqq"
_JOINER = f" {SEPARATOR} "
_SECOND_WORD = PAIR_KEY - 1
_LONGEST = 65_535
"""Phrasing lengths are kept in 16 bits; a longer one counts as this long (which only
makes the length bound looser)."""
_IS_TERM = (-1).__ne__
"""Not a stopword, once acronyms and phrase starts are ruled out."""

assert len(FIELD_CODES) <= 1 << CODE_BITS


@dataclass(frozen=True, slots=True)
class IndexedClaim:
    """A claim with its analysed phrasings, ready to score."""

    claim: Claim
    phrasings: str
    """Each curated question and the statement as its terms in alphabetical order, for
    fuzzy comparison, one per line (terms never contain whitespace). Sorted once here,
    ``fuzz.ratio`` against them is exactly ``fuzz.token_sort_ratio`` against the terms in
    their own order, without sorting every phrasing again for every question."""


class _SeparatorInText(Exception):
    """A claim uses the separator word: build again without joining texts."""


class IndexBuilder:
    """The postings, terms and phrasings of a knowledge base's claims, packed."""

    def __init__(
        self, analyzer: Analyzer, synonyms: Sequence[Sequence[str]], count: int, *, joining: bool
    ) -> None:
        self.analyzer = analyzer
        self.claim_bits = max(1, count.bit_length())
        self.pair_shift = self.claim_bits + CODE_BITS
        self.claims: list[IndexedClaim] = []
        self.term_ids: dict[str, int] = {}
        """Every term (stem or synonym group) -> its id (from 1)."""
        self.terms: list[str] = ["\n"]
        """Every term, by id; 0 is the separator, which joins phrasings with a newline."""
        self.words: list[array[int]] = [array("q")]
        """Per term id, its postings: ``position << CODE_BITS | code``."""
        self.pairs: list[array[int]] = [array("q")]
        """Per term id, the postings of the bigrams it starts: ``second << pair_shift |
        position << CODE_BITS | code``, unsorted."""
        self.shortest = array("H")
        """Per claim, the length of its shortest phrasing, and of its longest."""
        self.longest = array("H")
        self.plain: dict[str, int] = {}
        """Words whose term never depends on their neighbours -> the term's id (-1 for a
        stopword, :data:`_NOT_PLAIN` for an acronym or the start of a phrase)."""
        self.raw_words: Counter[str] = Counter()
        """How often each word, as written, is used (synonyms included)."""
        for group in synonyms:
            for term in group:
                self.raw_words.update(tokenize(term))
        self.words_seen: list[str] = []
        """The current claim's words, counted once it is done."""
        self.separators = 0
        separator_term, plain = analyzer.plain_term(SEPARATOR)
        self.joining = (
            joining
            and plain
            and separator_term is not None
            and not analyzer.in_phrase(separator_term)
        )
        if self.joining:
            self.plain[SEPARATOR] = 0

    @classmethod
    def build(cls, knowledge: KnowledgeBase, analyzer: Analyzer) -> IndexBuilder:
        """Every claim of ``knowledge``, added in order."""
        count = len(knowledge.claims)
        try:
            builder = cls(analyzer, knowledge.synonyms, count, joining=True)
            for position, claim in enumerate(knowledge.claims):
                builder.add(position, claim)
        except _SeparatorInText:  # never in practice; start again, text by text
            builder = cls(analyzer, knowledge.synonyms, count, joining=False)
            for position, claim in enumerate(knowledge.claims):
                builder.add(position, claim)
        builder.finish()
        return builder

    def add(self, position: int, claim: Claim) -> None:
        """Analyse one claim and append its postings, phrasing lengths and phrasings."""
        texts = {
            "questions": claim.questions,
            "statement": (claim.statement,),
            "topics": (" ".join(claim.topics).replace("-", " "),),
            "quotes": tuple(citation.quote for citation in claim.citations),
        }
        terms = self.terms
        words_codes: dict[int, int] = {}
        pairs_codes: dict[int, int] = {}
        phrasings: list[str] = []
        joined = False
        # Fields from the lightest, so that a term keeps the weight of the heaviest field
        # it appears in (the last write wins).
        for name in FIELDS_BY_WEIGHT:
            code = CODE_OF[name]
            for ids in self._field_ids(texts[name]):
                if name in _PHRASING_FIELDS:
                    line = " ".join(map(terms.__getitem__, ids))
                    phrasings += [" ".join(sorted(text.split())) for text in line.split("\n")]
                words_codes.update(dict.fromkeys(ids, code))
                if len(ids) > 1:
                    pairs: Iterable[int] = map(add, map(mul, ids, repeat(PAIR_KEY)), ids[1:])
                    if 0 in ids:  # leave out the pairs with the separator (term 0)
                        joined = True
                        pairs = filter(_SECOND_WORD.__and__, filter(PAIR_KEY.__le__, pairs))
                    pairs_codes.update(dict.fromkeys(pairs, code))
        if joined:
            words_codes.pop(0, None)
        self.raw_words.update(self.words_seen)
        self.words_seen.clear()
        self._append(position, words_codes, pairs_codes)
        lengths = list(map(len, phrasings))
        self.shortest.append(min(*lengths, _LONGEST))
        self.longest.append(min(max(lengths), _LONGEST))
        self.claims.append(IndexedClaim(claim, "\n".join(phrasings)))

    def _field_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The term ids of ``texts``: of all of them at once, with 0 between texts, when
        they can be joined, else of each text."""
        if len(texts) > 1 and self.joining:
            joined = _JOINER.join(texts)
            if joined.count(SEPARATOR) != len(texts) - 1:
                raise _SeparatorInText
            self.separators += len(texts) - 1
            return [self._ids(tokenize(joined))]
        if self.joining and any(SEPARATOR in text for text in texts):
            raise _SeparatorInText
        return [self._ids(tokenize(text)) for text in texts]

    def _ids(self, words: list[str]) -> list[int]:
        self.words_seen += words
        found = list(map(self.plain.get, words, repeat(_NEW)))
        if _NEW not in found and _NOT_PLAIN not in found:
            return list(filter(_IS_TERM, found))
        # A new word, an acronym or the start of a phrase: ask the analyzer about those
        # words only, and take the runs of known words between them as they are.
        specials = _positions(found, _NEW) + _positions(found, _NOT_PLAIN)
        specials.sort()
        ids: list[int] = []
        index = 0
        for special in specials:
            if special < index:
                continue  # inside a phrase already taken
            ids += filter(_IS_TERM, found[index:special])
            term, taken = self.analyzer.step(words, special)
            if term is not None:
                ids.append(self._term_id(term))
            if found[special] == _NEW:
                self._remember(words[special])
            index = special + taken
        ids += filter(_IS_TERM, found[index:])
        return ids

    def _remember(self, word: str) -> None:
        """Note whether ``word``'s term stands on its own, and which it is."""
        term, plain = self.analyzer.plain_term(word)
        if not plain:
            self.plain[word] = _NOT_PLAIN
        elif term is None:
            self.plain[word] = -1
        else:
            self.plain[word] = self._term_id(term)

    def _term_id(self, term: str) -> int:
        term_id = self.term_ids.get(term)
        if term_id is None:
            term_id = self.term_ids[term] = len(self.terms)
            self.terms.append(term)
            self.words.append(array("q"))
            self.pairs.append(array("q"))
        return term_id

    def _append(
        self, position: int, words_codes: dict[int, int], pairs_codes: dict[int, int]
    ) -> None:
        """Append the claim's entries to the postings (``array.append`` mapped over pairs
        of array and entry: no Python loop)."""
        words, pairs = self.words, self.pairs
        claim_bits = position << CODE_BITS
        consume(
            map(
                array.append,
                map(words.__getitem__, words_codes),
                map(or_, repeat(claim_bits), words_codes.values()),
            )
        )
        seconds = map(mod, pairs_codes, repeat(PAIR_KEY))
        consume(
            map(
                array.append,
                map(pairs.__getitem__, map(floordiv, pairs_codes, repeat(PAIR_KEY))),
                map(
                    or_,
                    map(lshift, seconds, repeat(self.pair_shift)),
                    map(or_, repeat(claim_bits), pairs_codes.values()),
                ),
            )
        )

    def finish(self) -> None:
        """Forget the separator and the words seen only while building."""
        if self.separators:
            self.raw_words[SEPARATOR] -= self.separators
            if self.raw_words[SEPARATOR] <= 0:
                del self.raw_words[SEPARATOR]
        self.plain.clear()


def _positions(values: list[int], wanted: int) -> list[int]:
    """Where ``wanted`` is in ``values`` (found by ``list.index``, in C)."""
    positions: list[int] = []
    try:
        at = values.index(wanted)
        while True:
            positions.append(at)
            at = values.index(wanted, at + 1)
    except ValueError:
        return positions


def consume(iterator: Iterator[object]) -> None:
    """Run ``iterator`` to its end for its effects (``map`` of a method, in C)."""
    deque(iterator, maxlen=0)
