"""Persian spelled one way, and its light stemmer: forms of one word meet, others do not."""

from __future__ import annotations

import pytest

from bot.matching.analysis import Analyzer, fold, tokenize
from bot.matching.persian import is_persian, stem


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer([])


@pytest.mark.parametrize(
    ("variants", "folded"),
    [
        (["کشور", "كشور"], "کشور"),  # Arabic kaf
        (["ایران", "ايران", "ایـــران", "ایـران"], "ایران"),  # Arabic yeh; tatweel
        (["مصطفی", "مصطفى"], "مصطفی"),  # alef maksura
        (["آمریکا", "امریکا", "أمریکا"], "امریکا"),  # madda and hamza on alef
        (["مسئله", "مسيله"], "مسیله"),  # yeh with hamza
        (["خانهٔ", "خانه"], "خانه"),  # hamza above heh (ezafe)
        (["ۀ", "ه"], "ه"),
        (["نفتَ", "نفت", "نِفْت"], "نفت"),  # short vowels and sukun
        (["مُحَمَّد", "محمد"], "محمد"),  # shadda
        (["حتماً", "حتما"], "حتما"),  # tanwin
        (["ﺍﯾﺮﺍﻥ"], "ایران"),  # presentation forms (copied from a PDF)
        (["۲۰۲۰", "٢٠٢٠", "2020"], "2020"),  # Persian and Arabic-Indic digits
        (["۱۲٫۵"], "12 5"),
        (["مدرسة", "مدرسه"], "مدرسه"),  # teh marbuta
    ],
)
def test_every_spelling_of_a_word_folds_to_one(variants: list[str], folded: str) -> None:
    assert {fold(variant) for variant in variants} == {folded}


def test_the_zero_width_non_joiner_separates_like_a_space() -> None:
    assert tokenize("فرآورده‌های پالایشی") == ["فراورده", "های", "پالایشی"]
    assert tokenize("می‌فروشد") == tokenize("می فروشد") == ["می", "فروشد"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("میفروشد", "فروشد"),
        ("نمیفروشد", "فروشد"),
        ("کشورها", "کشور"),
        ("کشورهای", "کشور"),
        ("کشورهایی", "کشور"),
        ("تحریمها", "تحریم"),
        ("بزرگترین", "بزرگ"),
        ("ایرانی", "ایران"),
        ("ایرانیها", "ایران"),
        ("امریکایی", "امریکا"),
        ("امریکای", "امریکا"),
        ("نفتی", "نفت"),
        # never shorter than three letters
        ("میز", "میز"),
        ("میان", "میان"),
        ("تنها", "تنها"),
        ("ملی", "ملی"),
        ("بها", "بها"),
        ("کمترین", "کمترین"),
        # nothing to take off
        ("ونزویلا", "ونزویلا"),
        ("نفت", "نفت"),
    ],
)
def test_the_light_stemmer(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    "forms",
    [
        ["می‌فروشد", "میفروشد", "می فروشد"],  # ZWNJ, joined, spaced
        ["نمی‌فروشد", "نمیفروشد", "نمی فروشد"],
        ["تحریم‌ها", "تحریمها", "تحریم ها", "تحریم", "تحريم‌ها"],
        ["کشورهای", "کشور‌های", "کشور های", "كشورهاي"],
        ["فرآورده‌های", "فراورده های", "فرآوردههای"],
        ["بزرگ‌ترین", "بزرگترین", "بزرگ ترین"],
        ["ایرانی‌ها", "ایرانیها", "ایرانی", "ایران"],
        ["آمریکایی", "امریکایی", "آمریکا"],
    ],
)
def test_the_usual_ways_of_writing_a_word_analyse_alike(
    analyzer: Analyzer, forms: list[str]
) -> None:
    assert len({tuple(analyzer.terms(form)) for form in forms}) == 1, [
        analyzer.terms(form) for form in forms
    ]


def test_a_question_and_a_claim_meet_whatever_the_keyboard(analyzer: Analyzer) -> None:
    claim = "ونزوئلا در سال ۲۰۲۰ بنزین و فرآورده‌های پالایشی را از ایران وارد کرد."
    question = "آيا ونزوئلا در سال 2020 فراورده هاي پالايشي از ايران واردات كرد؟"
    assert {"ونزویلا", "2020", "فراورده", "پالایش", "ایران"} <= set(analyzer.terms(question))
    assert set(analyzer.terms(question)) - set(analyzer.terms(claim)) == {"واردات"}


def test_persian_function_words_are_dropped(analyzer: Analyzer) -> None:
    assert analyzer.terms("چرا ایران به ونزوئلا کمک کرد؟") == ["ایران", "ونزویلا", "کمک"]
    assert analyzer.terms("آیا این چیست؟") == []


def test_is_persian() -> None:
    assert is_persian("ایران")
    assert not is_persian("iran")
    assert not is_persian("")
    assert not is_persian("2020")
