"""Typos: a word the knowledge base does not know, repaired to one it does.

Only a word that is no word at all is a typo: one found in the word list of its script's
languages (English or Spanish for the Latin script, Persian for the Arabic script:
:class:`bot.matching.wordlists.WordLists`) is never repaired, and stays unknown ("lead",
"recipe", "joke" are not typos of "leader", "recibe", "joe"). Latin words are checked
against both English and Spanish, whichever the question looks like: members mix the
two, and a short question says too little to tell. An English word that is not also a
Spanish one is not taken to a knowledge-base word by its Spanish stem either ("queen"
is not "que", "firm" not "firmaron"); a Spanish word still is ("importaba" finds
"importó"). Words of other scripts have no list and are never guessed at.

The rule for a typo (see :meth:`bot.matching.Matcher.query_terms`): the closest known word, at
most one edit away (two for words of nine letters or more), counting a swap of
neighbouring letters as one edit (optimal string alignment), the most used among
equals, and only if it starts with the same letter. Scanning the whole vocabulary
for it costs milliseconds at 100,000 claims; this looks only where it can be: among
words of about the same length and the same first letter, then, to be sure no word
starting otherwise is closer, among the few strings an edit of the first letter makes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching import persian
from bot.matching.stopwords import STOPWORDS
from bot.matching.wordlists import WordLists

if TYPE_CHECKING:
    from bot.matching.index import ClaimIndex

Group = tuple[list[str], list[int]]
"""Words, most used first, and their ranks in the vocabulary."""


class WordGroups:
    """Words grouped by length (and first letter), each group in vocabulary order."""

    def __init__(self, vocabulary: Sequence[str], *, initial: bool) -> None:
        groups: dict[tuple[int, str], Group] = {}
        for rank, word in enumerate(vocabulary):
            key = (len(word), word[0] if initial else "")
            words, ranks = groups.setdefault(key, ([], []))
            words.append(word)
            ranks.append(rank)
        self._groups = groups
        self._initial = initial

    def get(self, length: int, word: str) -> Group | None:
        """The words of ``length`` letters (starting like ``word``) and their ranks."""
        return self._groups.get((length, word[0] if self._initial else ""))


class Repair(NamedTuple):
    """The known word a question's word stands for, and whether it was found by the typo
    search (a guess) rather than known or translated."""

    word: str
    guessed: bool


_LATIN_END = "\u0250"
"""Tokens starting below this (ASCII, Latin-1, Latin Extended-A and -B) are Latin."""


def settled(index: ClaimIndex, word: str, words: WordLists | None = None) -> str | None:
    """What ``word`` stands for without a typo search: itself if the knowledge base knows
    it (or it is too short, a stopword, a number or an acronym to repair), its Spanish
    form if its Spanish stem has one (unless it is an English word and no Spanish one),
    itself if it is a word of its script's languages; None if only the search can tell.

    ``words`` defaults to :meth:`WordLists.shared` without a cache directory.
    """
    folded = word.casefold()
    if (
        len(folded) < 4
        or folded in STOPWORDS
        or folded in index.known_words
        or folded.isdigit()
        or word.isupper()
        or index.analyzer.stem(folded) in index.term_ids
    ):
        return word
    lists = words or WordLists.shared()
    if persian.is_persian(folded):
        return word if lists.contains("fa", folded) else None
    if folded[0] >= _LATIN_END:
        return word  # a script we have no list for: no guessing
    english = lists.contains("en", folded)
    spanish_word = lists.contains("es", folded)
    if english and not spanish_word:
        return word
    spanish: str | None = index.spanish_forms.get(index.analyzer.spanish_stem(folded))
    if spanish is not None:
        return spanish
    return word if spanish_word else None


def repair(index: ClaimIndex, word: str, words: WordLists | None = None) -> Repair:
    """``word`` itself if the knowledge base knows it or it is a real word (see
    :func:`settled`), else the known word it is a typo of.

    ``words``: the word lists that tell a word from a typo; pass the matcher's (made once,
    with the cache directory: :meth:`WordLists.shared`), else the shared in-memory ones.
    """
    known = settled(index, word, words)
    if known is not None:
        return Repair(known, guessed=False)
    folded = word.casefold()
    same_initial = closest(folded, index.words_by_shape.get, 2 if len(folded) >= 9 else 1)
    if same_initial is None:
        return Repair(word, guessed=False)
    distance, rank, found = same_initial
    if _rival(index, folded, distance, rank):
        return Repair(word, guessed=False)
    return Repair(found, guessed=True)


def _rival(index: ClaimIndex, folded: str, distance: int, rank: int) -> bool:
    """Whether a known word starting with another letter is closer to ``folded`` than
    ``distance`` edits, or as close and more used than ``rank``."""
    ranks = index.word_ranks
    # One edit that changes the first letter is an edit of the first letter.
    for near in first_letter_edits(folded, index.initials):
        if ranks.get(near, rank) < rank or (distance > 1 and near in ranks):
            return True
    if distance == 1:
        return False
    # Two edits: only the words more used than ``rank`` can tie, and they come first
    # in each group.
    for length in range(len(folded) - distance, len(folded) + distance + 1):
        group = index.words_by_length.get(length, folded)
        if group is None:
            continue
        words, group_ranks = group
        more_used = words[: bisect_left(group_ranks, rank)]
        if process.extractOne(folded, more_used, scorer=OSA.distance, score_cutoff=distance):
            return True
    return False


def first_letter_edits(word: str, initials: str) -> Iterator[str]:
    """Every string one edit away from ``word`` (optimal string alignment) that does not
    start with its first letter."""
    rest = word[1:]
    yield rest
    if len(word) > 1:
        yield word[1] + word[0] + word[2:]
    for initial in initials:
        if initial != word[0]:
            yield initial + rest
        yield initial + word


def closest(
    word: str,
    group: Callable[[int, str], Group | None],
    max_edits: int,
) -> tuple[int, int, str] | None:
    """(distance, rank, word) of the closest vocabulary word in the groups of lengths
    within ``max_edits`` of ``word``'s, the most used among equals; None if none is."""
    best: tuple[int, int, str] | None = None
    for length in range(len(word) - max_edits, len(word) + max_edits + 1):
        found = group(length, word)
        if found is None:
            continue
        words, ranks = found
        closest = process.extractOne(word, words, scorer=OSA.distance, score_cutoff=max_edits)
        if closest is not None:
            candidate = (int(closest[1]), ranks[closest[2]], str(closest[0]))
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    return best
