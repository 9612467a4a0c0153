"""The Mentions cog: which messages are questions for the bot, and how it replies."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from discord.ext import commands

from bot.answering import AnswerService
from bot.discordbot.cogs.mentions import HINT, MentionCog, looks_like_question
from bot.discordbot.cooldown import QuestionCooldown
from bot.discordbot.views import FeedbackButton
from bot.querylog.records import QueryRecord
from tests.discordbot.doubles import (
    ANSWERED_CLAIM_ID,
    ANSWERED_QUESTION,
    BOT_USER_ID,
    CHANNEL_ID,
    GUILD_ID,
    OTHER_USER_ID,
    USER_ID,
    FakeClock,
    RecordingSink,
    make_message,
    sent_embed,
    sent_kwargs,
    sent_text,
)

LISTENED_CHANNEL_ID = 666_666_666_666_666_666


def make_cog(
    service: AnswerService,
    cooldown: QuestionCooldown,
    listen: frozenset[int] = frozenset(),
    *,
    logged_in: bool = True,
) -> MentionCog:
    bot = MagicMock(spec=commands.Bot)
    if logged_in:
        bot.user.id = BOT_USER_ID
    else:
        bot.user = None
    return MentionCog(bot, service, cooldown, listen)


@pytest.fixture
def mentions(service: AnswerService, cooldown: QuestionCooldown) -> MentionCog:
    return make_cog(service, cooldown, frozenset({LISTENED_CHANNEL_ID}))


# -- question_in --------------------------------------------------------------------------


@pytest.mark.parametrize("mention", [f"<@{BOT_USER_ID}>", f"<@!{BOT_USER_ID}>"])
def test_a_mention_is_a_question_without_the_mention(mentions: MentionCog, mention: str) -> None:
    message = make_message(f"{mention} {ANSWERED_QUESTION}", mentions=[BOT_USER_ID])

    assert mentions.question_in(message) == ANSWERED_QUESTION


def test_a_mention_anywhere_in_the_text_is_stripped(mentions: MentionCog) -> None:
    message = make_message(f"hey <@{BOT_USER_ID}>, what about oil?", mentions=[BOT_USER_ID])

    assert mentions.question_in(message) == "hey  , what about oil?"


def test_a_reply_to_the_bot_is_a_question(mentions: MentionCog) -> None:
    message = make_message("and in 2021?", replied_to_author_id=BOT_USER_ID)

    assert mentions.question_in(message) == "and in 2021?"


def test_a_reply_to_someone_else_is_not_for_the_bot(mentions: MentionCog) -> None:
    message = make_message("and in 2021?", replied_to_author_id=OTHER_USER_ID)

    assert mentions.question_in(message) is None


def test_a_bare_mention_is_an_empty_question(mentions: MentionCog) -> None:
    message = make_message(f"  <@{BOT_USER_ID}>  ", mentions=[BOT_USER_ID])

    assert mentions.question_in(message) == ""


def test_messages_from_other_bots_are_ignored(mentions: MentionCog) -> None:
    message = make_message(
        f"<@{BOT_USER_ID}> {ANSWERED_QUESTION}",
        author_id=OTHER_USER_ID,
        author_is_bot=True,
        mentions=[BOT_USER_ID],
    )

    assert mentions.question_in(message) is None


def test_the_bots_own_messages_are_ignored(mentions: MentionCog) -> None:
    message = make_message(
        f"<@{BOT_USER_ID}> {ANSWERED_QUESTION}", author_id=BOT_USER_ID, mentions=[BOT_USER_ID]
    )

    assert mentions.question_in(message) is None


def test_nothing_is_a_question_before_the_bot_has_logged_in(
    service: AnswerService, cooldown: QuestionCooldown
) -> None:
    cog = make_cog(service, cooldown, logged_in=False)
    message = make_message(f"<@{BOT_USER_ID}> {ANSWERED_QUESTION}", mentions=[BOT_USER_ID])

    assert cog.question_in(message) is None


def test_a_message_mentioning_someone_else_is_not_for_the_bot(mentions: MentionCog) -> None:
    message = make_message(f"<@{OTHER_USER_ID}> {ANSWERED_QUESTION}", mentions=[OTHER_USER_ID])

    assert mentions.question_in(message) is None


@pytest.mark.parametrize(
    "text",
    [
        ANSWERED_QUESTION,
        "Venezuela imported gasoline?",
        "how did Iran help",
        "¿Qué importó Venezuela?",
    ],
)
def test_a_listened_channel_answers_question_like_text(mentions: MentionCog, text: str) -> None:
    message = make_message(text, channel_id=LISTENED_CHANNEL_ID)

    assert mentions.question_in(message) == text


@pytest.mark.parametrize("text", ["nice weather today", "Iran and Venezuela.", "lol", ""])
def test_a_listened_channel_ignores_chatter(mentions: MentionCog, text: str) -> None:
    message = make_message(text, channel_id=LISTENED_CHANNEL_ID)

    assert mentions.question_in(message) is None


def test_other_channels_are_not_listened_to(mentions: MentionCog) -> None:
    message = make_message(ANSWERED_QUESTION, channel_id=CHANNEL_ID)

    assert mentions.question_in(message) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is the oil?", True),
        ("the oil is where?  ", True),
        ("WHAT about oil", True),
        ("whatever you say", False),
        ("Is", True),
        ("Island nations", False),
    ],
)
def test_looks_like_question(text: str, expected: bool) -> None:
    assert looks_like_question(text) is expected


# -- on_message -----------------------------------------------------------------------------


async def test_a_mention_gets_the_answer_as_a_reply_that_pings_nobody(
    mentions: MentionCog, sink: RecordingSink
) -> None:
    message = make_message(f"<@{BOT_USER_ID}> {ANSWERED_QUESTION}", mentions=[BOT_USER_ID])

    await mentions.on_message(message)

    kwargs = sent_kwargs(message.reply)
    assert kwargs["mention_author"] is False
    assert sent_embed(message.reply).title == f"Q: {ANSWERED_QUESTION}"
    assert all(isinstance(item, FeedbackButton) for item in kwargs["view"].children)
    [record] = sink.records
    assert isinstance(record, QueryRecord)
    assert (record.adapter, record.claim_id) == ("discord", ANSWERED_CLAIM_ID)
    assert (record.user_id, record.guild_id, record.channel_id) == (
        str(USER_ID),
        str(GUILD_ID),
        str(CHANNEL_ID),
    )


async def test_the_reply_is_recorded_after_it_is_sent_and_even_if_it_fails(
    mentions: MentionCog, sink: RecordingSink
) -> None:
    message = make_message(f"<@{BOT_USER_ID}> {ANSWERED_QUESTION}", mentions=[BOT_USER_ID])
    recorded_when_sent: list[int] = []

    def fail(*args: object, **kwargs: object) -> None:
        recorded_when_sent.append(len(sink.records))
        raise RuntimeError("Discord is down")

    message.reply.side_effect = fail

    with pytest.raises(RuntimeError):
        await mentions.on_message(message)

    assert recorded_when_sent == [0]
    assert len(sink.records) == 1


async def test_a_bare_mention_gets_a_hint(mentions: MentionCog, sink: RecordingSink) -> None:
    message = make_message(f"<@{BOT_USER_ID}>", mentions=[BOT_USER_ID])

    await mentions.on_message(message)

    assert sent_text(message.reply) == HINT
    assert sent_kwargs(message.reply)["mention_author"] is False
    assert sink.records == []


async def test_a_message_not_for_the_bot_gets_nothing(
    mentions: MentionCog, sink: RecordingSink
) -> None:
    message = make_message("just chatting", channel_id=CHANNEL_ID)

    await mentions.on_message(message)

    message.reply.assert_not_awaited()
    assert sink.records == []


async def test_mentions_share_the_members_question_budget(
    mentions: MentionCog, sink: RecordingSink, clock: FakeClock
) -> None:
    def ask() -> MagicMock:
        return make_message(f"<@{BOT_USER_ID}> {ANSWERED_QUESTION}", mentions=[BOT_USER_ID])

    for _ in range(2):  # the fixture's cooldown allows two questions a minute
        await mentions.on_message(ask())
    clock.advance(15.0)
    refused = ask()

    await mentions.on_message(refused)

    assert (
        sent_text(refused.reply)
        == "You're asking quickly! Please wait 45 s before the next question."
    )
    kwargs = sent_kwargs(refused.reply)
    assert kwargs["mention_author"] is False
    assert kwargs["delete_after"] > 0
    assert len(sink.records) == 2  # the refused question was not answered, so not recorded

    clock.advance(45.5)
    answered = ask()
    await mentions.on_message(answered)
    assert sent_embed(answered.reply).title == f"Q: {ANSWERED_QUESTION}"
