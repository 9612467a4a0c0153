"""Ranking one question's candidate claims without scoring every claim.

A claim's score is ``lexical + fuzzy``, and the fuzzy part is at most
``100 * (1 - lexical_share)``, so a claim whose lexical part alone cannot lift it
above the claims already kept need not be compared fuzzily, nor even looked at: terms
are read from the rarest, and the postings of common ones ("Iran", "port") only when
claims having nothing but them could still make the list. The common terms that are
left are scored together from dense vectors, in C. The result is exactly what scoring
every claim would give, except that a question which hundreds of claims fit about
equally well stops after :data:`_MAX_COMPARED` fuzzy comparisons.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterator
from itertools import compress, filterfalse, groupby, repeat
from operator import add, and_

from rapidfuzz import fuzz, process

from bot.knowledge.models import Claim
from bot.matching.answer_type import AnswerType
from bot.matching.index import FIELD_CODES, ClaimIndex, Postings
from bot.matching.thresholds import Thresholds

_READ_ALL_UP_TO = 1024
"""Up to this many postings in all, every claim having a term is read at once."""
_ROUND = 512
"""Postings read in one pass when they are short (every term, for a small knowledge base)."""
_MAX_COMPARED = 400
"""Fuzzy comparisons per question, at most. Only a question that hundreds of claims fit
about equally well (two common words, say) reaches it; the claims compared are then
those that fit it best lexically, the first in the knowledge base among equals, and the
answer is "ambiguous" or "unknown" anyway."""
_SORTED_UP_TO = 512
"""Up to this many claims read at once are sorted by lexical value; more are grouped."""
_DENSE_AT_ONCE = 4
"""Common terms scored together from their dense vectors (two bits each in a byte)."""
_CHUNK = 256
"""Claims of one rank taken from a dense scoring at a time."""
_MAX_GROUPS = 64
"""More distinct lexical values than this in a batch, and it is sorted instead."""
_FILTER_FROM = 16
"""Claims of one lexical value filtered by phrasing length, in C, before comparing."""

_MARGIN = 0.01
"""Slack when ruling a claim out on an upper bound of its score: scores are rounded to
two decimals, and a claim that could tie the last one kept might win on its id."""


class Ranking:
    """One question's ranking: the bounds, and the claims scored so far.

    Terms are read from the heaviest. Reading a term brings in the claims that have it;
    their lexical scores are computed in full (every term, by dictionary or bisection),
    and they are compared fuzzily in decreasing lexical order until even a perfect
    fuzzy score could not reach the claims kept (``threshold``). A term whose claims
    could not reach it without some heavier term is never read.
    """

    def __init__(
        self,
        index: ClaimIndex,
        limits: Thresholds,
        terms: list[str],
        found: dict[str, Postings | None],
        weights: dict[str, float],
        *,
        wanted: AnswerType,
        keep: int,
        floor: float,
    ) -> None:
        self.index, self.limits = index, limits
        self.wanted, self.keep, self.floor = wanted, keep, floor
        self.question_terms = frozenset(terms) if wanted is AnswerType.NAME else frozenset()
        """What a claim's names must differ from (only a question asking for names needs it)."""
        self.threshold = floor
        """The lowest score that can still make the list (rises as claims are scored)."""
        self.total = sum(weights.values())
        self.lexical_scale = 100.0 * self.limits.lexical_share
        self.fuzzy_share = 1.0 - self.limits.lexical_share
        self.fuzzy_most = self.fuzzy_share * 100.0
        self.query = " ".join(sorted(term for term in terms if " " not in term))
        # In question order, repeats kept: a repeated term counts twice, as it always has.
        self.present: list[tuple[str, Postings, list[float]]] = []
        self.ceiling: dict[str, float] = {}
        for term in terms:
            postings = found[term]
            if postings is not None:
                weight = weights[term]
                self.present.append((term, postings, [weight * field for field in FIELD_CODES]))
                self.ceiling[term] = self.ceiling.get(term, 0.0) + weight * FIELD_CODES[1]
        self.found = {term: postings for term, postings in found.items() if postings is not None}
        """The postings of the question's terms that some claim has."""
        self.lookups: dict[str, dict[int, int]] = {}
        self.seen: set[int] = set()
        self.scored: list[tuple[float, int]] = []
        self.kept: list[float] = []  # the best ``keep`` rounded scores so far, lowest first
        self.compared = 0

    def run(self) -> None:
        ceiling, found = self.ceiling, self.found
        size = {term: found[term][3] - found[term][2] for term in ceiling}
        if sum(size.values()) <= _READ_ALL_UP_TO:
            self._score_everything()
            return
        unread = sorted(ceiling, key=lambda term: (-ceiling[term], size[term]))
        while unread:
            # A claim not read yet has none of the terms read so far. The lightest unread
            # terms together may not lift such a claim to the threshold, even with the
            # whole fuzzy part: then a claim having only those need not be seen at all
            # (it is still scored on them if a heavier term brings it in).
            optional = 0.0
            essential = len(unread)
            while essential and self._hopeless(optional + ceiling[unread[essential - 1]]):
                essential -= 1
                optional += ceiling[unread[essential]]
            if not essential:
                return
            # The common terms (with a dense vector) are scored together at the end, a few
            # at a time; read the others first, then common ones in excess, rarest first.
            sparse = [term for term in unread if found[term][5] is None]
            if not sparse and len(unread) <= _DENSE_AT_ONCE:
                self._score_dense(unread)
                return
            if not sparse:
                reading = [min(unread, key=size.__getitem__)]
                unread.remove(reading[0])
            else:
                # The heaviest, and lighter ones with it while their postings are short:
                # one pass over a few claims beats several.
                reading = [sparse.pop(0)]
                budget = size[reading[0]]
                while sparse and budget + size[sparse[0]] <= _ROUND:
                    budget += size[sparse[0]]
                    reading.append(sparse.pop(0))
                unread = [term for term in unread if term not in reading]
            positions = self._new_claims(reading)
            values = self._values(positions)
            for value, members in self._by_value(positions, values):
                if not self._score_all(value, members):
                    break
            if self.compared >= _MAX_COMPARED:
                return

    def best(self) -> list[tuple[Claim, float]]:
        """The claims kept, best first (ties by id), with their rounded scores."""
        claims = self.index.claims
        self.scored.sort(key=lambda item: (-item[0], claims[item[1]].claim.id))
        return [(claims[position].claim, score) for score, position in self.scored[: self.keep]]

    def _hopeless(self, lexical_value: float) -> bool:
        """Whether a claim with this much lexical value cannot reach the threshold."""
        lexical = self.lexical_scale * lexical_value / self.total
        return lexical + self.fuzzy_most + _MARGIN < self.threshold

    def _score_dense(self, terms: list[str]) -> None:
        """Score the claims not seen yet, which have none of the terms read, only some of
        ``terms``: common ones, with dense code vectors, at most four. Such a claim's
        lexical value depends only on its field code for each, two bits: one byte for
        all of them, computed for every claim at once with integer arithmetic in C,
        then mapped to the rank of its value. The claims of each rank are found with
        ``bytes.find``, best rank first, until no rank can reach the threshold."""
        count = self.index.count
        combined = 0
        slot: dict[str, int] = {}
        for at, term in enumerate(terms):
            slot[term] = 2 * at
            dense = self.found[term][5]
            combined |= int.from_bytes(dense or b"", "little") << (2 * at)
        codes = combined.to_bytes(count, "little")
        combos = range(1, 1 << (2 * len(terms)))
        values = [0.0] * (1 << (2 * len(terms)))
        for combo in combos:
            value = 0.0  # added in question order, as in _values
            for term, _, weights in self.present:
                value = value + weights[combo >> slot[term] & 3 if term in slot else 0]
            values[combo] = value
        ranked = sorted({values[combo] for combo in combos if values[combo] > 0.0}, reverse=True)
        rank_of = {value: rank for rank, value in enumerate(ranked, 1)}
        ranks = codes.translate(bytes(rank_of.get(value, 0) for value in values).ljust(256, b"\0"))
        for rank, value in enumerate(ranked, 1):
            if self._hopeless(value):
                return
            for chunk in _found_in(ranks, rank, self.seen):
                if not self._score_all(value, chunk):
                    return

    def _score_everything(self) -> None:
        """Few postings in all (a small knowledge base, or only rare words): add up every
        claim's lexical value in one pass over them, then score as usual."""
        found: dict[int, float] = {}
        mask = self.index.claim_mask
        for _, postings, weights in self.present:  # in question order, as in _values
            positions = _claims_of(postings, mask)
            codes = postings[1][postings[2] : postings[3]]
            for position, code in zip(positions, codes, strict=True):
                found[position] = found.get(position, 0.0) + weights[code]
        positions, values = list(found), list(found.values())
        for value, members in self._by_value(positions, values):
            if not self._score_all(value, members):
                return

    def _new_claims(self, reading: list[str]) -> list[int]:
        """The claims having a term of ``reading`` that were not seen before, in order."""
        claims: list[int] = []
        for term in reading:
            claims += _claims_of(self.found[term], self.index.claim_mask)
        if len(reading) > 1:
            claims = list(dict.fromkeys(claims))
        if self.seen:
            claims = list(filterfalse(self.seen.__contains__, claims))
        self.seen.update(claims)
        return claims

    def _values(self, positions: list[int]) -> list[float]:
        """The lexical value of each claim: every term's weight times its field weight,
        added in question order (so the sums are exactly what they always were)."""
        values = [0.0] * len(positions)
        for term, postings, table in self.present:
            codes = self._codes(term, postings, positions)
            values = list(map(add, values, map(table.__getitem__, codes)))
        return values

    def _codes(self, term: str, postings: Postings, positions: list[int]) -> list[int]:
        """The field code of ``term`` in each claim at ``positions`` (0 where it is absent)."""
        keys, codes, start, stop, base, dense = postings
        if dense is not None:
            return list(map(dense.__getitem__, positions))
        lookup = self.lookups.get(term)
        if lookup is None and stop - start <= 8 * len(positions) + 256:
            claims = _claims_of(postings, self.index.claim_mask)
            lookup = self.lookups[term] = dict(zip(claims, codes[start:stop], strict=True))
        if lookup is not None:
            return list(map(lookup.get, positions, repeat(0)))
        # Long postings, few claims: look each claim up by bisection instead.
        found: list[int] = []
        for position in positions:
            key = base | position
            at = bisect_left(keys, key, start, stop)
            found.append(codes[at] if at < stop and keys[at] == key else 0)
        return found

    def _by_value(
        self, positions: list[int], values: list[float]
    ) -> Iterator[tuple[float, list[int]]]:
        """The claims grouped by lexical value, highest first (in claim order within a
        group). Many claims often share a value: each group is then picked out in C."""
        distinct = sorted(set(values), reverse=True)
        if len(positions) <= _SORTED_UP_TO or len(distinct) > _MAX_GROUPS:
            order = sorted(range(len(positions)), key=values.__getitem__, reverse=True)
            for value, group in groupby(order, key=values.__getitem__):
                yield value, [positions[at] for at in group]
            return
        for value in distinct:
            yield value, list(compress(positions, map(value.__eq__, values)))

    def _score_all(self, value: float, members: list[int]) -> bool:
        """Score the claims of one lexical value; False once no later claim can count."""
        lexical = self.lexical_scale * value / self.total
        if len(members) > _FILTER_FROM and self.fuzzy_share > 0.0:
            members = self._within_reach(members, lexical)
        for position in members:
            if self._hopeless(value):
                return False
            if self.compared >= _MAX_COMPARED:
                return False  # a question that many claims fit equally well: enough
            self._score(position, value, lexical)
        return not self._hopeless(value)

    def _within_reach(self, members: list[int], lexical: float) -> list[int]:
        """The claims whose phrasings are not all too much longer or shorter than the
        question to reach the threshold: ``fuzz.ratio`` is at most 200 times the shorter
        length over both lengths."""
        needed = (self.threshold - _MARGIN - lexical) / self.fuzzy_share - 1.0
        length = len(self.query)
        if needed <= 0.0 or not length:
            return members
        if needed >= 200.0:
            return []
        shortest = length * needed / (200.0 - needed)
        longest = length * (200.0 - needed) / needed
        index = self.index
        reach = map(
            and_,
            map(shortest.__le__, map(index.longest.__getitem__, members)),
            map(longest.__ge__, map(index.shortest.__getitem__, members)),
        )
        return list(compress(members, reach))

    def _score(self, position: int, value: float, lexical: float) -> None:
        index, limits = self.index, self.limits
        similarity = 0.0
        if self.fuzzy_share > 0.0:
            self.compared += 1
            closest = process.extractOne(
                self.query,
                index.claims[position].phrasings.split("\n"),
                scorer=fuzz.ratio,
                score_cutoff=max(0.0, (self.threshold - _MARGIN - lexical) / self.fuzzy_share),
            )
            if closest is None:
                return  # it cannot reach the claims kept
            similarity = closest[1]
        score = 100.0 * limits.lexical_share * value / self.total + self.fuzzy_share * similarity
        if not index.can_answer(position, self.wanted, self.question_terms):
            score = min(score, limits.answer - 1.0)  # related at best, never the answer
        rounded = round(score, 2)
        if rounded < self.floor:
            return
        self.scored.append((rounded, position))
        heapq.heappush(self.kept, rounded)
        if len(self.kept) > self.keep:
            heapq.heappop(self.kept)
        if len(self.kept) == self.keep:
            self.threshold = max(self.threshold, self.kept[0])


def _found_in(ranks: bytes, rank: int, seen: set[int]) -> Iterator[list[int]]:
    """The positions of ``rank`` in ``ranks``, not in ``seen``, a few hundred at a time."""
    chunk: list[int] = []
    at = ranks.find(rank)
    while at != -1:
        if at not in seen:
            chunk.append(at)
            if len(chunk) == _CHUNK:
                yield chunk
                chunk = []
        at = ranks.find(rank, at + 1)
    if chunk:
        yield chunk


def _claims_of(postings: Postings, mask: int) -> list[int]:
    """The claim positions in ``postings``, in order."""
    keys, _, start, stop, base, _ = postings
    if not base:
        return keys[start:stop].tolist()
    return list(map(and_, keys[start:stop], repeat(mask)))
