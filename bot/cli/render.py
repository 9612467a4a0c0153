"""Plain-text rendering of answers for the terminal, in the asker's language (the bot's
words from :mod:`bot.messages`, a claim's statement in its curated translation; quotes and
sources as the source has them)."""

from __future__ import annotations

import textwrap

from bot.answering import MAX_QUESTION_CHARS, Answer
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching import Outcome
from bot.messages import message

WIDTH = 88


def render_answer(answer: Answer, knowledge: KnowledgeBase) -> str:
    """The statement, its quoted passages with their sources, or an honest "I don't know"."""
    language = answer.language
    lines = [f"Q: {answer.question}"]
    if answer.truncated:
        lines.append(message("truncated", language, limit=MAX_QUESTION_CHARS))
    best = answer.best
    if answer.outcome is Outcome.ANSWERED and best is not None:
        statement = best.claim.statement_in(language)
        lines.append(f"A: {statement}  [{best.claim.id}, score {best.score:.0f}]")
        lines.extend(render_citations(best.claim, knowledge, language))
    elif answer.outcome is Outcome.AMBIGUOUS:
        lines.append(f"A: {message('ambiguous', language)}")
        lines.extend(_claim_list(answer))
        lines.append(f"   {message('cli_claim_hint', language)}")
    else:
        lines.append(f"A: {message('unknown', language)}")
        if answer.matches:
            lines.append(f"   {message('cli_related', language)}")
            lines.extend(_claim_list(answer))
    return "\n".join(lines)


def render_citations(claim: Claim, knowledge: KnowledgeBase, language: str = "en") -> list[str]:
    lines: list[str] = []
    for citation in claim.citations:
        quote = textwrap.fill(
            f'"{citation.quote}"', width=WIDTH, initial_indent="   > ", subsequent_indent="   > "
        )
        lines.append(quote)
        lines.append(f"     - {knowledge.source_title(citation.source)} ({citation.source})")
    if claim.note:
        lines.append(
            textwrap.fill(
                f"{message('curator_note', language)}: {claim.note}",
                width=WIDTH,
                initial_indent="   ",
                subsequent_indent="   ",
            )
        )
    return lines


def _claim_list(answer: Answer) -> list[str]:
    return [
        f"   - {m.claim.statement_in(answer.language)}  [{m.claim.id}, score {m.score:.0f}]"
        for m in answer.matches
    ]
