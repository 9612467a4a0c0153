"""Answer and claim embeds: citations as block quotes, Discord's limits, escaped user text."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import msgspec
import pytest

from bot.answering import MAX_QUESTION_CHARS, Answer, Asker
from bot.discordbot import limits
from bot.discordbot.embeds import (
    COLOUR_AMBIGUOUS,
    COLOUR_ANSWER,
    COLOUR_UNKNOWN,
    UNKNOWN_TEXT,
    answer_embed,
    claim_embed,
    confidence_label,
    escape,
    search_lines,
)
from bot.knowledge.models import Citation, Claim
from bot.matching import Outcome, ScoredClaim
from bot.messages import message
from tests.discordbot.doubles import SOURCE_TITLE, field_values, knowledge_of, make_claim

LONG_QUOTE = " ".join(f"word{n}" for n in range(1000))  # about 6,900 characters


def assert_within_discord_limits(embed: discord.Embed) -> None:
    """Every limit Discord enforces on one embed (a payload over any is an HTTP 400)."""
    data = embed.to_dict()
    assert len(data.get("title", "")) <= limits.EMBED_TITLE
    assert len(data.get("description", "")) <= limits.EMBED_DESCRIPTION
    assert len(data.get("fields", [])) <= limits.EMBED_FIELDS
    for field in data.get("fields", []):
        assert 1 <= len(field["name"]) <= limits.FIELD_NAME
        assert 1 <= len(field["value"]) <= limits.FIELD_VALUE
    assert len(data.get("footer", {}).get("text", "")) <= limits.EMBED_FOOTER
    assert len(embed) <= limits.EMBED_TOTAL


def answer_of(
    question: str,
    outcome: Outcome,
    claims: list[Claim],
    score: float = 90.0,
    *,
    language: str = "en",
    truncated: bool = False,
) -> Answer:
    return Answer(
        query_id="0123456789abcdef",
        question=question,
        outcome=outcome,
        matches=tuple(ScoredClaim(claim, score - n) for n, claim in enumerate(claims)),
        latency_ms=1.0,
        kb_version="test",
        asked_at=datetime(2025, 1, 1, tzinfo=UTC),
        asker=Asker("test"),
        language=language,
        truncated=truncated,
    )


# -- citations --------------------------------------------------------------------------------


def test_each_citation_is_a_block_quote_under_its_source_title() -> None:
    claim = make_claim(quotes=("First passage.", "Second passage."), note="Dates are vague.")

    embed = claim_embed(claim, knowledge_of([claim]))

    assert [(f.name, f.value, f.inline) for f in embed.fields] == [
        (f"Source: {SOURCE_TITLE}", "> First passage.", False),
        (f"Source: {SOURCE_TITLE}", "> Second passage.", False),
        ("Curator's note", "Dates are vague.", False),
    ]
    assert (embed.title, embed.description, embed.colour) == (
        claim.id,
        claim.statement,
        COLOUR_ANSWER,
    )


def test_a_citation_of_a_source_not_loaded_is_labelled_with_its_id() -> None:
    claim = make_claim()
    orphan = msgspec.structs.replace(
        claim, citations=(Citation(source="gone-source", quote="Text."),)
    )

    embed = claim_embed(orphan, knowledge_of([orphan]))

    assert embed.fields[0].name == "Source: gone-source"


def test_a_5000_character_quote_fits_and_points_to_the_full_claim() -> None:
    claim = make_claim("huge-quote", quotes=(LONG_QUOTE[:5000],))

    embed = claim_embed(claim, knowledge_of([claim]))

    assert_within_discord_limits(embed)
    value = field_values(embed)[0]
    assert value.startswith("> word0 word1 ")
    assert value.endswith("… (full text: /claim id:huge-quote)")
    assert len(value) <= limits.FIELD_VALUE


def test_an_answer_with_a_huge_quote_fits_every_limit() -> None:
    claim = make_claim("huge-quote", quotes=(LONG_QUOTE[:5000],))
    answer = answer_of("What does it say?", Outcome.ANSWERED, [claim])

    embed = answer_embed(answer, knowledge_of([claim]))

    assert_within_discord_limits(embed)
    assert field_values(embed)[0].endswith("(full text: /claim id:huge-quote)")


def test_many_long_citations_drop_trailing_fields_to_fit_6000_characters() -> None:
    quotes = tuple(f"{n} {LONG_QUOTE[:2000]}" for n in range(10))
    claim = make_claim("many-quotes", statement="word " * 1000, quotes=quotes, note="note " * 500)

    embed = claim_embed(claim, knowledge_of([claim]))

    assert_within_discord_limits(embed)
    assert field_values(embed)[0].startswith("> 0 word0")  # the first citation always stays
    assert 1 <= len(embed.fields) < 11


def test_everything_at_its_maximum_still_fits() -> None:
    claim = make_claim("x" * 64, statement="s" * 5000, quotes=("q" * 5000,) * 30, note="n" * 5000)
    answer = answer_of("?" * 600, Outcome.ANSWERED, [claim])

    embed = answer_embed(answer, knowledge_of([claim]))

    assert_within_discord_limits(embed)


@pytest.mark.parametrize("outcome", [Outcome.AMBIGUOUS, Outcome.UNKNOWN])
def test_lists_of_long_statements_fit_the_description_limit(outcome: Outcome) -> None:
    claims = [make_claim(f"claim-{n}", statement=f"{n} " + "word " * 400) for n in range(3)]
    answer = answer_of("which?", outcome, claims)

    embed = answer_embed(answer, knowledge_of(claims))

    assert_within_discord_limits(embed)


# -- outcomes ---------------------------------------------------------------------------------


def test_an_answer_has_the_claim_and_a_confidence_footer() -> None:
    claim = make_claim("a-claim")
    answer = answer_of("What does it say?", Outcome.ANSWERED, [claim], score=72.4)

    embed = answer_embed(answer, knowledge_of([claim]))

    assert embed.title == "Q: What does it say?"
    assert embed.footer.text == "Confidence: medium (72/100) · claim a-claim"
    assert embed.fields[0].value == "> A quoted passage."


def test_an_ambiguous_answer_lists_the_candidates_in_order() -> None:
    claims = [make_claim(f"claim-{n}", statement=f"Statement {n}.") for n in range(2)]
    answer = answer_of("which?", Outcome.AMBIGUOUS, claims)

    embed = answer_embed(answer, knowledge_of(claims))

    assert embed.description == (
        "Your question fits more than one claim. Did you mean:\n"
        "**1.** Statement 0.\n"
        "**2.** Statement 1."
    )
    assert embed.colour == COLOUR_AMBIGUOUS
    assert embed.footer.text == "Pick one below, or ask again with more detail."


def test_an_unknown_answer_numbers_the_related_claims_as_their_buttons_are() -> None:
    claims = [make_claim(f"near-{n}", statement=f"Something near {n}.") for n in (1, 2)]
    answer = answer_of("what?", Outcome.UNKNOWN, claims, score=40.0)

    embed = answer_embed(answer, knowledge_of(claims))

    assert embed.description == (
        f"{UNKNOWN_TEXT}\n\nRelated claims (pick one to see it with its source):\n"
        "**1.** Something near 1.\n"
        "**2.** Something near 2."
    )
    assert embed.colour == COLOUR_UNKNOWN
    assert embed.fields == []


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (100.0, "high"),
        (85.0, "high"),
        (84.99, "medium"),
        (70.0, "medium"),
        (69.99, "low"),
        (0.0, "low"),
    ],
)
def test_confidence_labels(score: float, label: str) -> None:
    assert confidence_label(score) == label


# -- user text --------------------------------------------------------------------------------


def test_pings_and_markdown_in_the_question_are_escaped_in_the_title() -> None:
    question = "@everyone @here <@123456789012345678> <@&123456789012345678> **bold** _x_ `code` ||spoiler||"
    answer = answer_of(question, Outcome.UNKNOWN, [])

    title = answer_embed(answer, knowledge_of([])).title

    assert title == (
        "Q: @\u200beveryone @\u200bhere <@\u200b123456789012345678> <@\u200b&123456789012345678> "
        "\\*\\*bold\\*\\* \\_x\\_ \\`code\\` \\|\\|spoiler\\|\\|"
    )


def test_escape_leaves_ordinary_text_alone() -> None:
    text = "¿Qué importó Venezuela de Irán en 2020? (gasoline, 5 tankers)"

    assert escape(text) == text


def test_a_long_question_is_cut_to_the_title_limit() -> None:
    answer = answer_of("why " * 200, Outcome.UNKNOWN, [])

    title = answer_embed(answer, knowledge_of([])).title

    assert title is not None
    assert len(title) <= limits.EMBED_TITLE
    assert title.endswith(limits.ELLIPSIS)


# -- /search lines ----------------------------------------------------------------------------


def test_search_lines_show_score_id_and_statement() -> None:
    assert search_lines([("a-claim", 87.25, "It says so."), ("b-claim", 5.0, "Maybe.")]) == (
        "` 87.2` **a-claim**: It says so.\n`  5.0` **b-claim**: Maybe."
    )


def test_search_lines_for_nothing_say_so() -> None:
    assert search_lines([]) == "No claim matches that."


def test_search_lines_cut_long_statements() -> None:
    lines = search_lines([("a-claim", 50.0, "word " * 1000)] * 5).splitlines()

    assert len(lines) == 5
    assert all(len(line) <= 380 and line.endswith(limits.ELLIPSIS) for line in lines)


# -- the asker's language ---------------------------------------------------------------------

TRANSLATED = msgspec.structs.replace(
    make_claim("a-claim", statement="The source says it.", note="Dates are vague."),
    translations={"es": "La fuente lo dice.", "fa": "به گفته منبع چنین است."},
)


def test_an_answer_in_spanish_shows_the_translation_and_the_quote_verbatim() -> None:
    answer = answer_of("¿Qué dice?", Outcome.ANSWERED, [TRANSLATED], score=72.4, language="es")

    embed = answer_embed(answer, knowledge_of([TRANSLATED]))

    assert embed.description == "La fuente lo dice."
    assert [(f.name, f.value) for f in embed.fields] == [
        (f"Fuente: {SOURCE_TITLE}", "> A quoted passage."),
        ("Nota del curador", "Dates are vague."),  # the curator's words stay as written
    ]
    assert embed.footer.text == "Confianza: media (72/100) · afirmación a-claim"


def test_an_answer_in_persian_speaks_persian_around_the_english_quote() -> None:
    answer = answer_of("چه می‌گوید؟", Outcome.ANSWERED, [TRANSLATED], score=97.0, language="fa")

    embed = answer_embed(answer, knowledge_of([TRANSLATED]))

    assert embed.title == "Q: چه می‌گوید؟"
    assert embed.description == "به گفته منبع چنین است."
    assert [(f.name, f.value) for f in embed.fields] == [
        (f"منبع: {SOURCE_TITLE}", "> A quoted passage."),
        ("یادداشت ویراستار", "Dates are vague."),
    ]
    assert embed.footer.text == "اطمینان: بالا (۹۷ از ۱۰۰) · ادعای a-claim"


def test_an_untranslated_claim_is_shown_in_english_to_a_spanish_asker() -> None:
    claim = make_claim("plain-claim", statement="Only in English.")
    answer = answer_of("¿Qué?", Outcome.ANSWERED, [claim], language="es")

    embed = answer_embed(answer, knowledge_of([claim]))

    assert embed.description == "Only in English."
    assert embed.fields[0].name == f"Fuente: {SOURCE_TITLE}"


@pytest.mark.parametrize(
    ("language", "intro", "first", "footer"),
    [
        (
            "es",
            "Tu pregunta encaja con más de una afirmación. ¿Te refieres a…?",
            "**1.** La fuente lo dice.",
            "Elige una abajo o vuelve a preguntar con más detalle.",
        ),
        (
            "fa",
            "پرسش شما با بیش از یک ادعا جور درمی‌آید. منظورتان کدام است؟",
            "**۱.** به گفته منبع چنین است.",
            "یکی را از دکمه‌های زیر انتخاب کنید یا دقیق‌تر بپرسید.",
        ),
    ],
)
def test_did_you_mean_lists_the_candidates_in_the_askers_language(
    language: str, intro: str, first: str, footer: str
) -> None:
    other = make_claim("b-claim", statement="Untranslated.")
    answer = answer_of("?", Outcome.AMBIGUOUS, [TRANSLATED, other], language=language)

    embed = answer_embed(answer, knowledge_of([TRANSLATED, other]))

    assert embed.description is not None
    assert embed.description.splitlines()[:2] == [intro, first]
    assert embed.description.splitlines()[2].endswith(" Untranslated.")
    assert embed.footer.text == footer


@pytest.mark.parametrize(
    ("language", "unknown", "footer"),
    [
        (
            "es",
            "Mis fuentes no dicen nada sobre eso.",
            "Los moderadores revisan las preguntas sin respuesta.",
        ),
        ("fa", "منابع من در این باره چیزی نمی‌گویند.", "مدیران پرسش‌های بی‌پاسخ را بررسی می‌کنند."),
        ("other", UNKNOWN_TEXT, "Moderators review unanswered questions."),
    ],
)
def test_i_dont_know_is_said_in_the_askers_language(
    language: str, unknown: str, footer: str
) -> None:
    answer = answer_of("?", Outcome.UNKNOWN, [], language=language, truncated=True)

    embed = answer_embed(answer, knowledge_of([]))

    assert embed.description is not None
    notice, said = embed.description.splitlines()
    assert said == unknown
    assert notice == message("truncated", language, limit=MAX_QUESTION_CHARS)
    assert embed.footer.text == footer


def test_a_cut_quote_points_to_the_full_claim_in_the_askers_language() -> None:
    claim = make_claim("huge-quote", quotes=(LONG_QUOTE[:5000],))

    embed = claim_embed(claim, knowledge_of([claim]), language="es")

    assert field_values(embed)[0].endswith("… (texto completo: /claim id:huge-quote)")
    assert_within_discord_limits(embed)


@pytest.mark.parametrize(("language", "label"), [("es", "alta"), ("fa", "بالا"), ("other", "high")])
def test_confidence_labels_in_each_language(language: str, label: str) -> None:
    assert confidence_label(90.0, language) == label
