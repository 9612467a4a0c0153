"""The bot's own words, in the languages it speaks: English, Spanish and Persian.

Members are answered in the language they asked in (``Answer.language``); a question in
another language gets English. Only the bot's short messages live here; claims, quotes
and source titles are the knowledge base's, and a claim's translated statement is the
curator's (:meth:`bot.knowledge.models.Claim.statement_in`).

One table, keyed by message id and then language, so that a message missing a
language, or a translation with other placeholders than the English, fails a test
instead of a member's answer. Numbers given to a Persian message are written in
Persian digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, get_args

from bot.knowledge.models import Language

MessageId = Literal[
    "unknown",
    "unknown_footer",
    "related",
    "ambiguous",
    "ambiguous_footer",
    "answer_footer",
    "confidence_high",
    "confidence_medium",
    "confidence_low",
    "source",
    "curator_note",
    "full_text",
    "truncated",
    "your_question",
    "pick",
    "helpful",
    "not_helpful",
    "thanks_helpful",
    "thanks_not_helpful",
    "claim_gone",
    "cli_related",
    "cli_claim_hint",
]

MESSAGES: Final[Mapping[MessageId, Mapping[Language, str]]] = {
    "unknown": {
        "en": "I don't know that from my sources.",
        "es": "Mis fuentes no dicen nada sobre eso.",
        "fa": "منابع من در این باره چیزی نمی‌گویند.",
    },
    "unknown_footer": {
        "en": "Moderators review unanswered questions.",
        "es": "Los moderadores revisan las preguntas sin respuesta.",
        "fa": "مدیران پرسش‌های بی‌پاسخ را بررسی می‌کنند.",
    },
    "related": {
        "en": "Related claims (pick one to see it with its source):",
        "es": "Afirmaciones relacionadas (elige una para verla con su fuente):",
        "fa": "ادعاهای مرتبط (یکی را انتخاب کنید تا با منبعش نشان داده شود):",
    },
    "ambiguous": {
        "en": "Your question fits more than one claim. Did you mean:",
        "es": "Tu pregunta encaja con más de una afirmación. ¿Te refieres a…?",
        "fa": "پرسش شما با بیش از یک ادعا جور درمی‌آید. منظورتان کدام است؟",
    },
    "ambiguous_footer": {
        "en": "Pick one below, or ask again with more detail.",
        "es": "Elige una abajo o vuelve a preguntar con más detalle.",
        "fa": "یکی را از دکمه‌های زیر انتخاب کنید یا دقیق‌تر بپرسید.",
    },
    "answer_footer": {
        "en": "Confidence: {confidence} ({score}/100) · claim {claim}",
        "es": "Confianza: {confidence} ({score}/100) · afirmación {claim}",
        "fa": "اطمینان: {confidence} ({score} از ۱۰۰) · ادعای {claim}",
    },
    "confidence_high": {"en": "high", "es": "alta", "fa": "بالا"},
    "confidence_medium": {"en": "medium", "es": "media", "fa": "متوسط"},
    "confidence_low": {"en": "low", "es": "baja", "fa": "پایین"},
    "source": {
        "en": "Source: {title}",
        "es": "Fuente: {title}",
        "fa": "منبع: {title}",
    },
    "curator_note": {
        "en": "Curator's note",
        "es": "Nota del curador",
        "fa": "یادداشت ویراستار",
    },
    "full_text": {
        "en": " (full text: /claim id:{claim})",
        "es": " (texto completo: /claim id:{claim})",
        "fa": " (متن کامل: /claim id:{claim})",
    },
    "truncated": {
        "en": "(Only the first {limit} characters of your question were used.)",
        "es": "(Solo se usaron los primeros {limit} caracteres de tu pregunta.)",
        "fa": "(فقط {limit} نویسهٔ نخست پرسش شما به کار رفت.)",
    },
    "your_question": {
        "en": "(your question)",
        "es": "(tu pregunta)",
        "fa": "(پرسش شما)",
    },
    "pick": {
        "en": "Show {number}",
        "es": "Ver {number}",
        "fa": "نمایش {number}",
    },
    "helpful": {"en": "Helpful", "es": "Útil", "fa": "مفید بود"},
    "not_helpful": {"en": "Not helpful", "es": "No útil", "fa": "مفید نبود"},
    "thanks_helpful": {
        "en": "Thanks, noted.",
        "es": "Gracias, anotado.",
        "fa": "ممنون، ثبت شد.",
    },
    "thanks_not_helpful": {
        "en": "Thanks; the moderators will look at this one.",
        "es": "Gracias; los moderadores revisarán esta respuesta.",
        "fa": "ممنون؛ مدیران این پاسخ را بررسی می‌کنند.",
    },
    "claim_gone": {
        "en": "That claim is no longer in the knowledge base.",
        "es": "Esa afirmación ya no está en la base de conocimiento.",
        "fa": "این ادعا دیگر در پایگاه دانش نیست.",
    },
    "cli_related": {
        "en": "Related claims:",
        "es": "Afirmaciones relacionadas:",
        "fa": "ادعاهای مرتبط:",
    },
    "cli_claim_hint": {
        "en": "(ask again with more detail, or look one up: python -m bot claim ID)",
        "es": "(vuelve a preguntar con más detalle, o consulta una: python -m bot claim ID)",
        "fa": "(دقیق‌تر بپرسید، یا یکی را ببینید: python -m bot claim ID)",
    },
}

LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def spoken(language: str) -> Language:
    """The language to answer in: the asker's when the bot speaks it, else English."""
    for known in LANGUAGES:
        if known == language:
            return known
    return "en"


def number(value: int, language: str) -> str:
    """``value`` in the digits readers of ``language`` expect (Persian digits for Persian)."""
    text = str(value)
    return text.translate(_PERSIAN_DIGITS) if spoken(language) == "fa" else text


def message(message_id: MessageId, language: str, **values: str | int) -> str:
    """Message ``message_id`` in ``language`` (English for a language the bot does not
    speak), its placeholders filled with ``values``; integers are written with
    :func:`number`, text is inserted as given."""
    said = spoken(language)
    template = MESSAGES[message_id][said]
    if not values:
        return template
    return template.format(
        **{
            name: number(value, said) if isinstance(value, int) else value
            for name, value in values.items()
        }
    )
