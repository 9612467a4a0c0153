"""Language detection: English, Spanish and Persian as members write them, "other" for
everything the bot does not speak, English when the text says nothing."""

from __future__ import annotations

import timeit
from functools import partial
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.models import Language
from bot.matching.language import DetectedLanguage, detect_language


def test_the_detected_languages_are_the_bot_s_languages_and_other() -> None:
    assert set(get_args(DetectedLanguage)) == {*get_args(Language), "other"}


@pytest.mark.parametrize(
    "text",
    [
        "What did Venezuela import from Iran in 2020?",
        "how do sanctoned nations keep economic activity going",  # with a typo
        "Why did an oil country like Venezuela have to get petrol from Iran?",
        "did us oficials warn iran and venzuela",
        "WHAT IS THE DEAL WITH IRAN AND VENEZUELA",
        "What is 'la alianza' between Iran and Venezuela?",  # a Spanish phrase inside
        "What did Iran — the “Islamic Republic” — send?",  # typographic punctuation
        "what’s the deal with iran’s tankers",  # a phone's apostrophe
        "iran 🇮🇷 oil 🛢️ venezuela?",
        "is the partnership with Caracas still going in 2024",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "iran oil",
        "Iran Venezuela",
        "venezuela gasoline 2020",
        "Monroe doctrine",
        "OPEC",
        "",
        "   \n\t",
        "2020?",
        "🛢️🇮🇷🇻🇪",
        "???",
    ],
)
def test_text_that_says_nothing_is_english(text: str) -> None:
    """Names, keywords, numbers and emoji give no evidence: English, the default."""
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "¿Qué importó Venezuela de Irán en 2020?",
        "¿Cómo ayudó Irán a Venezuela con la escasez de gasolina?",
        "que importo venezuela de iran",  # no accents, no ¿
        "cuales son los acuerdos entre iran y venezuela",
        "que oil deals tiene iran con venezuela",  # Spanglish
        "¡Irán mandó gasolina!",
        "Venezuela e Irán",  # the accent of Irán decides
        "la alianza de Irán con Venezuela 🇻🇪",
        "¿Venezuela compra productos petroleros iraníes?",
        "EL PETRÓLEO DE VENEZUELA",
    ],
)
def test_spanish(text: str) -> None:
    assert detect_language(text) == "es"


@pytest.mark.parametrize(
    "text",
    [
        "ونزوئلا در سال ۲۰۲۰ چه سوخت و فرآورده‌های پالایشی از ایران وارد کرد؟",
        "وقتی ونزوئلا بنزین نداشت، ایران براشون بنزین فرستاد؟",
        "واردات بنزین ایرانی ونزوئلا کمبود سوخت",
        "تحریم نفت ایران",  # no function word: the script decides
        "چرا ايران به ونزوئلا كمك كرد",  # typed on an Arabic keyboard (ي, ك)
        "ایران و ونزوئلا 🇮🇷🇻🇪",
        "رابطه ایران با ونزوئلا در OPEC چیست؟",  # a Latin acronym inside
        "ایران 🇮🇷🇮🇷🇮🇷🇮🇷 نفت",  # emoji are no script
        "آیا ایران به ونزوئلا کمک کرد",
        "ايران",
        # Arabic borrowings and words Arabic shares are no Arabic
        "صادرات نفت خام ونزوئلا بازار آمریکا نظام مالی بین‌المللی",
        "علی و حسن حتی او را دیدند",
        "نقش ایران در بیت‌المقدس",
    ],
)
def test_persian(text: str) -> None:
    assert detect_language(text) == "fa"


@pytest.mark.parametrize(
    "text",
    [
        # Arabic and Urdu: the Arabic script, not Persian
        "ما هي العلاقة بين إيران وفنزويلا؟",
        "هل تستورد فنزويلا النفط من إيران؟",
        "لماذا تدعم إيران فنزويلا في الأمم المتحدة",
        "ایران اور وینزویلا کے تعلقات کیا ہیں؟",
        # other scripts
        "Что Венесуэла импортировала из Ирана?",
        "伊朗和委内瑞拉的关系是什么？",
        "イランとベネズエラの関係は？",
        "ईरान और वेनेज़ुएला का संबंध क्या है?",
        "이란과 베네수엘라의 관계는?",
        "Ποια είναι η σχέση Ιράν και Βενεζουέλας;",
        "מה הקשר בין איראן לוונצואלה?",
        "Почему Iran?",  # more Cyrillic than Latin
        # other Latin-script languages
        "Quelle est la relation entre l'Iran et le Venezuela ?",
        "Pourquoi l'Iran aide-t-il le Venezuela avec son pétrole ?",
        "Was hat Venezuela aus dem Iran importiert?",
        "Warum unterstützt der Iran Venezuela?",
        "O que a Venezuela importou do Irã em 2020?",
        "Por que o Irã ajuda a Venezuela?",
        "Che cosa ha importato il Venezuela dall'Iran?",
        "Perché l'Iran aiuta il Venezuela?",
    ],
)
def test_other(text: str) -> None:
    assert detect_language(text) == "other"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("le Venezuela", "es"),  # one word that French and Spanish share: not enough
        ("iran und venezuela", "en"),  # one German word is not German
        ("¿what did iran send?", "en"),  # the ¿ counts, the English words count more
        ("Does Iran support Venezuela at the UN? — ایران از ونزوئلا حمایت می‌کند", "en"),
        ("ایران از ونزوئلا حمایت می‌کند — Iran supports", "fa"),
    ],
)
def test_mixed_text_goes_with_its_majority(text: str, language: str) -> None:
    assert detect_language(text) == language


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_language(text: str) -> None:
    assert detect_language(text) in get_args(DetectedLanguage)


def test_lone_surrogates_and_control_characters_are_harmless() -> None:
    assert detect_language("\ud800 iran oil") == "en"
    assert detect_language("\x00\x07 ایران \u202e") == "fa"


def test_only_the_beginning_of_a_long_paste_is_read() -> None:
    """A question shows its language early; 100,000 characters cost what 2,000 do."""
    assert detect_language("What did Iran send? " * 100 + "ایران " * 20_000) == "en"
    english = "What did Venezuela import from Iran in 2020? " * 2_500
    assert timeit.timeit(lambda: detect_language(english), number=10) < 0.05


def test_it_is_cheap() -> None:
    """It runs on every question: microseconds, not milliseconds (a generous bound, for
    a busy machine; a typical question takes about 5 microseconds, Persian 15)."""
    questions = [
        "What did Venezuela import from Iran in 2020?",
        "¿Qué importó Venezuela de Irán en 2020?",
        "ونزوئلا در سال ۲۰۲۰ چه سوخت و فرآورده‌های پالایشی از ایران وارد کرد؟",
    ]
    for question in questions:
        assert timeit.timeit(partial(detect_language, question), number=1000) < 0.2
