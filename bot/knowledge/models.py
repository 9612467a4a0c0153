"""The knowledge base's schema: sources, claims and the citations that tie them together.

Validation is msgspec's (``forbid_unknown_fields``, typed fields, constrained strings),
so a curator's typo in a key or a number where text belongs is caught with the path of
the bad value. Everything is frozen: a loaded knowledge base is shared by concurrent
questions and replaced whole, never mutated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import msgspec

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
"""Stable identifier: lowercase words joined by hyphens. It travels in commands and in
button ids (Discord allows 100 characters there), hence the length limit."""

Text = Annotated[str, msgspec.Meta(pattern=r"\S", max_length=2000)]
"""Non-blank text of reasonable length."""


Quote = Annotated[str, msgspec.Meta(pattern=r"\S", max_length=1000)]
"""A passage of at most two sentences; 1000 characters keeps it whole in a Discord embed field."""


class Citation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A passage quoted word for word from one source document."""

    source: Slug
    quote: Quote


Language = Literal["en", "es", "fa"]
"""The languages the bot speaks in its own words: English, Spanish and Persian."""

TranslationLanguage = Literal["es", "fa"]
"""Languages a claim's statement may be translated into (``statement`` itself is English)."""


class Claim(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One statement the source makes, with the passages that say so.

    ``statement`` is attributed ("The article says …"): the claims are the source's,
    not ours. ``questions`` are curated phrasings members use, in any language;
    ``note`` records a curator's caveat where the source is inconsistent or vague.
    ``translations`` are curated renderings of ``statement`` shown to an asker who wrote
    in that language; the quotes stay verbatim in the source's language.
    """

    id: Slug
    statement: Text
    topics: Annotated[tuple[Slug, ...], msgspec.Meta(max_length=10)]
    questions: Annotated[tuple[Text, ...], msgspec.Meta(min_length=1, max_length=50)]
    citations: Annotated[tuple[Citation, ...], msgspec.Meta(min_length=1, max_length=10)]
    note: Text | None = None
    translations: dict[TranslationLanguage, Text] = msgspec.field(default_factory=dict)

    def statement_in(self, language: str) -> str:
        """The statement in ``language`` where a curator translated it, else the English."""
        for translated_into, text in self.translations.items():
            if translated_into == language:
                return text
        return self.statement


class SourceMeta(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What we know about a source document; the text itself sits in ``file`` beside it."""

    id: Slug
    title: Text
    file: Text
    origin: Text
    url: Text | None = None
    published: Text | None = None


class Source(msgspec.Struct, frozen=True):
    """A source document with its full text, as claims quote it."""

    meta: SourceMeta
    text: str
    path: Path

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title


class ClaimLocation(msgspec.Struct, frozen=True):
    """Where a claim was read from, so errors and edits can point at the file."""

    path: Path
    line: int
