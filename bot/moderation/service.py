"""Changing the knowledge base safely: validate, write, swap, audit, in that order.

Every change goes through :class:`ModerationService` and holds the writer's lock from
the moment it re-checks the current state until the new knowledge base is swapped in,
so two moderators cannot interleave. Validation is the loader's own
(:func:`~bot.knowledge.loader.check_claim_text`), run on the exact text to be written.
A change is immediately answerable (the matcher is rebuilt off the event loop and
swapped in one step) and survives a restart (it is on disk before it is swapped in).
Permission is the adapters' business and is checked there, on every path; this
service records what they refuse.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec
from rapidfuzz import fuzz, process, utils

from bot.answering import AnswerService
from bot.knowledge.base import KnowledgeBase, claim_version
from bot.knowledge.loader import check_claim_text, load_knowledge
from bot.knowledge.models import Citation, Claim, ClaimLocation, Source, SourceMeta
from bot.knowledge.validation import KnowledgeError
from bot.knowledge.writer import KnowledgeWriter, claim_yaml, source_yaml
from bot.matching import Matcher, build_matcher
from bot.moderation.audit import Actor, AuditTrail
from bot.moderation.errors import ModerationError
from bot.moderation.gate import NO_GATE, ChangeGate

NEAR_DUPLICATE = 85.0
"""rapidfuzz token_set_ratio between statements above which a new claim is flagged."""

MAX_SOURCE_BYTES = 1_000_000


@dataclass(frozen=True)
class ClaimFields:
    """What a moderator types: one quote per paragraph, sources matching the quotes."""

    statement: str
    quotes: str
    sources: str
    questions: str
    topics: str = ""


@dataclass(frozen=True)
class Draft:
    """A validated claim, not yet written: what the preview shows and confirm applies."""

    claim: Claim
    text: str
    replacing: str | None
    base_version: str | None
    near_duplicates: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ReloadReport:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    version: str


def slugify(text: str, limit: int = 60) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    words = re.findall(r"[a-z0-9]+", folded)
    words = [
        w for w in words if w not in {"the", "a", "an", "article", "says", "reports", "that", "of"}
    ]
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > limit:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "claim"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


class ModerationService:
    """Adds, edits, removes and reverts claims, reloads from disk, adds sources."""

    def __init__(
        self,
        answers: AnswerService,
        writer: KnowledgeWriter,
        audit: AuditTrail,
        *,
        matcher_factory: Callable[[KnowledgeBase], Matcher] = build_matcher,
        gate: ChangeGate = NO_GATE,
    ) -> None:
        self.answers = answers
        self.writer = writer
        self.audit = audit
        self._matcher_factory = matcher_factory
        self._gate = gate
        """Entered inside the writer's lock around every change: a cluster's processes
        take turns through it (:mod:`bot.moderation.cluster`)."""

    # -- drafts -------------------------------------------------------------------------

    def draft(self, fields: ClaimFields, *, editing: str | None = None) -> Draft:
        """Build and validate a claim from a moderator's fields; raises KnowledgeError."""
        knowledge = self.answers.knowledge
        existing = knowledge.claim(editing) if editing else None
        if editing and existing is None:
            raise ModerationError(f"There is no claim `{editing}` any more.")
        quotes = _paragraphs(fields.quotes)
        sources = [s.strip() for s in re.split(r"[,\s]+", fields.sources) if s.strip()]
        if len(sources) == 1:
            sources *= max(len(quotes), 1)
        if len(sources) != len(quotes):
            raise ModerationError(
                f"{len(quotes)} quotes but {len(sources)} source ids: give one source id, or one per quote."
            )
        claim_id = existing.id if existing else self._free_id(slugify(fields.statement), knowledge)
        statement = " ".join(fields.statement.split())
        claim = Claim(
            id=claim_id,
            statement=statement,
            topics=tuple(slugify(t, 40) for t in re.split(r"[,\n]+", fields.topics) if t.strip()),
            questions=tuple(_lines(fields.questions)),
            citations=tuple(
                Citation(source=s, quote=q) for s, q in zip(sources, quotes, strict=True)
            ),
            note=existing.note if existing else None,
            # The form has no translations: an edit keeps them while they still translate
            # the statement, and drops them once it changes (a stale one would mislead).
            translations=dict(existing.translations)
            if existing and existing.statement == statement
            else {},
        )
        text = claim_yaml(claim)
        checked = check_claim_text(
            text, self._path_of(claim.id, knowledge), knowledge, replacing=editing
        )
        return Draft(
            claim=checked,
            text=text,
            replacing=editing,
            base_version=claim_version(existing) if existing else None,
            near_duplicates=self.near_duplicates(checked.statement, exclude=editing),
        )

    def near_duplicates(
        self, statement: str, *, exclude: str | None = None
    ) -> tuple[tuple[str, float], ...]:
        statements = {c.id: c.statement for c in self.answers.knowledge.claims if c.id != exclude}
        found = process.extract(
            statement,
            statements,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            score_cutoff=NEAR_DUPLICATE,
            limit=3,
        )
        return tuple((str(key), round(score, 1)) for _, score, key in found)

    def with_question(self, claim_id: str, question: str) -> Draft:
        """A draft of ``claim_id`` with one more curated phrasing (from the misses report)."""
        knowledge = self.answers.knowledge
        claim = knowledge.claim(claim_id)
        if claim is None:
            raise ModerationError(f"There is no claim `{claim_id}`.")
        phrasing = " ".join(question.split())
        if phrasing.casefold() in {q.casefold() for q in claim.questions}:
            raise ModerationError("That claim already has this phrasing.")
        updated = msgspec.structs.replace(claim, questions=(*claim.questions, phrasing))
        text = claim_yaml(updated)
        check_claim_text(text, self._path_of(claim.id, knowledge), knowledge, replacing=claim.id)
        return Draft(updated, text, claim.id, claim_version(claim), ())

    # -- changes ------------------------------------------------------------------------

    async def apply(self, draft: Draft, actor: Actor, *, action: str | None = None) -> int:
        """Write a draft (after re-checking it against the current state); returns the change id."""
        async with self.writer.lock, self._gate.exclusive():
            knowledge = self.answers.knowledge
            current = knowledge.claim(draft.claim.id)
            if draft.replacing is None and current is not None:
                raise ModerationError(
                    f"A claim `{draft.claim.id}` was added meanwhile; open /kb edit instead."
                )
            if draft.replacing is not None:
                await self._ensure_unchanged(draft.replacing, current, draft.base_version)
            path = self._path_of(draft.claim.id, knowledge)
            check_claim_text(draft.text, path, knowledge, replacing=draft.replacing)
            before = await self._read(path) if current else None
            verb = action or ("edit" if draft.replacing else "add")
            async with self.audit.recording(
                actor, verb, draft.claim.id, before=before, after=draft.text
            ) as change_id:
                await self.writer.write_text(path, draft.text)
                await self._swap(knowledge.with_claim(draft.claim, ClaimLocation(path, 1)))
            return change_id

    async def remove(self, claim_id: str, actor: Actor, base_version: str | None = None) -> int:
        async with self.writer.lock, self._gate.exclusive():
            knowledge = self.answers.knowledge
            current = knowledge.claim(claim_id)
            if current is None:
                raise ModerationError(f"There is no claim `{claim_id}`.")
            if base_version is not None:
                await self._ensure_unchanged(claim_id, current, base_version)
            path = self._path_of(claim_id, knowledge)
            before = await self._read(path)
            async with self.audit.recording(
                actor, "remove", claim_id, before=before, after=None
            ) as change_id:
                await self.writer.remove(path)
                await self._swap(knowledge.without_claim(claim_id))
            return change_id

    async def revert(self, change_id: int, actor: Actor) -> int:
        """Put a claim's file back to exactly what it was before ``change_id``."""
        change = await self.audit.get(change_id)
        if change is None or change.action in {"refused", "reload"} or change.target is None:
            raise ModerationError(
                f"Change #{change_id} is not a change to a claim that can be reverted."
            )
        if change.action == "add-source":
            raise ModerationError(
                "Adding a source cannot be reverted here; remove its files in git."
            )
        claim_id = change.target
        async with self.writer.lock, self._gate.exclusive():
            knowledge = self.answers.knowledge
            path = self._path_of(claim_id, knowledge)
            current_text = await self._read(path) if knowledge.claim(claim_id) else None
            if current_text != change.after:
                last = await self.audit.last_change(claim_id)
                since = (
                    f" (last by {last.actor_name} at {last.at:%Y-%m-%d %H:%M} UTC, change #{last.id})"
                    if last
                    else ""
                )
                raise ModerationError(
                    f"`{claim_id}` has changed since change #{change_id}{since}; revert the later change first."
                )
            async with self.audit.recording(
                actor,
                "revert",
                claim_id,
                before=current_text,
                after=change.before,
                reverts=change_id,
            ) as new_id:
                if change.before is None:
                    await self.writer.remove(path)
                    await self._swap(knowledge.without_claim(claim_id))
                else:
                    claim = check_claim_text(
                        change.before, path, knowledge, replacing=claim_id if current_text else None
                    )
                    await self.writer.write_text(path, change.before)
                    await self._swap(knowledge.with_claim(claim, ClaimLocation(path, 1)))
            return new_id

    async def reload(self, actor: Actor) -> ReloadReport:
        """Re-read everything from disk; on any problem keep the running knowledge base."""
        async with self.writer.lock, self._gate.exclusive():
            old = self.answers.knowledge
            new = await asyncio.to_thread(load_knowledge, old.root)
            before = {c.id: c for c in old.claims}
            after = {c.id: c for c in new.claims}
            report = ReloadReport(
                added=tuple(sorted(after.keys() - before.keys())),
                changed=tuple(
                    sorted(k for k in after.keys() & before.keys() if after[k] != before[k])
                ),
                removed=tuple(sorted(before.keys() - after.keys())),
                version=new.version,
            )
            # Recorded around the swap, as a file change is: refused before anything
            # changes if the change log cannot be written.
            async with self.audit.recording(
                actor,
                "reload",
                None,
                detail=f"+{len(report.added)} ~{len(report.changed)} -{len(report.removed)} -> {new.version}",
            ):
                await self._swap(new)
            return report

    async def add_source(
        self, source_id: str, title: str, data: bytes, actor: Actor, origin: str
    ) -> int:
        """Add a UTF-8 text or markdown document that claims can cite."""
        if len(data) > MAX_SOURCE_BYTES:
            raise ModerationError(
                f"The file is {len(data):,} bytes; the limit is {MAX_SOURCE_BYTES:,}."
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ModerationError(f"The file is not UTF-8 text (byte {exc.start}).") from None
        if not text.strip():
            raise ModerationError("The file is empty.")
        slug = slugify(source_id, 64)
        meta = SourceMeta(id=slug, title=" ".join(title.split()), file=f"{slug}.txt", origin=origin)
        async with self.writer.lock, self._gate.exclusive():
            knowledge = self.answers.knowledge
            if slug in knowledge.sources:
                raise ModerationError(f"A source `{slug}` already exists.")
            after = source_yaml(meta)
            async with self.audit.recording(actor, "add-source", slug, after=after) as change_id:
                _, text_path = await self.writer.write_source(meta, text)
                await self._swap(
                    knowledge.with_source(Source(meta=meta, text=text, path=text_path))
                )
            return change_id

    async def check_version(self, claim_id: str, base_version: str) -> None:
        """Refuse, naming who changed it and when, if ``claim_id`` is no longer the version
        a moderator opened (a stale ``/kb edit`` modal)."""
        await self._ensure_unchanged(claim_id, self.answers.knowledge.claim(claim_id), base_version)

    async def refused(self, actor: Actor, action: str, target: str | None, reason: str) -> None:
        """Record an attempt the adapter refused (a member without the moderator role)."""
        await self.audit.record(actor, "refused", target, detail=f"{action}: {reason}")

    # -- helpers ------------------------------------------------------------------------

    async def _ensure_unchanged(
        self, claim_id: str, current: Claim | None, base_version: str | None
    ) -> None:
        if current is None:
            raise ModerationError(f"`{claim_id}` was removed after you opened it.")
        if base_version is not None and claim_version(current) != base_version:
            last = await self.audit.last_change(claim_id)
            who = (
                f"by {last.actor_name} at {last.at:%Y-%m-%d %H:%M} UTC"
                if last
                else "on disk (reload)"
            )
            raise ModerationError(
                f"`{claim_id}` was changed {who}; reopen it to see the change, then edit again."
            )

    def _path_of(self, claim_id: str, knowledge: KnowledgeBase) -> Path:
        location = knowledge.locations.get(claim_id)
        return location.path if location else self.writer.claim_path(claim_id)

    @staticmethod
    async def _read(path: Path) -> str | None:
        try:
            return await asyncio.to_thread(path.read_text, "utf-8")
        except FileNotFoundError:
            return None

    async def _swap(self, knowledge: KnowledgeBase) -> None:
        matcher = await asyncio.to_thread(self._matcher_factory, knowledge)
        self.answers.replace_knowledge(knowledge, matcher)

    @staticmethod
    def _free_id(base: str, knowledge: KnowledgeBase) -> str:
        candidate, number = base, 2
        while knowledge.claim(candidate) is not None:
            candidate = f"{base[:60]}-{number}"
            number += 1
        return candidate


__all__ = [
    "ClaimFields",
    "Draft",
    "KnowledgeError",
    "ModerationError",
    "ModerationService",
    "ReloadReport",
    "slugify",
]
