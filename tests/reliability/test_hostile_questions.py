"""Every hostile question in the corpus, through every door: the service, the query log,
the Discord embeds, buttons and cogs, and the command line.

For each one: nothing raises, the outcome is one of the three, the logged question is
at most :data:`MAX_QUESTION_CHARS` (and the answer says when it was cut), every
Discord payload fits Discord's limits, and no text the bot sends could ping anyone.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, cast
from unittest.mock import MagicMock

from discord.ext import commands

from bot.answering import MAX_QUESTION_CHARS, AnswerService, Asker
from bot.discordbot.cogs.ask import AskCog
from bot.discordbot.cogs.mentions import HINT, MentionCog
from bot.discordbot.cooldown import QuestionCooldown
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher, Outcome
from bot.querylog import QueryLog, QueryRecord
from tests.discordbot.doubles import BOT_USER_ID, RecordingSink, invoke
from tests.helpers import query_db
from tests.reliability.answer_payloads import (
    HUGE,
    every_outcome,
    expected_question,
    payload_problems,
)
from tests.reliability.corpus_run import (
    async_failures,
    failures,
    fake_interaction,
    fake_message,
    report,
)
from tests.reliability.discord_payloads import (
    allowed_mentions_problems,
    choice_problems,
    content_problems,
    embed_problems,
    view_problems,
)
from tests.reliability.hostile_inputs import CORPUS, HOSTILE_INPUTS, KIND_COUNTS, has_surrogate

PROJECT = Path(__file__).resolve().parents[2]


def test_the_corpus_has_200_distinct_inputs_of_every_kind() -> None:
    assert len(HOSTILE_INPUTS) >= 200
    assert len(HOSTILE_INPUTS) == len(CORPUS)  # no duplicates hiding in the count
    assert all(count >= 5 for count in KIND_COUNTS.values()), KIND_COUNTS
    assert any(len(text) >= 10_000 for text in HOSTILE_INPUTS)
    assert any(has_surrogate(text) for text in HOSTILE_INPUTS)


def service_problems(text: str, service: AnswerService, sink: RecordingSink) -> list[str]:
    sink.records.clear()
    answer = service.ask(text, Asker("test", user_id="1"))
    [record] = sink.records
    assert isinstance(record, QueryRecord)
    expected = expected_question(text)
    checks = {
        "outcome is one of the three": answer.outcome in set(Outcome),
        "the log holds the answer's question": record.question == answer.question,
        "the logged question is at most the cap": len(record.question) <= MAX_QUESTION_CHARS,
        "the question is the input, collapsed and cut": (
            answer.question == expected[:MAX_QUESTION_CHARS]
        ),
        "truncated exactly when longer than the cap": (
            answer.truncated is (len(expected) > MAX_QUESTION_CHARS)
        ),
    }
    json.dumps(answer.to_json(), ensure_ascii=False).encode("utf-8")  # the --json contract
    return [name for name, passed in checks.items() if not passed]


def test_the_service_answers_and_logs_every_input_within_the_cap(
    knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    sink = RecordingSink()
    service = AnswerService(knowledge, matcher, sink)

    found = failures(lambda text: service_problems(text, service, sink))
    assert not found, report(found)


async def test_every_hostile_question_is_stored_and_none_is_dropped(
    tmp_path: Path, knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    db = tmp_path / "queries.sqlite3"
    query_log = await QueryLog.open(db, retry_delay=0)
    try:
        service = AnswerService(knowledge, matcher, query_log)
        answers = [service.ask(text, Asker("test")) for text in HOSTILE_INPUTS]
        async with asyncio.timeout(10):
            await query_log.flush()
        assert query_log.dropped == 0
    finally:
        await query_log.close()

    stored = dict(query_db(db, "SELECT id, question FROM queries"))
    assert stored == {answer.query_id: answer.question for answer in answers}


def test_every_outcome_of_every_input_fits_discord_and_pings_nobody(
    knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    service = AnswerService(knowledge, matcher)

    def problems(text: str) -> list[str]:
        answer = service.answer(text, Asker("test"))
        return [
            f"{variant.outcome.value} ({kb.version}): {problem}"
            for kb in (knowledge, HUGE)
            for variant in every_outcome(answer, kb)
            for problem in payload_problems(variant, kb)
        ]

    found = failures(problems)
    assert not found, report(found)


async def test_a_mention_gets_a_reply_that_fits_and_pings_nobody(
    knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    sink = RecordingSink()
    bot = MagicMock(spec=commands.Bot)
    bot.user.id = BOT_USER_ID
    cog = MentionCog(bot, AnswerService(knowledge, matcher, sink), QuestionCooldown(10**9, 60.0))

    async def problems(text: str) -> list[str]:
        sink.records.clear()
        message = fake_message(f"<@{BOT_USER_ID}> {text}", mentions=[BOT_USER_ID])
        await cog.on_message(cast(Any, message))
        args, kwargs = message.reply.only()
        found = allowed_mentions_problems(kwargs)
        if kwargs.get("mention_author") is not False:
            found.append("the reply does not say mention_author=False")
        if not text.strip():
            return found + ([] if args == (HINT,) and not sink.records else ["no hint"])
        found += embed_problems(kwargs["embed"]) + view_problems(kwargs["view"])
        if [type(r) for r in sink.records] != [QueryRecord]:
            found.append(f"recorded {sink.records!r}")
        return found

    found = await async_failures(problems)
    assert not found, report(found)


async def test_the_ask_cog_echoes_hostile_text_safely(
    knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    """The message menu, /search, /claim and its autocomplete all echo what was typed."""
    service = AnswerService(knowledge, matcher, RecordingSink())
    cog = AskCog(MagicMock(spec=commands.Bot), service, QuestionCooldown(10**9, 60.0))
    autocomplete = cast(Any, AskCog.claim_id_choices)

    async def problems(text: str) -> list[str]:
        menu = fake_interaction()
        await cog.ask_about_message(cast(Any, menu), cast(Any, fake_message(text)))
        args, kwargs = menu.response.send_message.only()
        found = allowed_mentions_problems(kwargs)
        if "embed" in kwargs:
            found += embed_problems(kwargs["embed"]) + view_problems(kwargs["view"])
        else:
            found += ([] if not text.strip() else ["no answer"]) + content_problems(args[0])
        for command, option in ((cog.search, "query"), (cog.claim, "id")):
            interaction = fake_interaction()
            await invoke(command, cog, cast(Any, interaction), **{option: text})
            args, kwargs = interaction.response.send_message.only()
            found += allowed_mentions_problems(kwargs) + content_problems(args[0])
        return found + choice_problems(await autocomplete(cog, fake_interaction(), text))

    found = await async_failures(problems)
    assert not found, report(found)


def test_the_cli_answers_each_line_with_one_json_object() -> None:
    """``python -m bot ask --json`` on standard input, with stdin and stdout strict UTF-8.

    Lone surrogates go in as the bytes a broken client would send (``surrogatepass``);
    ``PYTHONIOENCODING=utf-8`` makes Python read and write strictly, as it does in
    most UTF-8 locales, so a bad byte cannot hide behind ``surrogateescape``.
    """
    fed = [text for text in HOSTILE_INPUTS if "\n" not in text]
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "DISCORD_", "PYTHONIOENCODING"))
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--no-log"],
        cwd=PROJECT,
        env=environment | {"PYTHONIOENCODING": "utf-8"},
        input="".join(f"{text}\n" for text in fed).encode("utf-8", "surrogatepass"),
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert result.stderr == b""
    lines = result.stdout.decode("utf-8").split("\n")  # strict: only valid UTF-8 passes
    assert lines.pop() == ""
    objects = [json.loads(line) for line in lines]
    asked = [text for text in fed if text.strip()]
    assert len(objects) == len(asked)
    for text, data in zip(asked, objects, strict=True):
        assert data["outcome"] in {outcome.value for outcome in Outcome}
        assert data["answered"] is (data["outcome"] == "answered")
        as_read = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        assert data["question"] == expected_question(as_read)[:MAX_QUESTION_CHARS]
