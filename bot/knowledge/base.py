"""The loaded knowledge base: an immutable value, changed only by making a new one.

Moderators' edits produce a new :class:`KnowledgeBase` (:meth:`~KnowledgeBase.with_claim`,
:meth:`~KnowledgeBase.without_claim`, :meth:`~KnowledgeBase.with_source`) that the
answering service swaps in whole, so a question in flight never sees half a change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import msgspec

from bot.knowledge.models import Claim, ClaimLocation, Source


class Synonyms(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Groups of words or phrases that mean the same for matching; the first is canonical."""

    groups: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """Sources, claims and synonyms, validated together; replaced whole, never mutated."""

    root: Path
    sources: Mapping[str, Source]
    claims: tuple[Claim, ...]
    synonyms: tuple[tuple[str, ...], ...]
    version: str
    locations: Mapping[str, ClaimLocation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {claim.id: claim for claim in self.claims})

    def claim(self, claim_id: str) -> Claim | None:
        by_id: dict[str, Claim] = getattr(self, "_by_id")  # noqa: B009 - set in __post_init__
        return by_id.get(claim_id)

    def source_title(self, source_id: str) -> str:
        source = self.sources.get(source_id)
        return source.title if source else source_id

    def citation_counts(self) -> dict[str, int]:
        """How many claims cite each source (a claim citing a source twice counts once)."""
        counts = dict.fromkeys(self.sources, 0)
        for claim in self.claims:
            for source_id in {citation.source for citation in claim.citations}:
                counts[source_id] = counts.get(source_id, 0) + 1
        return counts

    def with_claim(self, claim: Claim, location: ClaimLocation) -> KnowledgeBase:
        """This knowledge base with ``claim`` added, or replacing the claim with its id."""
        claims = [c for c in self.claims if c.id != claim.id]
        position = next((i for i, c in enumerate(self.claims) if c.id == claim.id), len(claims))
        claims.insert(position, claim)
        locations = {**self.locations, claim.id: location}
        return replace(
            self,
            claims=tuple(claims),
            locations=locations,
            version=self._next_version(claim.id, claim),
        )

    def without_claim(self, claim_id: str) -> KnowledgeBase:
        locations = {k: v for k, v in self.locations.items() if k != claim_id}
        return replace(
            self,
            claims=tuple(c for c in self.claims if c.id != claim_id),
            locations=locations,
            version=self._next_version(claim_id, None),
        )

    def with_source(self, source: Source) -> KnowledgeBase:
        return replace(
            self,
            sources={**self.sources, source.id: source},
            version=self._next_version(source.id, source.text),
        )

    def _next_version(self, key: str, content: object) -> str:
        """A new version label for an in-memory change (a reload from disk hashes the files)."""
        digest = hashlib.sha256(f"{self.version}\0{key}\0".encode())
        digest.update(msgspec.json.encode(content))
        return digest.hexdigest()[:12]


def claim_version(claim: Claim) -> str:
    """A short hash of a claim's content: what a moderator saw when they opened it for editing."""
    return hashlib.sha256(msgspec.json.encode(claim)).hexdigest()[:12]
