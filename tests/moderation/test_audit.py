"""The audit trail tells its observer each entry it commits, and none it rolls back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.moderation.audit import Actor, AuditTrail

ALICE = Actor("1", "alice")


async def test_each_committed_entry_is_told_by_its_action(tmp_path: Path) -> None:
    told: list[str] = []
    audit = await AuditTrail.open(tmp_path / "log.sqlite3", on_change=told.append)
    try:
        await audit.record(ALICE, "reload", None)
        async with audit.recording(ALICE, "edit", "some-claim", before="a", after="b"):
            assert told == ["reload"]  # not before the change is committed
        await audit.record(ALICE, "refused", None, detail="kb add: not a moderator")
    finally:
        await audit.close()

    assert told == ["reload", "edit", "refused"]


async def test_a_change_rolled_back_is_not_told(tmp_path: Path) -> None:
    told: list[str] = []
    audit = await AuditTrail.open(tmp_path / "log.sqlite3", on_change=told.append)
    try:
        with pytest.raises(OSError, match="disk full"):
            async with audit.recording(ALICE, "add", "some-claim", after="text"):
                raise OSError("disk full")  # the file write failed
        history = await audit.history()
    finally:
        await audit.close()

    assert (told, history) == ([], [])
