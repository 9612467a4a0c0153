"""The message catalogue: every message in every language, with the same placeholders."""

from __future__ import annotations

import string
from typing import get_args

import pytest

from bot.knowledge.models import Language
from bot.messages import MESSAGES, MessageId, message, number, spoken

LANGUAGES = get_args(Language)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_catalogue_has_exactly_the_declared_message_ids() -> None:
    assert set(MESSAGES) == set(get_args(MessageId))


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_every_message_is_written_in_every_language(message_id: MessageId) -> None:
    texts = MESSAGES[message_id]

    assert set(texts) == {"en", "es", "fa"} == set(LANGUAGES)
    assert all(text.strip() for text in texts.values())


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_every_translation_has_the_english_placeholders(message_id: MessageId) -> None:
    texts = MESSAGES[message_id]

    assert {language: placeholders(text) for language, text in texts.items()} == {
        language: placeholders(texts["en"]) for language in texts
    }


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_persian_messages_carry_no_bidi_control_characters(message_id: MessageId) -> None:
    controls = {chr(c) for c in (*range(0x200E, 0x2010), *range(0x202A, 0x202F))}
    controls |= {chr(c) for c in range(0x2066, 0x206A)}

    assert not controls & set(MESSAGES[message_id]["fa"])


def test_a_language_the_bot_does_not_speak_gets_english() -> None:
    assert [spoken(language) for language in ("en", "es", "fa", "other", "")] == [
        "en",
        "es",
        "fa",
        "en",
        "en",
    ]
    assert message("unknown", "other") == message("unknown", "en")


def test_placeholders_are_filled_and_numbers_follow_the_language() -> None:
    assert message("answer_footer", "en", confidence="high", score=97, claim="a-claim") == (
        "Confidence: high (97/100) · claim a-claim"
    )
    assert message("answer_footer", "es", confidence="alta", score=97, claim="a-claim") == (
        "Confianza: alta (97/100) · afirmación a-claim"
    )
    assert message("answer_footer", "fa", confidence="بالا", score=97, claim="claim-2020") == (
        "اطمینان: بالا (۹۷ از ۱۰۰) · ادعای claim-2020"  # text values (ids) are left alone
    )
    assert message("pick", "fa", number=3) == "نمایش ۳"


def test_numbers_are_in_persian_digits_for_persian_only() -> None:
    assert [number(1234567890, language) for language in ("en", "es", "fa", "other")] == [
        "1234567890",
        "1234567890",
        "۱۲۳۴۵۶۷۸۹۰",
        "1234567890",
    ]
