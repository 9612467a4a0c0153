"""The real KnowledgeBot, in process, against the fake Discord server.

Each test runs the bot's own command tree, cogs, views and HTTP code; what a member
would see is the body of the bot's REST calls, and what the bot recorded is in the
query log's SQLite file.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.answering import AnswerService
from bot.config import DiscordSettings, default_knowledge_dir
from bot.discordbot.client import KnowledgeBot
from bot.knowledge.loader import load_knowledge
from bot.matching import DEFAULT_THRESHOLDS, Outcome, build_matcher
from bot.querylog import LogRecord, QueryLog
from tests.discordbot.doubles import (
    AMBIGUOUS_CANDIDATES,
    ANSWERED_CLAIM_ID,
    ANSWERED_QUESTION,
    UNKNOWN_CANDIDATES,
    UNRELATED_QUESTION,
    first_question_with,
)
from tests.e2e.conftest import running_bot
from tests.fake_discord import FakeDiscord, Json, RecordedRequest, option

KNOWLEDGE = load_knowledge(default_knowledge_dir())
MATCHER = build_matcher(KNOWLEDGE)
ANSWERED_QUOTE = "In 2020, Venezuela imported gasoline and other refined products from Iran"
EPHEMERAL = 1 << 6


class ObservedLog:
    """The real query log, plus a way to wait until the bot has recorded something.

    The bot records an answer after Discord has accepted the reply, so a test that
    has just seen the reply must wait for the record before it reads the database.
    """

    def __init__(self, query_log: QueryLog) -> None:
        self.query_log = query_log
        self.count = 0
        self._recorded = asyncio.Event()

    def record(self, record: LogRecord) -> None:
        self.query_log.record(record)
        self.count += 1
        self._recorded.set()

    async def rows(self, sql: str, *, records: int = 1) -> list[tuple[Any, ...]]:
        """Rows of the log once ``records`` records have been given and all are written."""
        async with asyncio.timeout(5.0):
            while self.count < records:
                self._recorded.clear()
                await self._recorded.wait()
        await self.query_log.flush()
        async with self.query_log.connection.execute(sql) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


@pytest.fixture
async def query_log(tmp_path: Path) -> AsyncIterator[ObservedLog]:
    log = await QueryLog.open(tmp_path / "queries.sqlite3")
    yield ObservedLog(log)
    await log.close()


def make_bot(query_log: ObservedLog) -> KnowledgeBot:
    service = AnswerService(KNOWLEDGE, MATCHER, query_log)
    return KnowledgeBot(service, query_log, DiscordSettings(token="fake-token"))


@pytest.fixture
async def knowledge_bot(
    fake_discord: FakeDiscord, query_log: ObservedLog
) -> AsyncIterator[KnowledgeBot]:
    async with running_bot(make_bot(query_log), fake_discord) as bot:
        yield bot


def buttons(data: Json) -> list[str]:
    """The custom_ids of the buttons in a message body, in order."""
    return [
        component["custom_id"]
        for row in data.get("components") or []
        for component in row.get("components") or []
    ]


def channel_posts(fake: FakeDiscord) -> list[RecordedRequest]:
    path = f"/channels/{fake.channel_id}/messages"
    return [r for r in fake.requests if r.method == "POST" and r.path == path]


async def ask(fake: FakeDiscord, question: str) -> Json:
    handle = await fake.send_slash_command("ask", [option("question", question)])
    return await handle.callback()


# -- /ask -------------------------------------------------------------------------------------


async def test_ask_answers_with_the_verbatim_quote_and_pings_nobody(
    fake_discord: FakeDiscord, query_log: ObservedLog, knowledge_bot: KnowledgeBot
) -> None:
    body = await ask(fake_discord, ANSWERED_QUESTION)

    assert body["type"] == 4
    data = body["data"]
    assert data["allowed_mentions"] == {"parse": []}
    embed = data["embeds"][0]
    assert embed["title"] == f"Q: {ANSWERED_QUESTION}"
    assert any(
        f["value"].startswith(f"> {ANSWERED_QUOTE}") and f["name"].startswith("Source: ")
        for f in embed["fields"]
    )
    assert embed["footer"]["text"].startswith("Confidence: high")
    assert await query_log.rows("SELECT adapter, outcome, claim_id FROM queries") == [
        ("discord", "answered", ANSWERED_CLAIM_ID)
    ]
    assert fake_discord.unknown_route_requests == []


async def test_ask_about_something_unknown_says_so_and_logs_it(
    fake_discord: FakeDiscord, query_log: ObservedLog, knowledge_bot: KnowledgeBot
) -> None:
    found = first_question_with(
        knowledge_bot.service, Outcome.UNKNOWN, [UNRELATED_QUESTION, *UNKNOWN_CANDIDATES]
    )
    assert found is not None, "none of the candidate questions is unknown to the knowledge base"

    body = await ask(fake_discord, found.question)

    embed = body["data"]["embeds"][0]
    assert embed["description"].startswith("I don't know that from my sources.")
    assert "fields" not in embed or embed["fields"] == []
    assert await query_log.rows("SELECT question, outcome FROM queries") == [
        (found.question, "unknown")
    ]


async def test_did_you_mean_offers_choices_and_a_click_answers_in_place(
    fake_discord: FakeDiscord, knowledge_bot: KnowledgeBot
) -> None:
    ambiguous = first_question_with(knowledge_bot.service, Outcome.AMBIGUOUS, AMBIGUOUS_CANDIDATES)
    if ambiguous is not None:
        asked = await ask(fake_discord, ambiguous.question)
        title = asked["data"]["embeds"][0]["title"]
        choices = [c for c in buttons(asked["data"]) if c.startswith("dym:")]
        feedback = [c for c in buttons(asked["data"]) if c.startswith("fb:")]
        assert 2 <= len(choices) <= 3
        assert len(feedback) == 2
        chosen = choices[1]
    else:  # the matcher no longer finds any of them ambiguous: click a built choice
        title = None
        second_claim = KNOWLEDGE.claims[1].id
        assert KNOWLEDGE.claims[0].id != second_claim
        chosen = f"dym:{'0' * 16}:{second_claim}"
    claim = KNOWLEDGE.claim(chosen.rsplit(":", 1)[1])
    assert claim is not None

    clicked = await fake_discord.click_button(chosen)

    body = await clicked.callback()
    assert body["type"] == 7  # the answer replaces the question in the same message
    embed = body["data"]["embeds"][0]
    if title is not None:
        assert embed["title"] == title
    assert embed["fields"][0]["value"].startswith(f"> {claim.citations[0].quote[:50]}")
    assert embed["footer"]["text"].endswith(f"claim {claim.id}")
    assert [c for c in buttons(body["data"]) if c.startswith("dym:")] == []


async def test_i_dont_know_offers_the_related_claims_as_buttons_and_a_click_answers_and_is_logged(
    fake_discord: FakeDiscord, query_log: ObservedLog
) -> None:
    # Nothing scores 101: every question is unknown, and the near claims are "related".
    strict = build_matcher(KNOWLEDGE, dataclasses.replace(DEFAULT_THRESHOLDS, answer=101.0))
    bot = KnowledgeBot(
        AnswerService(KNOWLEDGE, strict, query_log), query_log, DiscordSettings(token="fake-token")
    )
    async with running_bot(bot, fake_discord):
        asked = await ask(fake_discord, "¿Qué importó Venezuela de Irán en 2020?")
        related = [c for c in buttons(asked["data"]) if c.startswith("dym:")]
        [(query_id,)] = await query_log.rows("SELECT id FROM queries")
        chosen = f"dym:{query_id}:{ANSWERED_CLAIM_ID}:es"

        clicked = await fake_discord.click_button(chosen)
        body = await clicked.callback()
        picks = await query_log.rows("SELECT query_id, claim_id, user_id FROM picks", records=2)

    embed = asked["data"]["embeds"][0]
    assert embed["description"].startswith("Mis fuentes no dicen nada sobre eso.")
    assert 1 <= len(related) <= 5
    assert chosen in related
    labels = [c["label"] for row in asked["data"]["components"] for c in row["components"]]
    assert labels[: len(related)] == [f"Ver {n}" for n in range(1, len(related) + 1)]
    assert body["type"] == 7  # the answer replaces the "I don't know" in the same message
    answer = body["data"]["embeds"][0]
    claim = KNOWLEDGE.claim(ANSWERED_CLAIM_ID)
    assert claim is not None
    assert answer["title"] == embed["title"]
    assert answer["description"] == claim.translations["es"]
    assert answer["fields"][0]["value"].startswith(f"> {ANSWERED_QUOTE}")
    assert [c for c in buttons(body["data"]) if c.startswith("dym:")] == []
    assert picks == [(query_id, ANSWERED_CLAIM_ID, str(fake_discord.default_user.id))]


async def test_pings_in_a_question_are_escaped_and_never_allowed(
    fake_discord: FakeDiscord, knowledge_bot: KnowledgeBot
) -> None:
    role = fake_discord.member_role_id
    question = f"@everyone <@&{role}> **What** did Venezuela import from Iran in 2020?"

    body = await ask(fake_discord, question)

    data = body["data"]
    assert data["allowed_mentions"] == {"parse": []}
    title = data["embeds"][0]["title"]
    assert title.startswith(f"Q: @\u200beveryone <@\u200b&{role}> \\*\\*What\\*\\* did")
    assert "@everyone" not in title
    assert f"<@&{role}>" not in title


async def test_a_helpful_click_is_stored_against_the_question(
    fake_discord: FakeDiscord, query_log: ObservedLog, knowledge_bot: KnowledgeBot
) -> None:
    asked = await ask(fake_discord, ANSWERED_QUESTION)
    [helpful] = [c for c in buttons(asked["data"]) if c.startswith("fb:y:")]

    clicked = await fake_discord.click_button(helpful)

    body = await clicked.callback()
    assert body["data"]["content"] == "Thanks, noted."
    assert body["data"]["flags"] & EPHEMERAL
    [(query_id,)] = await query_log.rows("SELECT id FROM queries")
    assert helpful == f"fb:y:{query_id}"
    assert await query_log.rows("SELECT query_id, user_id, helpful FROM feedback", records=2) == [
        (query_id, str(fake_discord.default_user.id), 1)
    ]


async def test_a_click_on_an_answer_sent_before_a_restart_still_counts(
    fake_discord: FakeDiscord, query_log: ObservedLog, knowledge_bot: KnowledgeBot
) -> None:
    # This bot process never sent the message: only the registered dynamic items know the id.
    query_id = "00112233445566ff"

    clicked = await fake_discord.click_button(f"fb:n:{query_id}")

    body = await clicked.callback()
    assert body["data"]["content"] == "Thanks; the moderators will look at this one."
    assert await query_log.rows("SELECT query_id, helpful FROM feedback") == [(query_id, 0)]


async def test_ask_still_answers_after_the_gateway_drops(
    fake_discord: FakeDiscord, knowledge_bot: KnowledgeBot
) -> None:
    await fake_discord.drop_gateway()
    await fake_discord.wait_until_resumed()

    body = await ask(fake_discord, ANSWERED_QUESTION)

    assert body["data"]["embeds"][0]["fields"][0]["value"].startswith(f"> {ANSWERED_QUOTE}")


# -- /claim autocomplete and the message menu -------------------------------------------------


async def test_claim_autocomplete_offers_the_typed_id_first(
    fake_discord: FakeDiscord, knowledge_bot: KnowledgeBot
) -> None:
    handle = await fake_discord.send_autocomplete(
        "claim", [option("id", ANSWERED_CLAIM_ID, focused=True)]
    )

    body = await handle.callback()

    assert body["type"] == 8
    choices = body["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == ANSWERED_CLAIM_ID
    assert all(len(c["name"]) <= 100 and KNOWLEDGE.claim(c["value"]) for c in choices)


async def test_the_message_menu_answers_the_selected_message(
    fake_discord: FakeDiscord, query_log: ObservedLog, knowledge_bot: KnowledgeBot
) -> None:
    handle = await fake_discord.send_message_context_command(
        "Ask the knowledge base", ANSWERED_QUESTION
    )

    body = await handle.callback()

    assert body["data"]["embeds"][0]["title"] == f"Q: {ANSWERED_QUESTION}"
    assert await query_log.rows("SELECT claim_id FROM queries") == [(ANSWERED_CLAIM_ID,)]


# -- mentions ---------------------------------------------------------------------------------


async def test_a_mention_gets_a_reply_to_the_question_that_pings_nobody(
    fake_discord: FakeDiscord, query_log: ObservedLog, knowledge_bot: KnowledgeBot
) -> None:
    question_id = await fake_discord.send_message(ANSWERED_QUESTION, mentions_bot=True)

    reply = await fake_discord.wait_for_request(lambda r: r in channel_posts(fake_discord))

    body = reply.json
    assert int(body["message_reference"]["message_id"]) == question_id
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert body["embeds"][0]["fields"][0]["value"].startswith(f"> {ANSWERED_QUOTE}")
    assert [c[:5] for c in buttons(body)] == ["fb:y:", "fb:n:"]
    assert await query_log.rows("SELECT adapter, user_id, claim_id FROM queries") == [
        ("discord", str(fake_discord.default_user.id), ANSWERED_CLAIM_ID)
    ]


async def test_a_message_from_another_bot_is_ignored(
    fake_discord: FakeDiscord, knowledge_bot: KnowledgeBot
) -> None:
    await fake_discord.send_message(ANSWERED_QUESTION, mentions_bot=True, author_is_bot=True)
    human_id = await fake_discord.send_message(ANSWERED_QUESTION, mentions_bot=True)

    await fake_discord.wait_for_request(lambda r: r in channel_posts(fake_discord))

    # Events are handled in order: had the bot answered the first, that reply would be here.
    references = [
        int(r.json["message_reference"]["message_id"]) for r in channel_posts(fake_discord)
    ]
    assert references == [human_id]


# -- registering the commands -----------------------------------------------------------------


async def test_the_sync_payload_names_and_describes_every_command(
    fake_discord: FakeDiscord, knowledge_bot: KnowledgeBot
) -> None:
    await knowledge_bot.tree.sync()

    by_name = {c["name"]: c for c in fake_discord.registered_commands}
    members = ("ask", "search", "claim", "sources", "help", "forget-me")
    assert set(by_name) == {*members, "Ask the knowledge base"}
    assert by_name["Ask the knowledge base"]["type"] == 3  # a message context menu
    for name in members:
        assert by_name[name]["type"] == 1
        assert 1 <= len(by_name[name]["description"]) <= 100
    assert (
        by_name["ask"]["description"]
        == "Ask a question; the answer quotes the source it comes from."
    )
    [question] = by_name["ask"]["options"]
    assert (question["name"], question["type"], question["required"]) == ("question", 3, True)
    assert (question["min_length"], question["max_length"]) == (1, 500)
    assert question["description"]
    [claim_id] = by_name["claim"]["options"]
    assert claim_id["autocomplete"] is True
