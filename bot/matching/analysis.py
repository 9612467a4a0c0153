"""Turning text into the terms the matcher compares: fold, tokenise, fold synonyms, stem.

Questions and claims go through the same :class:`Analyzer`, so whatever it does to one
side it does to the other. Accents are folded ("petróleo" = "petroleo"), dotted
acronyms joined ("U.S." = "US"), Persian spelled one way (Arabic-keyboard letters, short
vowels, tatweel and Persian or Arabic-Indic digits folded: :mod:`bot.matching.persian`),
synonyms from ``knowledge/synonyms.yaml`` replaced by their group's canonical term
(multi-word phrases first; entries written in capitals, like "UN", match only capitals,
so Spanish "un" stays an article), stopwords dropped, and the rest reduced to English
Snowball stems ("imported" = "imports" = "import"), Persian words to light stems
("می‌کند" = "میکند" = "کند").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

import Stemmer

from bot.matching import persian
from bot.matching.stopwords import STOPWORDS

_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_TOKEN = re.compile(r"[^\W_]+")
_MAX_PHRASE = 4
_BREAKS = bytes(code if chr(code).isalnum() else 32 for code in range(256))
"""Latin-1 byte -> itself if it is a letter or digit (what ``[^\\W_]`` matches), else a space."""


class _CombiningMarks(dict[int, int | None]):
    """A ``str.translate`` table that deletes combining marks, filled as characters are met
    (the whole of Unicode would take a tenth of a second to scan at start-up), and spells
    Persian one way (:data:`bot.matching.persian.FOLDING`, there from the start)."""

    def __missing__(self, code: int) -> int | None:
        mark = None if unicodedata.combining(chr(code)) else code
        if len(self) < _MAX_CACHED:
            self[code] = mark
        return mark


_MAX_CACHED = 65_536
_COMBINING = _CombiningMarks(persian.FOLDING)


def _strip_one(character: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", character) if not unicodedata.combining(ch)
    )


_LATIN1_STRIPPED = [_strip_one(chr(code)) for code in range(256)]
"""Each Latin-1 character without its accents ("é" -> "e"): decomposition is per
character, and the reordering NFKD may do only moves the combining marks this removes."""
_LATIN1_FOLD = bytes(
    ord(stripped) if len(stripped) == 1 and ord(stripped) < 256 else code
    for code, stripped in enumerate(_LATIN1_STRIPPED)
)
"""The same as a byte table, for the characters that become one Latin-1 character."""
_LATIN1_SPECIAL = tuple(
    bytes([code])
    for code in range(256)
    if _LATIN1_FOLD[code] == code and _LATIN1_STRIPPED[code] != chr(code)
)
"""The others ("¼" -> "1⁄4", "µ" -> "μ"), which ``_LATIN1_FOLD`` leaves as they are."""


def strip_accents(text: str) -> str:
    """``text`` without combining marks (accents, Arabic short vowels), compatibility
    forms decomposed (NFKD), and Persian spelled one way (:mod:`bot.matching.persian`)."""
    if text.isascii():
        return text  # NFKD leaves ASCII as it is, and ASCII has no combining marks
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return unicodedata.normalize("NFKD", text).translate(_COMBINING)
    return text.translate(_LATIN1_STRIPPED)  # Spanish, at a quarter of the cost


def tokenize(text: str) -> list[str]:
    """Words and numbers in order, accents stripped, case kept, "U.S." joined to "US"."""
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return _tokenize_unicode(strip_accents(text))
    if not text.isascii():
        data = data.translate(_LATIN1_FOLD)
        if any(special in data for special in _LATIN1_SPECIAL):
            return _tokenize_unicode(text.translate(_LATIN1_STRIPPED))
    if data.count(b".") > 1:  # an acronym has two dots at least
        folded = _ACRONYM.sub(_undot, data.decode("latin-1"))
        data = folded.encode("latin-1")
    # What the regular expression finds, at a fifth of its cost: in Latin-1, a word
    # character other than "_" is a letter or a digit, and every space separates words.
    return data.translate(_BREAKS).decode("latin-1").split()


def _tokenize_unicode(text: str) -> list[str]:
    if text.count(".") > 1:
        text = _ACRONYM.sub(_undot, text)
    return _TOKEN.findall(text)


def _undot(match: re.Match[str]) -> str:
    return match.group(0).replace(".", "")


def fold(text: str) -> str:
    """The case- and accent-free form of ``text`` that the vocabulary is kept in."""
    return " ".join(tokenize(text)).casefold()


def is_acronym(term: str) -> bool:
    """A synonym entry written in capitals ("UN", "U.N.") is matched case-sensitively."""
    return term == term.upper() and term != term.lower()


class Analyzer:
    """Text to terms, with a knowledge base's synonym groups built in.

    Built once per knowledge base (synonyms are part of it) and immutable afterwards,
    so it is safe to share between concurrent questions. What it learns about each
    word (stem, synonym, stopword) is remembered, since a knowledge base of 100,000
    claims analyses a million texts with only tens of thousands of distinct words.
    """

    def __init__(self, synonym_groups: Iterable[Sequence[str]]) -> None:
        self._english_stem = Stemmer.Stemmer("english").stemWord
        self._stem_word = lru_cache(maxsize=65536)(self._any_stem)
        self._spanish_stem = lru_cache(maxsize=65536)(Stemmer.Stemmer("spanish").stemWord)
        self._phrases: dict[tuple[str, ...], str] = {}
        self._acronyms: dict[str, str] = {}
        for group in synonym_groups:
            canonical = "_".join(self._stems(tokenize(group[0])))
            for term in group:
                if is_acronym(term):
                    self._acronyms.setdefault("".join(tokenize(term)), canonical)
                    continue
                stems = tuple(self._stems(tokenize(term)))
                if stems and len(stems) <= _MAX_PHRASE:
                    self._phrases.setdefault(stems, canonical)
        self._longest: dict[str, int] = {}
        """First stem of a phrase -> the most words a phrase starting with it has."""
        for stems in self._phrases:
            self._longest[stems[0]] = max(self._longest.get(stems[0], 1), len(stems))
        self._words: dict[str, _Word] = {}

    def _any_stem(self, folded: str) -> str:
        """A folded word's stem: Persian light stem for the Arabic script, else English."""
        if folded[:1] < persian.FIRST:
            stem: str = self._english_stem(folded)
            return stem
        return persian.stem(folded) if persian.is_persian(folded) else folded

    def _stems(self, words: Iterable[str]) -> list[str]:
        return [self._stem_word(word.casefold()) for word in words]

    def stem(self, word: str) -> str:
        """The stem of one word: English, or Persian for a word in the Arabic script."""
        stem: str = self._stem_word(word.casefold())
        return stem

    def spanish_stem(self, word: str) -> str:
        """The Spanish stem of one word ("aislados" and "aislada" both give "aisl")."""
        stem: str = self._spanish_stem(word.casefold())
        return stem

    def terms(self, text: str) -> list[str]:
        """The terms of ``text``, in order, duplicates kept."""
        return self.terms_of_words(tokenize(text))

    def terms_of_words(self, words: Sequence[str]) -> list[str]:
        """Like :meth:`terms` for already tokenised words (the typo corrector's output).

        An acronym entry wins; then the longest synonym phrase starting at the word (at
        most :data:`_MAX_PHRASE` words, compared by stem); then the word's own synonym
        or stem, unless it is a stopword.
        """
        entries = list(map(self._words.get, words))
        if None in entries:
            entries = [
                entry or self._word(word) for entry, word in zip(entries, words, strict=True)
            ]
        if all(map(_PLAIN, entries)):
            return [term for term in map(_TERM, entries) if term is not None]
        # Runs of plain words need no more than their own term; only the others (an
        # acronym, the first word of a synonym phrase) look at their neighbours.
        terms: list[str] = []
        index = 0
        for special in [at for at, plain in enumerate(map(_PLAIN, entries)) if not plain]:
            if special < index:
                continue  # inside a phrase already taken
            terms += [term for term in map(_TERM, entries[index:special]) if term is not None]
            term, taken = self.step(words, special)
            if term is not None:
                terms.append(term)
            index = special + taken
        terms += [term for term in map(_TERM, entries[index:]) if term is not None]
        return terms

    def step(self, words: Sequence[str], index: int) -> tuple[str | None, int]:
        """The term that starts at ``words[index]`` (None for a stopword) and how many
        words it takes: one, or all the words of the longest synonym phrase there."""
        entry = self._words.get(words[index]) or self._word(words[index])
        if entry.plain:
            return entry.term, 1
        if entry.acronym is not None:
            return entry.acronym, 1
        for size in range(min(entry.longest, len(words) - index), 1, -1):
            phrase = tuple(
                (self._words.get(word) or self._word(word)).stem
                for word in words[index : index + size]
            )
            canonical = self._phrases.get(phrase)
            if canonical is not None:
                return canonical, size
        return entry.term, 1

    def in_phrase(self, stem: str) -> bool:
        """Whether some synonym phrase contains the stem ``stem``."""
        return any(stem in phrase for phrase in self._phrases)

    def plain_term(self, word: str) -> tuple[str | None, bool]:
        """``word``'s term on its own (None for a stopword), and whether that is all there
        is to it: true unless the word is an acronym entry or starts a synonym phrase, in
        which case its term depends on its neighbours."""
        entry = self._words.get(word) or self._word(word)
        return entry.term, entry.plain

    def _word(self, word: str) -> _Word:
        """What :meth:`terms_of_words` needs to know about ``word``, remembered."""
        folded = word.casefold()
        stem = self._any_stem(folded)
        term = self._phrases.get((stem,))
        if term is None and folded not in STOPWORDS:
            term = stem
        acronym = self._acronyms.get(word)
        longest = self._longest.get(stem, 1)
        entry = _Word(stem, term, acronym, longest, acronym is None and longest == 1)
        if len(self._words) < _MAX_WORDS:
            self._words[word] = entry
        return entry


class _Word(NamedTuple):
    stem: str
    term: str | None
    """The word's term on its own: its synonym group's canonical term, else its stem,
    or None for a stopword."""
    acronym: str | None
    """The canonical term if the word, as written, is a capitalised synonym entry."""
    longest: int
    """The most words of a synonym phrase starting with this word's stem (1 if none)."""
    plain: bool
    """Neither an acronym nor the start of a longer phrase: ``term`` is all there is."""


_PLAIN = attrgetter("plain")
_TERM = attrgetter("term")

_MAX_WORDS = 500_000
"""Words remembered per analyzer: enough for a knowledge base of 100,000 claims and its
questions, while a flood of random strings cannot grow the table without bound."""
