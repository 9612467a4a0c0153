"""Turning text into the terms the matcher compares: fold, tokenise, fold synonyms, stem.

Questions and claims go through the same :class:`Analyzer`, so whatever it does to one
side it does to the other. Accents are folded ("petróleo" = "petroleo"), dotted
acronyms joined ("U.S." = "us"), synonyms from ``knowledge/synonyms.yaml`` replaced by
their group's canonical term (multi-word phrases first), stopwords dropped, and the
rest reduced to English Snowball stems ("imported" = "imports" = "import").
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


def fold(text: str) -> str:
    """Lowercase, strip accents and join dotted acronyms: the surface form we compare."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)


def tokenize(text: str) -> list[str]:
    """Folded words and numbers, in order; punctuation and symbols are separators."""
    return _TOKEN.findall(fold(text))


class Analyzer:
    """Text to terms, with a knowledge base's synonym groups built in.

    Built once per knowledge base (synonyms are part of it) and immutable afterwards,
    so it is safe to share between concurrent questions.
    """

    def __init__(self, synonym_groups: Iterable[Sequence[str]]) -> None:
        stemmer = Stemmer.Stemmer("english")
        self._stem_word = lru_cache(maxsize=65536)(stemmer.stemWord)
        self._phrases: dict[tuple[str, ...], str] = {}
        for group in synonym_groups:
            canonical = "_".join(self._stems(tokenize(group[0])))
            for term in group:
                stems = tuple(self._stems(tokenize(term)))
                if stems and len(stems) <= _MAX_PHRASE:
                    self._phrases.setdefault(stems, canonical)

    def _stems(self, words: Iterable[str]) -> list[str]:
        return [self._stem_word(word) for word in words]

    def stem(self, word: str) -> str:
        """The stem of one folded word (cached: the vocabulary is small and repetitive)."""
        stem: str = self._stem_word(word)
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
            for size in range(min(_MAX_PHRASE, len(words) - index), 0, -1):
                canonical = self._phrases.get(tuple(stems[index : index + size]))
                if canonical is not None:
                    terms.append(canonical)
                    index += size
                    break
            else:
                if words[index] not in STOPWORDS:
                    terms.append(stems[index])
                index += 1
        return terms

    def is_known_phrase_start(self, word: str) -> bool:
        """Whether ``word`` begins a synonym entry (so the typo corrector leaves it alone)."""
        stem = self.stem(word)
        return any(phrase[0] == stem for phrase in self._phrases)
