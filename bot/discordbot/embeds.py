"""What members see: answer embeds with their citations, cut to Discord's limits.

User text is markdown-escaped before it is echoed; pings are impossible anyway because
the client sends ``allowed_mentions`` with nothing allowed, but an escaped echo also
cannot break the embed's formatting or fake a link.
"""

from __future__ import annotations

import re

import discord

from bot.answering import MAX_QUESTION_CHARS, Answer, well_formed
from bot.discordbot import limits
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching import Outcome

COLOUR_ANSWER = discord.Colour.green()
COLOUR_AMBIGUOUS = discord.Colour.gold()
COLOUR_UNKNOWN = discord.Colour.light_grey()

CONFIDENCE_LABELS = ((85.0, "high"), (70.0, "medium"), (0.0, "low"))
"""Score floors for the confidence label shown under an answer."""

UNKNOWN_TEXT = "I don't know that from my sources."

_SHORT_ID_MENTION = re.compile(r"<@(?=[!&]?[0-9])")
"""``escape_mentions`` only breaks ids of 17-20 digits; Discord renders ``<@1>`` too."""


def escape(text: str) -> str:
    """Markdown- and mention-escaped user text, safe to echo anywhere."""
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(well_formed(text)))
    return _SHORT_ID_MENTION.sub("<@\u200b", escaped)


def confidence_label(score: float) -> str:
    return next(label for floor, label in CONFIDENCE_LABELS if score >= floor)


def answer_embed(answer: Answer, knowledge: KnowledgeBase) -> discord.Embed:
    """The embed for any outcome: the cited claim, the candidates, or an honest "don't know"."""
    title = limits.shorten(f"Q: {escape(answer.question)}", limits.EMBED_TITLE)
    embed = _outcome_embed(answer, knowledge, title)
    if answer.truncated:
        notice = f"(Only the first {MAX_QUESTION_CHARS} characters of your question were used.)"
        embed.description = limits.shorten(
            f"{notice}\n{embed.description or ''}", limits.EMBED_DESCRIPTION
        )
    return fit(embed)


def _outcome_embed(answer: Answer, knowledge: KnowledgeBase, title: str) -> discord.Embed:
    best = answer.best
    if answer.outcome is Outcome.ANSWERED and best is not None:
        embed = claim_embed(best.claim, knowledge, title=title)
        embed.set_footer(
            text=f"Confidence: {confidence_label(best.score)} ({best.score:.0f}/100) · claim {best.claim.id}"
        )
        return fit(embed)
    if answer.outcome is Outcome.AMBIGUOUS:
        lines = ["Your question fits more than one claim. Did you mean:"]
        lines += [f"**{n}.** {m.claim.statement}" for n, m in enumerate(answer.matches, start=1)]
        embed = discord.Embed(title=title, colour=COLOUR_AMBIGUOUS, description="\n".join(lines))
        embed.set_footer(text="Pick one below, or ask again with more detail.")
        return fit(embed)
    lines = [UNKNOWN_TEXT]
    if answer.matches:
        lines.append("\nRelated claims you could look up with `/claim`:")
        lines += [f"• `{m.claim.id}`: {m.claim.statement}" for m in answer.matches]
    embed = discord.Embed(title=title, colour=COLOUR_UNKNOWN, description="\n".join(lines))
    embed.set_footer(text="Moderators review unanswered questions.")
    return fit(embed)


def claim_embed(
    claim: Claim, knowledge: KnowledgeBase, *, title: str | None = None
) -> discord.Embed:
    """A claim's statement, each citation as a block quote with its source, and any note."""
    embed = discord.Embed(
        title=title or limits.shorten(claim.id, limits.EMBED_TITLE),
        colour=COLOUR_ANSWER,
        description=limits.shorten(claim.statement, limits.EMBED_DESCRIPTION),
    )
    pointer = f" (full text: /claim id:{claim.id})"
    for citation in claim.citations[: limits.EMBED_FIELDS - 1]:
        quote = limits.shorten(citation.quote, limits.FIELD_VALUE - 2, suffix=pointer)
        embed.add_field(
            name=limits.shorten(
                f"Source: {knowledge.source_title(citation.source)}", limits.FIELD_NAME
            ),
            value=f"> {quote}",
            inline=False,
        )
    if claim.note:
        embed.add_field(
            name="Curator's note",
            value=limits.shorten(claim.note, limits.FIELD_VALUE),
            inline=False,
        )
    return fit(embed)


def fit(embed: discord.Embed) -> discord.Embed:
    """Cut the description to its limit, then drop trailing fields and shorten the
    description further until the embed fits 6000 characters."""
    if embed.description and len(embed.description) > limits.EMBED_DESCRIPTION:
        embed.description = limits.shorten(embed.description, limits.EMBED_DESCRIPTION)
    while len(embed) > limits.EMBED_TOTAL and len(embed.fields) > 1:
        embed.remove_field(len(embed.fields) - 1)
    excess = len(embed) - limits.EMBED_TOTAL
    if excess > 0 and embed.description:
        embed.description = limits.shorten(
            embed.description, max(len(embed.description) - excess, 1)
        )
    return embed


def search_lines(answer_lines: list[tuple[str, float, str]]) -> str:
    """``/search`` results, one line each: score, id and statement, within a message."""
    lines = [
        limits.shorten(f"`{score:5.1f}` **{claim_id}**: {statement}", 380)
        for claim_id, score, statement in answer_lines
    ]
    return limits.shorten("\n".join(lines), limits.CONTENT) if lines else "No claim matches that."
