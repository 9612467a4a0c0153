"""Buttons under answers: their state lives in the custom_id, and a click reaches the Ask cog."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from bot.answering import Answer, Asker
from bot.discordbot import limits
from bot.discordbot.cogs.ask import AskCog
from bot.discordbot.errors import APOLOGY
from bot.discordbot.views import ChoiceButton, FeedbackButton, answer_view
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Outcome, ScoredClaim
from bot.querylog.records import FeedbackRecord, PickRecord
from tests.discordbot.doubles import (
    ANSWERED_CLAIM_ID,
    USER_ID,
    RecordingSink,
    client_with_cog,
    http_error,
    make_claim,
    make_interaction,
    make_message,
    sent_embed,
    sent_kwargs,
    sent_text,
)

QUERY_ID = "0123456789abcdef"
LONGEST_CLAIM_ID = "-".join(["abcdefg"] * 8)  # 63 characters: near the 64 a Slug allows


def answer_with(outcome: Outcome, claim_ids: list[str], language: str = "en") -> Answer:
    return Answer(
        query_id=QUERY_ID,
        question="which one?",
        outcome=outcome,
        matches=tuple(ScoredClaim(make_claim(c), 80.0 - n) for n, c in enumerate(claim_ids)),
        latency_ms=1.0,
        kb_version="test",
        asked_at=datetime(2025, 1, 1, tzinfo=UTC),
        asker=Asker("test"),
        language=language,
    )


def labels(view: discord.ui.View) -> list[str | None]:
    return [
        item.item.label if isinstance(item, ChoiceButton | FeedbackButton) else None
        for item in view.children
    ]


def rows(view: discord.ui.View) -> list[list[str]]:
    """The custom_ids of each action row as Discord receives them."""
    return [[c["custom_id"] for c in row["components"]] for row in view.to_components()]


def custom_ids(view: discord.ui.View) -> list[str | None]:
    return [getattr(item, "custom_id", None) for item in view.children]


# -- custom ids -----------------------------------------------------------------------------


@pytest.mark.parametrize("helpful", [True, False])
async def test_feedback_button_round_trips_through_its_custom_id(helpful: bool) -> None:
    button = FeedbackButton(QUERY_ID, helpful)
    assert button.custom_id == f"fb:{'y' if helpful else 'n'}:{QUERY_ID}"
    assert len(button.custom_id) <= limits.CUSTOM_ID

    match = FeedbackButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
    assert match is not None
    rebuilt = await FeedbackButton.from_custom_id(make_interaction(), button.item, match)

    assert (rebuilt.query_id, rebuilt.helpful) == (QUERY_ID, helpful)
    assert rebuilt.custom_id == button.custom_id


async def test_choice_button_round_trips_through_its_custom_id() -> None:
    button = ChoiceButton(QUERY_ID, LONGEST_CLAIM_ID, f"1. {LONGEST_CLAIM_ID}")
    assert button.custom_id == f"dym:{QUERY_ID}:{LONGEST_CLAIM_ID}"
    assert len(button.custom_id) <= limits.CUSTOM_ID

    match = button.template.fullmatch(button.custom_id)
    assert match is not None
    rebuilt = await ChoiceButton.from_custom_id(make_interaction(), button.item, match)

    assert (rebuilt.query_id, rebuilt.claim_id) == (QUERY_ID, LONGEST_CLAIM_ID)
    assert rebuilt.item.label == f"1. {LONGEST_CLAIM_ID}"


@pytest.mark.parametrize("language", ["es", "fa"])
async def test_answer_buttons_carry_the_answers_language_through_their_custom_id(
    language: str,
) -> None:
    choice = ChoiceButton(QUERY_ID, LONGEST_CLAIM_ID, "1", language)
    vote = FeedbackButton(QUERY_ID, False, language)
    assert choice.custom_id == f"dym:{QUERY_ID}:{LONGEST_CLAIM_ID}:{language}"
    assert vote.custom_id == f"fb:n:{QUERY_ID}:{language}"
    assert len(choice.custom_id) <= limits.CUSTOM_ID

    for button in (choice, vote):
        match = button.__discord_ui_compiled_template__.fullmatch(button.custom_id)
        assert match is not None
        rebuilt = await type(button).from_custom_id(make_interaction(), button.item, match)
        assert (rebuilt.custom_id, rebuilt.language) == (button.custom_id, language)
    assert choice.claim_id == LONGEST_CLAIM_ID


@pytest.mark.parametrize("language", ["en", "other"])
def test_english_and_other_answers_keep_the_suffixless_custom_ids(language: str) -> None:
    assert ChoiceButton(QUERY_ID, "a-claim", "1", language).custom_id == f"dym:{QUERY_ID}:a-claim"
    assert FeedbackButton(QUERY_ID, True, language).custom_id == f"fb:y:{QUERY_ID}"


async def test_a_choice_button_without_a_label_is_labelled_with_its_claim() -> None:
    match = ChoiceButton.__discord_ui_compiled_template__.fullmatch(f"dym:{QUERY_ID}:some-claim")
    assert match is not None
    bare = discord.ui.Button[discord.ui.View](custom_id=f"dym:{QUERY_ID}:some-claim")

    rebuilt = await ChoiceButton.from_custom_id(make_interaction(), bare, match)

    assert rebuilt.item.label == "some-claim"


@pytest.mark.parametrize(
    "custom_id",
    [
        "fb:x:0123456789abcdef",  # no such vote
        "fb:y:0123456789ABCDEF",  # query ids are lowercase hex
        "fb:y:0123456789abcdef0",  # one character too long
        "fb:y:0123456789abcdef:extra",
        f"dym:{QUERY_ID}:Bad_Claim",
        f"dym:{QUERY_ID}:{'a' * 65}",
        f"dym:{QUERY_ID}:",
        f"dym:{QUERY_ID}:a-claim:en",  # English has no suffix
        f"dym:{QUERY_ID}:a-claim:de",  # nor does a language the bot does not speak
        "fb:y:0123456789abcdef:ar",
    ],
)
def test_templates_reject_malformed_custom_ids(custom_id: str) -> None:
    for item in (FeedbackButton, ChoiceButton):
        assert item.__discord_ui_compiled_template__.fullmatch(custom_id) is None


def test_a_long_choice_label_is_shortened_to_discords_limit() -> None:
    button = ChoiceButton(QUERY_ID, "some-claim", "word " * 40)

    assert button.item.label is not None
    assert len(button.item.label) <= limits.BUTTON_LABEL


# -- answer_view ----------------------------------------------------------------------------


def test_an_answered_question_gets_the_two_feedback_buttons() -> None:
    view = answer_view(answer_with(Outcome.ANSWERED, ["a-claim", "b-claim"]))

    assert custom_ids(view) == [
        f"fb:y:{QUERY_ID}",
        f"fb:n:{QUERY_ID}",
    ]
    assert view.timeout is None  # buttons keep working on old answers


@pytest.mark.parametrize("outcome", [Outcome.AMBIGUOUS, Outcome.UNKNOWN])
def test_each_candidate_is_a_numbered_button_in_its_own_row_then_feedback(
    outcome: Outcome,
) -> None:
    view = answer_view(answer_with(outcome, ["claim-0", "claim-1", "claim-2"]))

    assert rows(view) == [
        [f"dym:{QUERY_ID}:claim-0", f"dym:{QUERY_ID}:claim-1", f"dym:{QUERY_ID}:claim-2"],
        [f"fb:y:{QUERY_ID}", f"fb:n:{QUERY_ID}"],
    ]
    assert labels(view) == ["Show 1", "Show 2", "Show 3", "Helpful", "Not helpful"]


def test_at_most_five_candidates_are_buttons_one_row_of_them() -> None:
    view = answer_view(answer_with(Outcome.UNKNOWN, [f"claim-{n}" for n in range(7)]))

    candidates, feedback = rows(view)
    assert candidates == [f"dym:{QUERY_ID}:claim-{n}" for n in range(5)]
    assert len(feedback) == 2


def test_an_unknown_question_without_related_claims_gets_feedback_only() -> None:
    view = answer_view(answer_with(Outcome.UNKNOWN, []))

    assert rows(view) == [[f"fb:y:{QUERY_ID}", f"fb:n:{QUERY_ID}"]]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", ["Ver 1", "Ver 2", "Útil", "No útil"]),
        ("fa", ["نمایش ۱", "نمایش ۲", "مفید بود", "مفید نبود"]),
        ("other", ["Show 1", "Show 2", "Helpful", "Not helpful"]),
    ],
)
def test_button_labels_follow_the_askers_language(language: str, expected: list[str]) -> None:
    view = answer_view(answer_with(Outcome.AMBIGUOUS, ["claim-0", "claim-1"], language))

    assert labels(view) == expected
    suffix = f":{language}" if language in ("es", "fa") else ""
    assert custom_ids(view)[0] == f"dym:{QUERY_ID}:claim-0{suffix}"
    assert custom_ids(view)[-1] == f"fb:n:{QUERY_ID}{suffix}"


# -- clicks ---------------------------------------------------------------------------------


async def test_a_feedback_click_thanks_the_member_then_records_the_vote(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction(client=client_with_cog(cog))
    recorded_when_sent: list[int] = []
    interaction.response.send_message.side_effect = lambda *a, **k: recorded_when_sent.append(
        len(sink.records)
    )
    before = datetime.now(UTC)

    await FeedbackButton(QUERY_ID, helpful=False).callback(interaction)

    assert sent_text(interaction.response.send_message) == (
        "Thanks; the moderators will look at this one."
    )
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True
    assert recorded_when_sent == [0]
    [vote] = sink.records
    assert isinstance(vote, FeedbackRecord)
    assert (vote.query_id, vote.user_id, vote.helpful) == (QUERY_ID, str(USER_ID), False)
    assert before <= vote.given_at <= datetime.now(UTC)


async def test_a_helpful_vote_is_recorded_even_when_the_thanks_cannot_be_sent(
    cog: AskCog, sink: RecordingSink
) -> None:
    interaction = make_interaction(client=client_with_cog(cog))
    interaction.response.send_message.side_effect = http_error()

    with pytest.raises(discord.HTTPException):
        await FeedbackButton(QUERY_ID, helpful=True).callback(interaction)

    assert [(r.query_id, r.helpful) for r in sink.records if isinstance(r, FeedbackRecord)] == [
        (QUERY_ID, True)
    ]


async def test_a_click_without_the_ask_cog_loaded_fails_loudly() -> None:
    interaction = make_interaction(client=client_with_cog(None))

    with pytest.raises(RuntimeError, match="Ask cog is not loaded"):
        await FeedbackButton(QUERY_ID, helpful=True).callback(interaction)


async def test_a_choice_click_turns_the_message_into_that_claims_answer(
    cog: AskCog, sink: RecordingSink, knowledge: KnowledgeBase
) -> None:
    shown_title = "Q: what did \\*\\*Venezuela\\*\\* import?"
    message = make_message("", embeds=[discord.Embed(title=shown_title)])
    interaction = make_interaction(client=client_with_cog(cog), message=message)

    await ChoiceButton(QUERY_ID, ANSWERED_CLAIM_ID, "1. x").callback(interaction)

    embed = sent_embed(interaction.response.edit_message)
    claim = knowledge.claim(ANSWERED_CLAIM_ID)
    assert claim is not None
    assert embed.title == shown_title  # kept as shown, not escaped twice
    assert embed.fields[0].value == f"> {claim.citations[0].quote}"
    assert embed.footer.text is not None
    assert embed.footer.text.endswith(f"claim {ANSWERED_CLAIM_ID}")
    view = sent_kwargs(interaction.response.edit_message)["view"]
    assert [item.custom_id for item in view.children] == [f"fb:y:{QUERY_ID}", f"fb:n:{QUERY_ID}"]
    assert [type(r) for r in sink.records] == [PickRecord]  # no new question: a pick
    [pick] = sink.records
    assert isinstance(pick, PickRecord)
    assert (pick.query_id, pick.claim_id, pick.user_id) == (
        QUERY_ID,
        ANSWERED_CLAIM_ID,
        str(USER_ID),
    )


async def test_a_choice_click_on_a_message_without_an_embed_still_answers(cog: AskCog) -> None:
    interaction = make_interaction(client=client_with_cog(cog), message=None)

    await ChoiceButton(QUERY_ID, ANSWERED_CLAIM_ID, "1. x").callback(interaction)

    assert sent_embed(interaction.response.edit_message).title == "Q: (your question)"


async def test_a_choice_of_a_claim_since_removed_is_explained_privately(cog: AskCog) -> None:
    interaction = make_interaction(client=client_with_cog(cog))

    await ChoiceButton(QUERY_ID, "removed-claim", "1. removed-claim").callback(interaction)

    interaction.response.edit_message.assert_not_awaited()
    assert sent_text(interaction.response.send_message) == (
        "That claim is no longer in the knowledge base."
    )
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True


async def test_a_choice_click_that_fails_apologises_and_reraises(cog: AskCog) -> None:
    interaction = make_interaction(client=client_with_cog(cog))
    interaction.response.edit_message.side_effect = RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await ChoiceButton(QUERY_ID, ANSWERED_CLAIM_ID, "1. x").callback(interaction)

    assert sent_text(interaction.response.send_message) == APOLOGY


@pytest.mark.parametrize(
    ("language", "thanks"),
    [
        ("es", "Gracias; los moderadores revisarán esta respuesta."),
        ("fa", "ممنون؛ مدیران این پاسخ را بررسی می‌کنند."),
    ],
)
async def test_a_feedback_click_is_thanked_in_the_answers_language(
    cog: AskCog, sink: RecordingSink, language: str, thanks: str
) -> None:
    interaction = make_interaction(client=client_with_cog(cog))

    await FeedbackButton(QUERY_ID, False, language).callback(interaction)

    assert sent_text(interaction.response.send_message) == thanks
    [vote] = sink.records
    assert isinstance(vote, FeedbackRecord)
    assert (vote.query_id, vote.helpful) == (QUERY_ID, False)


async def test_a_pick_in_persian_answers_in_persian_with_the_quote_verbatim(
    cog: AskCog, sink: RecordingSink, knowledge: KnowledgeBase
) -> None:
    claim = knowledge.claim(ANSWERED_CLAIM_ID)
    assert claim is not None
    shown_title = "Q: ونزوئلا از ایران چه خرید؟"
    message = make_message("", embeds=[discord.Embed(title=shown_title)])
    interaction = make_interaction(client=client_with_cog(cog), message=message)

    await ChoiceButton(QUERY_ID, ANSWERED_CLAIM_ID, "نمایش ۱", "fa").callback(interaction)

    embed = sent_embed(interaction.response.edit_message)
    assert embed.title == shown_title
    assert embed.description == claim.translations["fa"]
    assert embed.fields[0].name is not None
    assert embed.fields[0].name.startswith("منبع: ")
    assert embed.fields[0].value == f"> {claim.citations[0].quote}"  # the source's own words
    assert embed.footer.text is not None
    assert embed.footer.text.startswith("اطمینان: بالا (۱۰۰ از ۱۰۰)")
    view = sent_kwargs(interaction.response.edit_message)["view"]
    assert [item.custom_id for item in view.children] == [
        f"fb:y:{QUERY_ID}:fa",
        f"fb:n:{QUERY_ID}:fa",
    ]
    [pick] = sink.records
    assert isinstance(pick, PickRecord)
    assert (pick.query_id, pick.claim_id) == (QUERY_ID, ANSWERED_CLAIM_ID)


async def test_a_pick_of_a_removed_claim_is_explained_in_the_askers_language(cog: AskCog) -> None:
    interaction = make_interaction(client=client_with_cog(cog))

    await ChoiceButton(QUERY_ID, "removed-claim", "Ver 1", "es").callback(interaction)

    assert sent_text(interaction.response.send_message) == (
        "Esa afirmación ya no está en la base de conocimiento."
    )
