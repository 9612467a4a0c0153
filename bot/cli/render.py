"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

import textwrap

from bot.answering import MAX_QUESTION_CHARS, Answer
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching import Outcome

WIDTH = 88


def render_answer(answer: Answer, knowledge: KnowledgeBase) -> str:
    """The statement, its quoted passages with their sources, or an honest "I don't know"."""
    lines = [f"Q: {answer.question}"]
    if answer.truncated:
        lines.append(f"(only the first {MAX_QUESTION_CHARS} characters of the question were used)")
    best = answer.best
    if answer.outcome is Outcome.ANSWERED and best is not None:
        lines.append(f"A: {best.claim.statement}  [{best.claim.id}, score {best.score:.0f}]")
        lines.extend(render_citations(best.claim, knowledge))
    elif answer.outcome is Outcome.AMBIGUOUS:
        lines.append("A: Your question fits several claims. Did you mean:")
        lines.extend(_claim_list(answer))
        lines.append("   (ask again with more detail, or look one up: python -m bot claim ID)")
    else:
        lines.append("A: I don't know that from my sources.")
        if answer.matches:
            lines.append("   Related claims:")
            lines.extend(_claim_list(answer))
    return "\n".join(lines)


def render_citations(claim: Claim, knowledge: KnowledgeBase) -> list[str]:
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
                f"Curator's note: {claim.note}",
                width=WIDTH,
                initial_indent="   ",
                subsequent_indent="   ",
            )
        )
    return lines


def _claim_list(answer: Answer) -> list[str]:
    return [
        f"   - {m.claim.statement}  [{m.claim.id}, score {m.score:.0f}]" for m in answer.matches
    ]
