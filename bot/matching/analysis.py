"""Turning text into the terms the matcher compares: fold, tokenise, fold synonyms, stem.

Questions and claims go through the same :class:`Analyzer`, so whatever it does to one
side it does to the other. Accents are folded ("petróleo" = "petroleo"), dotted
acronyms joined ("U.S." = "US"), synonyms from ``knowledge/synonyms.yaml`` replaced by
their group's canonical term (multi-word phrases first; entries written in capitals,
like "UN", match only capitals, so Spanish "un" stays an article), stopwords dropped,
and the rest reduced to English Snowball stems ("imported" = "imports" = "import").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import Stemmer

from bot.matching.stopwords import STOPWORDS

_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_TOKEN = re.compile(r"[^\W_]+")
_MAX_PHRASE = 4


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Words and numbers in order, accents stripped, case kept, "U.S." joined to "US"."""
    text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), strip_accents(text))
    return _TOKEN.findall(text)


def fold(text: str) -> str:
    """The case- and accent-free form of ``text`` that the vocabulary is kept in."""
    return " ".join(tokenize(text)).casefold()


def is_acronym(term: str) -> bool:
    """A synonym entry written in capitals ("UN", "U.N.") is matched case-sensitively."""
    return term == term.upper() and term != term.lower()


class Analyzer:
    """Text to terms, with a knowledge base's synonym groups built in.

    Built once per knowledge base (synonyms are part of it) and immutable afterwards,
    so it is safe to share between concurrent questions.
    """

    def __init__(self, synonym_groups: Iterable[Sequence[str]]) -> None:
        self._stem_word = lru_cache(maxsize=65536)(Stemmer.Stemmer("english").stemWord)
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

    def _stems(self, words: Iterable[str]) -> list[str]:
        return [self._stem_word(word.casefold()) for word in words]

    def stem(self, word: str) -> str:
        """The English stem of one word."""
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
        """Like :meth:`terms` for already tokenised words (the typo corrector's output)."""
        stems = self._stems(words)
        terms: list[str] = []
        index = 0
        while index < len(words):
            acronym = self._acronyms.get(words[index])
            if acronym is not None:
                terms.append(acronym)
                index += 1
                continue
            for size in range(min(_MAX_PHRASE, len(words) - index), 0, -1):
                canonical = self._phrases.get(tuple(stems[index : index + size]))
                if canonical is not None:
                    terms.append(canonical)
                    index += size
                    break
            else:
                if words[index].casefold() not in STOPWORDS:
                    terms.append(stems[index])
                index += 1
        return terms
