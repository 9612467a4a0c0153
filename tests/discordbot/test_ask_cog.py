"""The Ask cog, with its callbacks called directly: what members see, and what is recorded.

A direct ``.callback()`` skips the command's checks, so ``within_cooldown`` has its own
tests at the end; the error handler is tested in ``test_errors.py``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast
from unittest.mock import MagicMock

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.answering import MAX_QUESTION_CHARS, AnswerService
from bot.discordbot import limits
from bot.discordbot.cogs.ask import HELP_TEXT, AskCog, within_cooldown
from bot.discordbot.cooldown import QuestionCooldown
from bot.discordbot.embeds import UNKNOWN_TEXT
from bot.discordbot.views import ChoiceButton, FeedbackButton
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import TranslationLanguage
from bot.matching import DEFAULT_THRESHOLDS, Thresholds, build_matcher
from bot.querylog.records import QueryRecord
from tests.discordbot.doubles import (
    ANSWERED_CLAIM_ID,
    ANSWERED_QUESTION,
    CHANNEL_ID,
    GUILD_ID,
    OTHER_USER_ID,
    UNRELATED_QUESTION,
    USER_ID,
    FakeClock,
    RecordingSink,
    client_with_cog,
    field_values,
    http_error,
    invoke,
    knowledge_of,
    make_claim,
    make_interaction,
    make_message,
    sent_embed,
    sent_kwargs,
    sent_text,
)


def cog_with(
    knowledge: KnowledgeBase,
    sink: RecordingSink,
    cooldown: QuestionCooldown,
    thresholds: Thresholds,
) -> AskCog:
    """An Ask cog whose matcher uses other thresholds (to force an outcome)."""
    matcher = build_matcher(knowledge, thresholds)
    service = AnswerService(knowledge, matcher, sink)
    return AskCog(MagicMock(spec=commands.Bot), service, cooldown)


async def claim_choices(cog: AskCog, current: str) -> list[app_commands.Choice[str]]:
    """The ``/claim`` autocomplete, called as discord.py calls it (unbound, with the cog)."""
    callback = cast(Any, AskCog.claim_id_choices)
    choices: list[app_commands.Choice[str]] = await callback(cog, make_interaction(), current)
    return choices


def query_records(sink: RecordingSink) -> list[QueryRecord]:
    return [r for r in sink.records if isinstance(r, QueryRecord)]


# -- /ask -------------------------------------------------------------------------------


async def test_ask_quotes_the_source_verbatim_as_a_block_quote_under_its_title(
    cog: AskCog, knowledge: KnowledgeBase
) -> None:
    interaction = make_interaction()

    await invoke(cog.ask, cog, interaction, question=ANSWERED_QUESTION)

    embed = sent_embed(interaction.response.send_message)
    claim = knowledge.claim(ANSWERED_CLAIM_ID)
    assert claim is not None
    assert embed.title == f"Q: {ANSWERED_QUESTION}"
    assert embed.description == claim.statement
    citation = claim.citations[0]
    source_field = embed.fields[0]
    assert source_field.name == f"Source: {knowledge.source_title(citation.source)}"
    assert source_field.value == f"> {citation.quote}"
    assert not sent_kwargs(interaction.response.send_message).get("ephemeral")


async def test_ask_footer_gives_the_confidence_label_and_the_claim(cog: AskCog) -> None:
    interaction = make_interaction()

    await invoke(cog.ask, cog, interaction, question=ANSWERED_QUESTION)

    footer = sent_embed(interaction.response.send_message).footer.text
    assert footer is not None
    assert footer.startswith("Confidence: high (")
    assert footer.endswith(f"/100) · claim {ANSWERED_CLAIM_ID}")


async def test_an_answer_carries_only_the_feedback_buttons(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction()

    await invoke(cog.ask, cog, interaction, question=ANSWERED_QUESTION)

    view = sent_kwargs(interaction.response.send_message)["view"]
    [record] = query_records(sink)
    assert [(type(item), item.custom_id) for item in view.children] == [
        (FeedbackButton, f"fb:y:{record.id}"),
        (FeedbackButton, f"fb:n:{record.id}"),
    ]


async def test_an_ambiguous_question_offers_each_candidate_as_a_button_and_feedback(
    knowledge: KnowledgeBase, sink: RecordingSink, cooldown: QuestionCooldown
) -> None:
    # Every runner-up within 100 points: ambiguous, with five candidates to choose from.
    cog = cog_with(
        knowledge,
        sink,
        cooldown,
        dataclasses.replace(DEFAULT_THRESHOLDS, ambiguity_gap=100.0, max_alternatives=5),
    )
    interaction = make_interaction()

    await invoke(cog.ask, cog, interaction, question="Iran Venezuela oil")

    [record] = query_records(sink)
    assert record.outcome == "ambiguous"
    embed = sent_embed(interaction.response.send_message)
    assert embed.description is not None
    assert embed.description.startswith("Your question fits more than one claim. Did you mean:")
    listed = embed.description.count("\n**")
    assert listed >= 5  # every candidate listed ...
    view = sent_kwargs(interaction.response.send_message)["view"]
    choices = [item for item in view.children if isinstance(item, ChoiceButton)]
    feedback = [item for item in view.children if isinstance(item, FeedbackButton)]
    assert len(choices) == min(listed, 5)  # ... a button each, in one row of five at most
    assert [c.query_id for c in choices] == [record.id] * len(choices)
    assert choices[0].claim_id == record.claim_id
    assert [item.label for item in (c.item for c in choices)] == [
        f"Show {n}" for n in range(1, len(choices) + 1)
    ]
    assert [f.helpful for f in feedback] == [True, False]


async def test_an_unknown_question_says_so_and_offers_the_related_claims_as_buttons(
    knowledge: KnowledgeBase, sink: RecordingSink, cooldown: QuestionCooldown
) -> None:
    # Nothing scores 101: every question is unknown, and the near ones are "related".
    cog = cog_with(knowledge, sink, cooldown, dataclasses.replace(DEFAULT_THRESHOLDS, answer=101.0))
    interaction = make_interaction()

    await invoke(cog.ask, cog, interaction, question=ANSWERED_QUESTION)

    embed = sent_embed(interaction.response.send_message)
    assert embed.description is not None
    lines = embed.description.splitlines()
    assert lines[0] == UNKNOWN_TEXT == "I don't know that from my sources."
    related = [line for line in lines if line.startswith("**")]
    assert 1 <= len(related) <= 3
    claim = knowledge.claim(ANSWERED_CLAIM_ID)
    assert claim is not None
    assert related[0] == f"**1.** {claim.statement}"
    assert embed.fields == []  # no quote: nothing was answered
    [record] = query_records(sink)
    assert (record.outcome, record.claim_id) == ("unknown", ANSWERED_CLAIM_ID)
    view = sent_kwargs(interaction.response.send_message)["view"]
    choices = [item for item in view.children if isinstance(item, ChoiceButton)]
    assert [(c.query_id, c.item.label) for c in choices] == [
        (record.id, f"Show {n}") for n in range(1, len(related) + 1)
    ]
    assert choices[0].claim_id == ANSWERED_CLAIM_ID


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("¿Qué importó Venezuela de Irán en 2020?", "es"),
        ("ونزوئلا در سال ۲۰۲۰ چه سوخت و فرآورده‌های پالایشی از ایران وارد کرد؟", "fa"),
    ],
)
async def test_an_answer_speaks_the_askers_language_and_quotes_the_source_verbatim(
    cog: AskCog,
    sink: RecordingSink,
    knowledge: KnowledgeBase,
    question: str,
    language: TranslationLanguage,
) -> None:
    source, footer = {"es": ("Fuente: ", "Confianza: alta ("), "fa": ("منبع: ", "اطمینان: بالا (")}[
        language
    ]
    interaction = make_interaction()

    await invoke(cog.ask, cog, interaction, question=question)

    embed = sent_embed(interaction.response.send_message)
    claim = knowledge.claim(ANSWERED_CLAIM_ID)
    assert claim is not None
    assert embed.description == claim.translations[language]
    assert embed.fields[0].name is not None
    assert embed.fields[0].name.startswith(source)
    assert embed.fields[0].value == f"> {claim.citations[0].quote}"
    assert embed.footer.text is not None
    assert embed.footer.text.startswith(footer)
    assert embed.footer.text.endswith(ANSWERED_CLAIM_ID)
    view = sent_kwargs(interaction.response.send_message)["view"]
    [record] = query_records(sink)
    assert record.language == language
    assert [item.custom_id for item in view.children] == [
        f"fb:y:{record.id}:{language}",
        f"fb:n:{record.id}:{language}",
    ]


async def test_a_question_far_from_every_claim_gets_a_plain_i_dont_know(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction()

    await invoke(cog.ask, cog, interaction, question=UNRELATED_QUESTION)

    embed = sent_embed(interaction.response.send_message)
    assert embed.description == UNKNOWN_TEXT
    assert embed.footer.text == "Moderators review unanswered questions."
    [record] = query_records(sink)
    assert (record.outcome, record.claim_id, record.score) == ("unknown", None, None)


async def test_the_answer_is_recorded_after_it_is_sent(cog: AskCog, sink: RecordingSink) -> None:
    interaction = make_interaction()
    recorded_when_sent: list[int] = []
    interaction.response.send_message.side_effect = lambda *a, **k: recorded_when_sent.append(
        len(sink.records)
    )

    await invoke(cog.ask, cog, interaction, question=ANSWERED_QUESTION)

    assert recorded_when_sent == [0]
    [record] = query_records(sink)
    assert record.adapter == "discord"
    assert (record.user_id, record.guild_id, record.channel_id) == (
        str(USER_ID),
        str(GUILD_ID),
        str(CHANNEL_ID),
    )
    assert (record.question, record.outcome, record.claim_id) == (
        ANSWERED_QUESTION,
        "answered",
        ANSWERED_CLAIM_ID,
    )


async def test_the_answer_is_recorded_even_when_sending_it_fails(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction()
    interaction.response.send_message.side_effect = http_error()

    with pytest.raises(discord.HTTPException):
        await invoke(cog.ask, cog, interaction, question=ANSWERED_QUESTION)

    assert [r.question for r in query_records(sink)] == [ANSWERED_QUESTION]


async def test_a_question_in_a_direct_message_is_recorded_without_guild_or_channel(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction(guild_id=None, channel_id=None)

    await invoke(cog.ask, cog, interaction, question=ANSWERED_QUESTION)

    [record] = query_records(sink)
    assert (record.guild_id, record.channel_id) == (None, None)


def test_ask_takes_one_to_max_question_chars_of_text(cog: AskCog) -> None:
    [question] = cog.ask.parameters
    assert (question.name, question.min_value, question.max_value) == (
        "question",
        1,
        MAX_QUESTION_CHARS,
    )
    assert question.description == "What you want to know about the Iran–Venezuela partnership"


# -- the message menu -------------------------------------------------------------------


async def test_the_message_menu_answers_the_selected_message(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction()

    await cog.ask_about_message(interaction, make_message(ANSWERED_QUESTION))

    embed = sent_embed(interaction.response.send_message)
    assert embed.title == f"Q: {ANSWERED_QUESTION}"
    assert [r.claim_id for r in query_records(sink)] == [ANSWERED_CLAIM_ID]


@pytest.mark.parametrize("content", ["", "   \n "])
async def test_the_message_menu_on_a_message_without_text_explains_privately(
    cog: AskCog, sink: RecordingSink, content: str
) -> None:
    interaction = make_interaction()

    await cog.ask_about_message(interaction, make_message(content))

    assert sent_text(interaction.response.send_message) == "That message has no text I can read."
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True
    assert sink.records == []


def test_the_message_menu_is_named_for_members_and_checks_the_cooldown(cog: AskCog) -> None:
    menu = cog.message_menu
    assert (menu.name, menu.type) == ("Ask the knowledge base", discord.AppCommandType.message)
    assert within_cooldown in menu.checks
    assert within_cooldown in cog.ask.checks


# -- /search ----------------------------------------------------------------------------


async def test_search_lists_at_most_five_claims_privately(cog: AskCog) -> None:
    interaction = make_interaction()

    await invoke(cog.search, cog, interaction, query="oil")

    header, *lines = sent_text(interaction.response.send_message).splitlines()
    assert header == "Closest claims to “oil”:"
    assert 1 <= len(lines) <= 5
    assert all(line.startswith("`") and "**: " in line for line in lines)
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True


async def test_search_with_no_match_says_so(cog: AskCog) -> None:
    interaction = make_interaction()

    await invoke(cog.search, cog, interaction, query="zzzz qqqq")

    assert sent_text(interaction.response.send_message).splitlines()[1:] == [
        "No claim matches that."
    ]


async def test_search_escapes_the_query_it_echoes(cog: AskCog) -> None:
    interaction = make_interaction()

    await invoke(cog.search, cog, interaction, query="**oil** @everyone")

    header = sent_text(interaction.response.send_message).splitlines()[0]
    assert header == "Closest claims to “\\*\\*oil\\*\\* @\u200beveryone”:"


async def test_search_with_long_statements_and_a_long_query_fits_one_message(
    sink: RecordingSink, cooldown: QuestionCooldown
) -> None:
    words = " ".join(f"tanker{n}" for n in range(300))
    claims = [
        make_claim(f"claim-{n}", statement=f"Claim {n}: {words}", questions=(words,))
        for n in range(5)
    ]
    knowledge = knowledge_of(claims)
    service = AnswerService(knowledge, build_matcher(knowledge), sink)
    cog = AskCog(MagicMock(spec=commands.Bot), service, cooldown)
    interaction = make_interaction()

    await invoke(cog.search, cog, interaction, query=words[:MAX_QUESTION_CHARS])

    text = sent_text(interaction.response.send_message)
    assert text.count("**claim-") == 5
    assert len(text) <= limits.CONTENT


# -- /claim -----------------------------------------------------------------------------


async def test_claim_shows_the_claim_with_its_citations(
    cog: AskCog, knowledge: KnowledgeBase
) -> None:
    interaction = make_interaction()

    await invoke(cog.claim, cog, interaction, id=f"  {ANSWERED_CLAIM_ID} ")

    embed = sent_embed(interaction.response.send_message)
    claim = knowledge.claim(ANSWERED_CLAIM_ID)
    assert claim is not None
    assert embed.title == ANSWERED_CLAIM_ID
    assert field_values(embed)[: len(claim.citations)] == [f"> {c.quote}" for c in claim.citations]
    if claim.note:
        assert embed.fields[-1].name == "Curator's note"


async def test_claim_with_an_unknown_id_answers_privately_naming_it(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction()

    await invoke(cog.claim, cog, interaction, id="no_such_claim")

    assert sent_text(interaction.response.send_message) == (
        "No claim has the id `no\\_such\\_claim`. Start typing and pick one from the list."
    )
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True
    assert sink.records == []


async def test_claim_autocomplete_puts_the_exact_id_first(
    cog: AskCog, knowledge: KnowledgeBase
) -> None:
    choices = await claim_choices(cog, ANSWERED_CLAIM_ID)

    assert choices[0].value == ANSWERED_CLAIM_ID
    assert choices[0].name.startswith(f"{ANSWERED_CLAIM_ID}: ")
    assert len({c.value for c in choices}) == len(choices)


@pytest.mark.parametrize("typed", ["", "iran", "oil", "Venezuela gasoline", "x" * 150])
async def test_claim_autocomplete_stays_within_discord_limits(
    cog: AskCog, knowledge: KnowledgeBase, typed: str
) -> None:
    choices = await claim_choices(cog, typed)

    assert len(choices) <= limits.AUTOCOMPLETE_CHOICES
    assert all(1 <= len(c.name) <= limits.CHOICE_NAME for c in choices)
    assert all(knowledge.claim(c.value) is not None for c in choices)


async def test_claim_autocomplete_offers_twenty_five_claims_before_anything_is_typed(
    cog: AskCog, knowledge: KnowledgeBase
) -> None:
    assert len(knowledge.claims) > limits.AUTOCOMPLETE_CHOICES  # else this proves nothing

    choices = await claim_choices(cog, "")

    assert len(choices) == limits.AUTOCOMPLETE_CHOICES


async def test_claim_autocomplete_shortens_long_statements_in_choice_names(
    sink: RecordingSink, cooldown: QuestionCooldown
) -> None:
    knowledge = knowledge_of([make_claim("long-claim", statement="word " * 100)])
    service = AnswerService(knowledge, build_matcher(knowledge), sink)
    cog = AskCog(MagicMock(spec=commands.Bot), service, cooldown)

    [choice] = await claim_choices(cog, "long-claim")

    assert choice.value == "long-claim"
    assert len(choice.name) <= limits.CHOICE_NAME
    assert choice.name.startswith("long-claim: word word")
    assert choice.name.endswith(limits.ELLIPSIS)


# -- /sources and /help -----------------------------------------------------------------


async def test_sources_lists_each_document_with_its_claim_count(
    cog: AskCog, knowledge: KnowledgeBase
) -> None:
    interaction = make_interaction()

    await invoke(cog.sources, cog, interaction)

    counts = knowledge.citation_counts()
    assert sent_text(interaction.response.send_message).splitlines() == [
        f"• **{source.title}** (`{source.id}`): {counts[source.id]} claims"
        for source in knowledge.sources.values()
    ]
    assert sum(counts.values()) >= len(knowledge.claims) > 0
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True


async def test_help_explains_every_way_to_ask_privately(cog: AskCog) -> None:
    interaction = make_interaction()

    await invoke(cog.help, cog, interaction)

    text = sent_text(interaction.response.send_message)
    assert text == HELP_TEXT
    assert len(text) <= limits.CONTENT
    for command in ("/ask", "/search", "/claim", "/sources", "Ask the knowledge base"):
        assert command in text
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True


# -- within_cooldown (the check a direct callback skips) --------------------------------


async def test_within_cooldown_refuses_once_the_members_questions_are_spent(
    cog: AskCog, clock: FakeClock
) -> None:
    interaction = make_interaction(client=client_with_cog(cog))
    assert await within_cooldown(interaction)
    assert await within_cooldown(interaction)
    clock.advance(10.0)

    with pytest.raises(app_commands.CommandOnCooldown) as refused:
        await within_cooldown(interaction)

    assert refused.value.retry_after == pytest.approx(50.0)
    assert (refused.value.cooldown.rate, refused.value.cooldown.per) == (2, 60.0)


async def test_within_cooldown_counts_each_member_separately_and_refills(
    cog: AskCog, clock: FakeClock
) -> None:
    client = client_with_cog(cog)
    member = make_interaction(client=client)
    other = make_interaction(client=client, user_id=OTHER_USER_ID)
    for _ in range(2):
        await within_cooldown(member)

    assert await within_cooldown(other)
    clock.advance(60.5)
    assert await within_cooldown(member)


async def test_within_cooldown_lets_everything_through_when_the_ask_cog_is_missing() -> None:
    interaction = make_interaction(client=client_with_cog(None))

    for _ in range(10):
        assert await within_cooldown(interaction)
