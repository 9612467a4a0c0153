"""What members see: answer embeds with their citations, cut to Discord's limits.

User text is markdown-escaped before it is echoed; pings are impossible anyway because
the client sends ``allowed_mentions`` with nothing allowed, but an escaped echo also
cannot break the embed's formatting or fake a link.

An answer speaks the asker's language (``Answer.language``): the bot's own words come
from :mod:`bot.messages`, a claim's statement is shown in its curated translation where
there is one, and the quotes and source titles stay exactly as the source has them.
"""

from __future__ import annotations

import re

import discord

from bot.answering import MAX_QUESTION_CHARS, Answer, well_formed
from bot.discordbot import limits
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching import Outcome
from bot.messages import MESSAGES, MessageId, message, number

COLOUR_ANSWER = discord.Colour.green()
COLOUR_AMBIGUOUS = discord.Colour.gold()
COLOUR_UNKNOWN = discord.Colour.light_grey()

CONFIDENCE_LABELS: tuple[tuple[float, MessageId], ...] = (
    (85.0, "confidence_high"),
    (70.0, "confidence_medium"),
    (0.0, "confidence_low"),
)
"""Score floors for the confidence label shown under an answer."""

UNKNOWN_TEXT = MESSAGES["unknown"]["en"]

_SHORT_ID_MENTION = re.compile(r"<@(?=[!&]?[0-9])")
"""``escape_mentions`` only breaks ids of 17-20 digits; Discord renders ``<@1>`` too."""


def escape(text: str) -> str:
    """Markdown- and mention-escaped user text, safe to echo anywhere."""
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(well_formed(text)))
    return _SHORT_ID_MENTION.sub("<@\u200b", escaped)


def confidence_label(score: float, language: str = "en") -> str:
    return message(next(label for floor, label in CONFIDENCE_LABELS if score >= floor), language)


def answer_embed(answer: Answer, knowledge: KnowledgeBase) -> discord.Embed:
    """The embed for any outcome: the cited claim, the candidates, or an honest "don't know"."""
    title = limits.shorten(f"Q: {escape(answer.question)}", limits.EMBED_TITLE)
    embed = _outcome_embed(answer, knowledge, title)
    if answer.truncated:
        notice = message("truncated", answer.language, limit=MAX_QUESTION_CHARS)
        embed.description = limits.shorten(
            f"{notice}\n{embed.description or ''}", limits.EMBED_DESCRIPTION
        )
    return fit(embed)


def _outcome_embed(answer: Answer, knowledge: KnowledgeBase, title: str) -> discord.Embed:
    best, language = answer.best, answer.language
    if answer.outcome is Outcome.ANSWERED and best is not None:
        embed = claim_embed(best.claim, knowledge, title=title, language=language)
        footer = message(
            "answer_footer",
            language,
            confidence=confidence_label(best.score, language),
            score=round(best.score),
            claim=best.claim.id,
        )
        embed.set_footer(text=footer)
        return fit(embed)
    # The candidates are numbered as their buttons are (views.answer_view).
    candidates = [
        f"**{number(n, language)}.** {m.claim.statement_in(language)}"
        for n, m in enumerate(answer.matches, start=1)
    ]
    if answer.outcome is Outcome.AMBIGUOUS:
        lines = [message("ambiguous", language), *candidates]
        embed = discord.Embed(title=title, colour=COLOUR_AMBIGUOUS, description="\n".join(lines))
        embed.set_footer(text=message("ambiguous_footer", language))
        return fit(embed)
    lines = [message("unknown", language)]
    if candidates:
        lines += ["", message("related", language), *candidates]
    embed = discord.Embed(title=title, colour=COLOUR_UNKNOWN, description="\n".join(lines))
    embed.set_footer(text=message("unknown_footer", language))
    return fit(embed)


def claim_embed(
    claim: Claim, knowledge: KnowledgeBase, *, title: str | None = None, language: str = "en"
) -> discord.Embed:
    """A claim's statement (in ``language`` where a curator translated it), each citation
    as a block quote, verbatim, under its source's title, and any curator's note."""
    embed = discord.Embed(
        title=title or limits.shorten(claim.id, limits.EMBED_TITLE),
        colour=COLOUR_ANSWER,
        description=limits.shorten(claim.statement_in(language), limits.EMBED_DESCRIPTION),
    )
    pointer = message("full_text", language, claim=claim.id)
    for citation in claim.citations[: limits.EMBED_FIELDS - 1]:
        quote = limits.shorten(citation.quote, limits.FIELD_VALUE - 2, suffix=pointer)
        source = message("source", language, title=knowledge.source_title(citation.source))
        embed.add_field(
            name=limits.shorten(source, limits.FIELD_NAME),
            value=f"> {quote}",
            inline=False,
        )
    if claim.note:
        embed.add_field(
            name=message("curator_note", language),
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
