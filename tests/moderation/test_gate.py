"""Every change the moderation service makes passes through its gate, inside its lock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answering import AnswerService
from bot.knowledge import load_knowledge
from bot.knowledge.writer import KnowledgeWriter
from bot.matching import build_matcher
from bot.moderation.audit import Actor, AuditTrail
from bot.moderation.gate import NO_GATE
from bot.moderation.service import ClaimFields, ModerationError, ModerationService
from tests.helpers import SOURCE_ID, make_knowledge

ALICE = Actor("1", "alice")


class RecordingGate:
    def __init__(self, writer: KnowledgeWriter) -> None:
        self.writer = writer
        self.entered = 0
        self.refuse = False

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        assert self.writer.lock.locked(), "entered inside the writer's lock"
        if self.refuse:
            raise ModerationError("the cluster says no")
        self.entered += 1
        yield


async def test_no_gate_runs_the_body() -> None:
    ran = False
    async with NO_GATE.exclusive():
        ran = True
    assert ran


async def test_add_remove_revert_reload_and_source_add_all_pass_the_gate(
    tmp_path: Path,
) -> None:
    root = make_knowledge(tmp_path)
    knowledge = load_knowledge(root)
    writer = KnowledgeWriter(root)
    gate = RecordingGate(writer)
    audit = await AuditTrail.open(tmp_path / "log.sqlite3")
    try:
        service = ModerationService(
            AnswerService(knowledge, build_matcher(knowledge)), writer, audit, gate=gate
        )
        fields = ClaimFields(
            statement="The source says the U.S. Treasury sanctioned the shipping firms.",
            quotes="The U.S. Treasury responded with sanctions on the shipping firms.",
            sources=SOURCE_ID,
            questions="What did the Treasury do?",
        )
        draft = service.draft(fields)
        added = await service.apply(draft, ALICE)
        removed = await service.remove(draft.claim.id, ALICE)
        await service.revert(removed, ALICE)
        await service.reload(ALICE)
        await service.add_source("another", "Another", b"Some text.", ALICE, "test")
        assert added < removed
        assert gate.entered == 5

        gate.refuse = True
        before = sorted(p.name for p in (root / "claims").iterdir())
        with pytest.raises(ModerationError, match="the cluster says no"):
            await service.remove("tankers-sent", ALICE)
        assert sorted(p.name for p in (root / "claims").iterdir()) == before
    finally:
        await audit.close()
