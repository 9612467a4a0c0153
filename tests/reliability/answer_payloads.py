"""What the bot would send for an answer, and what it should have made of a question.

Shared by the corpus tests and the property tests of hostile questions.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.answering import MAX_QUESTION_CHARS, Answer
from bot.discordbot.embeds import answer_embed
from bot.discordbot.views import answer_view
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Outcome, ScoredClaim
from bot.messages import message
from tests.discordbot.doubles import knowledge_of, make_claim
from tests.reliability.discord_payloads import embed_problems, view_problems

BUTTON_ID = re.compile(r"(?:fb:[yn]:[0-9a-f]{16}|dym:[0-9a-f]{16}:[a-z0-9-]{1,64})(?::es|:fa)?")
"""The custom_ids the bot's dynamic buttons parse back after a restart (a Spanish or
Persian answer's end in its language)."""


def repaired(text: str) -> str:
    """``text`` as the bot must see it: surrogate pairs joined, lone surrogates U+FFFD.

    Written independently of ``bot.answering.well_formed``, as the test's oracle.
    """
    out: list[str] = []
    index = 0
    while index < len(text):
        code = ord(text[index])
        following = ord(text[index + 1]) if index + 1 < len(text) else 0
        if 0xD800 <= code <= 0xDBFF and 0xDC00 <= following <= 0xDFFF:
            out.append(chr(0x10000 + ((code - 0xD800) << 10) + (following - 0xDC00)))
            index += 2
            continue
        out.append("\ufffd" if 0xD800 <= code <= 0xDFFF else text[index])
        index += 1
    return "".join(out)


def expected_question(text: str) -> str:
    """What the service logs: whitespace collapsed, then cut to the cap."""
    return " ".join(repaired(text).split())


def huge_knowledge() -> KnowledgeBase:
    """Claims far beyond what curators write, so only the embed code keeps them in bounds."""
    claims = [
        make_claim(
            f"{letter}{'-abcdefg' * 7}z",  # 63 characters: the longest id a slug allows
            statement="S" * 5_000,
            quotes=[f"quote {n} " + "q" * 2_000 for n in range(30)],
            note="N" * 3_000,
        )
        for letter in "abc"
    ]
    return knowledge_of(claims)


HUGE = huge_knowledge()


def every_outcome(answer: Answer, knowledge: KnowledgeBase) -> list[Answer]:
    """``answer`` as given, then as each of the three outcomes with the largest claims."""
    claims = sorted(
        knowledge.claims,
        key=lambda c: len(c.statement) + sum(len(q.quote) for q in c.citations),
        reverse=True,
    )
    return [
        answer,
        replace(answer, outcome=Outcome.ANSWERED, matches=(ScoredClaim(claims[0], 97.0),)),
        replace(
            answer,
            outcome=Outcome.AMBIGUOUS,
            matches=tuple(ScoredClaim(c, 80.0) for c in claims[:3]),
        ),
        replace(
            answer, outcome=Outcome.UNKNOWN, matches=tuple(ScoredClaim(c, 40.0) for c in claims[:5])
        ),
    ]


def payload_problems(answer: Answer, knowledge: KnowledgeBase) -> list[str]:
    """Everything wrong with the embed and buttons the bot would send for ``answer``."""
    embed = answer_embed(answer, knowledge)
    view = answer_view(answer)
    problems = embed_problems(embed) + view_problems(view)
    for row in view.to_components():
        for item in row["components"]:
            if not BUTTON_ID.fullmatch(item["custom_id"]):
                problems.append(f"a button no restart can parse: {item['custom_id']!r}")
    notice = message("truncated", answer.language, limit=MAX_QUESTION_CHARS)
    if answer.truncated and notice not in str(embed.description):
        problems.append("a truncated question without the notice")
    return problems
