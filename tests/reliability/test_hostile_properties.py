"""Property tests: for any string at all (lone surrogates included), the service never
raises, the outcome is one of the three, the logged question respects the cap, every
Discord payload fits Discord's limits, and nothing the bot sends can ping anyone.

The corpus in ``hostile_inputs.py`` covers the inputs people think of; hypothesis
covers the ones nobody thinks of. Deadlines are off: speed is measured in ``bench/``.
"""

from __future__ import annotations

import ast
import operator
from pathlib import Path
from typing import Any, cast
from unittest.mock import MagicMock

from discord.ext import commands
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering import MAX_QUESTION_CHARS, AnswerService, Asker
from bot.config import DiscordSettings
from bot.discordbot.client import KnowledgeBot
from bot.discordbot.cogs.mentions import MentionCog
from bot.discordbot.cooldown import QuestionCooldown
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher, Outcome
from bot.querylog import QueryRecord
from tests.discordbot.doubles import BOT_USER_ID, RecordingSink
from tests.reliability.answer_payloads import (
    HUGE,
    every_outcome,
    expected_question,
    payload_problems,
)
from tests.reliability.corpus_run import fake_message
from tests.reliability.discord_payloads import (
    allowed_mentions_problems,
    embed_problems,
    view_problems,
)

DISCORD_LAYER = Path(__file__).resolve().parents[2] / "bot" / "discordbot"

ANY_CHARACTER = st.characters() | st.characters(categories=["Cs"])
"""Any code point: ``st.characters()`` leaves surrogates out unless asked for them."""
QUESTIONS = st.text(ANY_CHARACTER) | st.builds(
    operator.mul, st.text(ANY_CHARACTER, min_size=1, max_size=12), st.integers(1, 1_000)
)
"""Short strings of anything, and long repetitive ones (past the cap, up to 12,000)."""

PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(question=QUESTIONS)
def test_for_any_text_the_service_answers_and_logs_within_the_cap(
    question: str, knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    sink = RecordingSink()

    answer = AnswerService(knowledge, matcher, sink).ask(question, Asker("test"))

    assert answer.outcome in set(Outcome)
    [record] = sink.records
    assert isinstance(record, QueryRecord)
    assert record.question == answer.question
    assert len(record.question) <= MAX_QUESTION_CHARS
    expected = expected_question(question)
    assert answer.question == expected[:MAX_QUESTION_CHARS]
    assert answer.truncated is (len(expected) > MAX_QUESTION_CHARS)
    record.question.encode("utf-8")  # storable in SQLite, printable by --json


@PROPERTY
@given(question=QUESTIONS)
def test_for_any_text_every_outcome_fits_discord_and_pings_nobody(
    question: str, knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    answer = AnswerService(knowledge, matcher).answer(question, Asker("test"))

    for kb in (knowledge, HUGE):
        for variant in every_outcome(answer, kb):
            assert payload_problems(variant, kb) == [], variant.outcome


@PROPERTY
@given(question=QUESTIONS)
async def test_for_any_text_a_mention_reply_fits_and_pings_nobody(
    question: str, knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    bot = MagicMock(spec=commands.Bot)
    bot.user.id = BOT_USER_ID
    cog = MentionCog(bot, AnswerService(knowledge, matcher), QuestionCooldown(10**9, 60.0))
    message = fake_message(f"<@{BOT_USER_ID}> {question}", mentions=[BOT_USER_ID])

    await cog.on_message(cast(Any, message))

    _, kwargs = message.reply.only()
    assert kwargs["mention_author"] is False
    assert allowed_mentions_problems(kwargs) == []
    if "embed" in kwargs:
        assert embed_problems(kwargs["embed"]) + view_problems(kwargs["view"]) == []


def test_the_client_allows_no_mention_of_anyone(knowledge: KnowledgeBase, matcher: Matcher) -> None:
    bot = KnowledgeBot(
        AnswerService(knowledge, matcher), RecordingSink(), DiscordSettings(token="x" * 24)
    )

    allowed = bot.allowed_mentions

    assert allowed is not None
    assert (allowed.everyone, allowed.users, allowed.roles, allowed.replied_user) == (
        False,
        False,
        False,
        False,
    )
    assert dict(allowed.to_dict()) == {"parse": []}


SENDS = {"send", "send_message", "reply", "edit_message", "edit", "edit_original_response"}


def _send_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SENDS
    ]


def test_no_send_in_the_discord_layer_overrides_the_client_to_allow_a_ping() -> None:
    """Every reply, followup and edit in the cogs and views relies on the client-wide
    "none"; an override could only make it weaker, so none may enable anything."""
    offending: list[str] = []
    sends = 0
    for path in sorted(DISCORD_LAYER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _send_calls(tree):
            sends += 1
            where = f"{path.relative_to(DISCORD_LAYER)}:{call.lineno}"
            for keyword in call.keywords:
                value = ast.unparse(keyword.value)
                if keyword.arg is None:
                    offending.append(f"{where}: **{value} could carry allowed_mentions")
                elif (
                    keyword.arg == "allowed_mentions" and value != "discord.AllowedMentions.none()"
                ):
                    offending.append(f"{where}: allowed_mentions={value}")
                elif keyword.arg == "mention_author" and value != "False":
                    offending.append(f"{where}: mention_author={value}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("AllowedMentions"):
                offending.append(f"{path.name}:{node.lineno}: builds AllowedMentions(...)")

    assert sends >= 10  # the scan does see the cogs' replies
    assert offending == []
