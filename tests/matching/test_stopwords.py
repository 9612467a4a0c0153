"""Stopwords are stored as the analyzer folds text, so that each one is actually dropped."""

from __future__ import annotations

import pytest

from bot.matching.analysis import Analyzer, fold
from bot.matching.stopwords import ENGLISH, PERSIAN, SPANISH, STOPWORDS


@pytest.mark.parametrize("words", [ENGLISH, SPANISH, PERSIAN], ids=["en", "es", "fa"])
def test_every_stopword_is_stored_folded(words: frozenset[str]) -> None:
    assert [word for word in words if fold(word) != word] == []


def test_persian_stopwords_are_written_as_the_tokenizer_sees_them() -> None:
    assert not any(mark in word for word in PERSIAN for mark in ("\u200c", "ي", "ك", "آ", "\u064b"))
    assert {"ایا", "چه", "چرا", "است", "را", "که", "می", "های", "میکند", "شود"} <= PERSIAN
    assert len(PERSIAN) >= 150


@pytest.mark.parametrize(
    "question",
    [
        "آیا این چیست؟",
        "چرا؟",
        "چطوری می‌شه توضیح بده؟",
        "آيا اين چيست",  # Arabic keyboard
        "سلام، لطفاً بگو",
    ],
)
def test_a_persian_question_of_function_words_has_no_terms(question: str) -> None:
    assert Analyzer([]).terms(question) == []


def test_subject_words_are_not_stopwords() -> None:
    for word in ("ایران", "ونزویلا", "نفت", "بنزین", "تحریم", "امریکا", "iran", "oil"):
        assert word not in STOPWORDS
