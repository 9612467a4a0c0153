"""Two processes' moderation services over one PostgreSQL and one knowledge directory.

Each "process" here is its own AnswerService, storage, audit trail and KnowledgeSync
(its own connections, its own listener), in one event loop: what one changes the other
must answer, a stale edit must be refused across them, and a listener that was away
must catch up.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.answering import AnswerService, Asker
from bot.knowledge import load_knowledge
from bot.knowledge.writer import KnowledgeWriter
from bot.matching import Outcome, build_matcher
from bot.moderation.audit import Actor, AuditTrail
from bot.moderation.cluster import ClusterUnavailableError, KnowledgeSync
from bot.moderation.service import ClaimFields, ModerationError, ModerationService
from bot.storage.postgres import PostgresStorage
from tests.helpers import SOURCE_ID, make_knowledge
from tests.pg_server import PostgresServer

pytestmark = pytest.mark.postgres

ALICE = Actor("1", "alice")
BOB = Actor("2", "bob")
TREASURY_QUESTION = "What did the Treasury do to the shipping firms?"


@dataclass
class Process:
    moderation: ModerationService
    sync: KnowledgeSync

    @property
    def answers(self) -> AnswerService:
        return self.moderation.answers


Cluster = tuple[Callable[[], Awaitable[Process]], Path, str]
"""Start a process; the knowledge directory; the database URL."""


def treasury_fields() -> ClaimFields:
    return ClaimFields(
        statement="The source says the U.S. Treasury sanctioned the shipping firms.",
        quotes="The U.S. Treasury responded with sanctions on the shipping firms.",
        sources=SOURCE_ID,
        questions="What did the Treasury do?\ntreasury sanctions shipping",
        topics="sanctions",
    )


def tankers_fields(statement: str) -> ClaimFields:
    return ClaimFields(
        statement=statement,
        quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
        sources=SOURCE_ID,
        questions="How many tankers did Iran send?",
        topics="energy",
    )


def claim_ids(process: Process) -> set[str]:
    return {c.id for c in process.answers.knowledge.claims}


def holds(process: Process, ids: set[str]) -> bool:
    return claim_ids(process) == ids


def says(process: Process, statement: str) -> bool:
    claim = process.answers.knowledge.claim("tankers-sent")
    return claim is not None and claim.statement == statement


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for ``check`` to hold, failing after ``seconds`` (the issue's bound)."""
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 - another object's state, with no event to await
            await asyncio.sleep(0.05)


@pytest.fixture
async def cluster(tmp_path: Path, pg_url: str) -> AsyncIterator[Cluster]:
    root = make_knowledge(tmp_path)
    async with AsyncExitStack() as stack:

        async def start_process() -> Process:
            knowledge = load_knowledge(root)
            answers = AnswerService(knowledge, build_matcher(knowledge))
            storage = await PostgresStorage.open(pg_url)
            stack.push_async_callback(storage.close)
            writer = KnowledgeWriter(root)
            sync = KnowledgeSync(
                pg_url,
                answers,
                writer.lock,
                build_matcher,
                keepalive=1.0,
                retry_delay=0.1,
                max_retry_delay=1.0,
            )
            await stack.enter_async_context(sync)
            async with asyncio.timeout(10):
                await sync.listening.wait()
            moderation = ModerationService(answers, writer, AuditTrail(storage), gate=sync)
            return Process(moderation, sync)

        yield start_process, root, pg_url


async def test_a_change_through_one_process_is_answered_by_the_other_within_5_seconds(
    cluster: Cluster,
) -> None:
    start, root, _ = cluster
    one, two = await start(), await start()
    assert two.answers.answer(TREASURY_QUESTION, Asker("cli")).outcome is not Outcome.ANSWERED

    draft = one.moderation.draft(treasury_fields())
    await one.moderation.apply(draft, ALICE)

    await eventually(lambda: two.answers.knowledge.claim(draft.claim.id) is not None)
    answer = two.answers.answer(TREASURY_QUESTION, Asker("cli"))
    assert answer.outcome is Outcome.ANSWERED
    assert answer.best is not None
    assert answer.best.claim.id == draft.claim.id
    assert claim_ids(two) == claim_ids(one)
    assert two.sync.reloads == 1
    assert one.sync.reloads == 0, "its own change is not reloaded again"

    await two.moderation.remove(draft.claim.id, BOB)
    await eventually(lambda: one.answers.knowledge.claim(draft.claim.id) is None)
    assert claim_ids(one) == claim_ids(two) == {c.id for c in load_knowledge(root).claims}


async def test_concurrent_edits_of_one_claim_through_two_processes_one_wins_one_is_refused(
    cluster: Cluster,
) -> None:
    start, root, _ = cluster
    one, two = await start(), await start()
    alices = one.moderation.draft(
        tankers_fields("The source says: Iran sent five tankers."), editing="tankers-sent"
    )
    bobs = two.moderation.draft(
        tankers_fields("The source says: five tankers went."), editing="tankers-sent"
    )

    results = await asyncio.gather(
        one.moderation.apply(alices, ALICE), two.moderation.apply(bobs, BOB), return_exceptions=True
    )

    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1, results
    assert len(refused) == 1, results
    assert isinstance(refused[0], ModerationError)
    assert "reopen it" in str(refused[0])
    assert any(f"changed by {name} at " in str(refused[0]) for name in ("alice", "bob"))
    winner = alices if isinstance(results[0], int) else bobs
    on_disk = load_knowledge(root).claim("tankers-sent")
    assert on_disk is not None
    assert on_disk.statement == winner.claim.statement
    for process in (one, two):
        await eventually(functools.partial(says, process, winner.claim.statement))
    history = await one.moderation.audit.history("tankers-sent")
    assert [c.action for c in history] == ["edit"], "the refused edit left no change behind"


async def test_many_edits_racing_from_both_processes_lose_nothing_and_apply_nothing_twice(
    cluster: Cluster,
) -> None:
    start, root, _ = cluster
    one, two = await start(), await start()

    async def add(process: Process, n: int) -> int:
        fields = ClaimFields(
            statement=f"The source says Iran sent tankers, claim number {n}.",
            quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
            sources=SOURCE_ID,
            questions=f"tankers claim {n}",
        )
        return await process.moderation.apply(process.moderation.draft(fields), ALICE)

    ids = await asyncio.gather(*(add(one if n % 2 else two, n) for n in range(8)))

    assert len(set(ids)) == 8
    on_disk = load_knowledge(root)
    assert len(on_disk.claims) == 9
    for process in (one, two):
        await eventually(functools.partial(holds, process, {c.id for c in on_disk.claims}))
    assert [c.action for c in await one.moderation.audit.history(limit=50)] == ["add"] * 8


async def test_a_restarted_listener_catches_up_on_changes_made_while_it_was_away(
    cluster: Cluster,
) -> None:
    start, _, _ = cluster
    one, two = await start(), await start()
    await two.sync.close()
    draft = one.moderation.draft(treasury_fields())
    await one.moderation.apply(draft, ALICE)
    await asyncio.sleep(0.5)
    assert two.answers.knowledge.claim(draft.claim.id) is None, "nobody was listening"

    await two.sync.start()

    await eventually(lambda: two.answers.knowledge.claim(draft.claim.id) is not None)
    assert two.sync.reloads == 1


async def test_a_stale_process_checks_an_edit_against_the_files_not_its_memory(
    cluster: Cluster,
) -> None:
    start, _, _ = cluster
    one, two = await start(), await start()
    await two.sync.close()  # deaf: its memory stays behind
    bobs = two.moderation.draft(
        tankers_fields("The source says: five tankers went."), editing="tankers-sent"
    )
    await one.moderation.apply(
        one.moderation.draft(
            tankers_fields("The source says: Iran sent five tankers."), editing="tankers-sent"
        ),
        ALICE,
    )

    with pytest.raises(ModerationError, match=r"changed by alice at .* reopen"):
        await two.moderation.apply(bobs, BOB)
    claim = two.answers.knowledge.claim("tankers-sent")
    assert claim is not None
    assert claim.statement == "The source says: Iran sent five tankers."


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_without_the_database_a_change_is_refused_before_anything_is_written(
    tmp_path: Path, pg_url: str
) -> None:
    root = make_knowledge(tmp_path)
    knowledge = load_knowledge(root)
    answers = AnswerService(knowledge, build_matcher(knowledge))
    writer = KnowledgeWriter(root)
    gone = f"postgresql://nobody@127.0.0.1:{_closed_port()}/gone"
    sync = KnowledgeSync(gone, answers, writer.lock, build_matcher, connect_timeout=1.0)
    storage = await PostgresStorage.open(pg_url)
    try:
        service = ModerationService(answers, writer, AuditTrail(storage), gate=sync)
        before = sorted(p.name for p in (root / "claims").iterdir())
        with pytest.raises(
            ClusterUnavailableError, match=r"cannot be reached.*Nothing was changed"
        ):
            await service.apply(service.draft(treasury_fields()), ALICE)
        assert sorted(p.name for p in (root / "claims").iterdir()) == before
        assert await service.audit.history() == []
        assert (
            answers.answer("How many tankers did Iran send?", Asker("cli")).outcome
            is Outcome.ANSWERED
        )
    finally:
        await storage.close()


async def test_while_postgresql_is_down_changes_are_refused_answers_go_on_and_then_it_heals(
    cluster: Cluster, postgres: PostgresServer
) -> None:
    start, root, _ = cluster
    one, two = await start(), await start()
    before = sorted(p.name for p in (root / "claims").iterdir())
    postgres.stop()
    try:
        await eventually(lambda: not two.sync.listening.is_set())
        with pytest.raises(ModerationError, match="cannot be reached"):
            await one.moderation.apply(one.moderation.draft(treasury_fields()), ALICE)
        assert sorted(p.name for p in (root / "claims").iterdir()) == before
        answer = two.answers.answer("How many tankers did Iran send?", Asker("cli"))
        assert answer.outcome is Outcome.ANSWERED
    finally:
        postgres.start()

    await eventually(two.sync.listening.is_set, seconds=15)
    draft = one.moderation.draft(treasury_fields())
    await one.moderation.apply(draft, ALICE)
    await eventually(lambda: two.answers.knowledge.claim(draft.claim.id) is not None)
    assert [c.action for c in await two.moderation.audit.history()] == ["add"]
