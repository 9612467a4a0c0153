"""PostgreSQL going away: at start a one-line refusal; while running, answers go on, rows
wait in the query log's bounded queue and are all written when the server is back, and
moderators' changes are refused whole.

The outages are real: the session's server is stopped (``pg_ctl stop -m fast``, which
cuts every connection as a crash or a restart would) and started again on its port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.answering import AnswerService, Asker
from bot.knowledge import load_knowledge
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.writer import KnowledgeWriter
from bot.matching import Matcher, build_matcher
from bot.moderation.audit import Actor, AuditTrail, AuditUnavailableError
from bot.moderation.errors import ModerationError
from bot.moderation.service import ClaimFields, ModerationService
from bot.querylog import QueryLog
from bot.storage.base import StorageUnavailableError
from bot.storage.postgres import PostgresStorage
from tests.helpers import SOURCE_ID, make_knowledge, query_record
from tests.pg_server import PostgresServer
from tests.storage.conftest import count

pytestmark = pytest.mark.postgres

ALICE = Actor("1", "alice")
QUESTIONS = ("What did Venezuela import from Iran in 2020?", "What's the best pizza topping?")


@contextlib.contextmanager
def restarted_after(server: PostgresServer) -> Iterator[None]:
    """Whatever the test does to the session's server, it is running again afterwards."""
    try:
        yield
    finally:
        if not server.running():
            server.start()


@pytest.fixture
async def pg_storage(pg_url: str) -> AsyncIterator[PostgresStorage]:
    storage = await PostgresStorage.open(pg_url, connect_timeout=2)
    yield storage
    await storage.close()


async def wait_until(condition: Callable[[], bool]) -> None:
    """Poll the log's counters (they have no event to wait on) for at most 30 seconds."""
    async with asyncio.timeout(30):
        while not condition():  # noqa: ASYNC110 - see above
            await asyncio.sleep(0.01)


async def test_a_stream_of_questions_loses_no_row_through_a_restart(
    postgres: PostgresServer,
    pg_storage: PostgresStorage,
    knowledge: KnowledgeBase,
    matcher: Matcher,
) -> None:
    """Questions keep coming while the server stops and starts again (in a thread, so the
    event loop keeps answering); every answer is given, and every row is written."""
    query_log = await QueryLog.open(pg_storage, retry_delay=0.05)
    service = AnswerService(knowledge, matcher, query_log)
    answered: list[str] = []
    stop_streaming = asyncio.Event()

    async def stream() -> None:
        number = 0
        while not stop_streaming.is_set() or number < 300:
            answer = service.ask(QUESTIONS[number % 2], Asker("test", user_id=str(number % 7)))
            answered.append(answer.query_id)
            number += 1
            await asyncio.sleep(0.002)

    with restarted_after(postgres):
        streaming = asyncio.create_task(stream())
        await wait_until(lambda: len(answered) >= 100)
        await asyncio.to_thread(postgres.stop)
        asked_while_down = len(answered)
        await wait_until(lambda: query_log.trouble is not None)
        await wait_until(lambda: len(answered) >= asked_while_down + 200)
        trouble = query_log.trouble
        await asyncio.to_thread(postgres.start)
        stop_streaming.set()
        await streaming
        async with asyncio.timeout(30):
            await query_log.flush()

    assert trouble is not None
    assert "cannot write" in trouble
    assert query_log.write_errors >= 1
    assert (query_log.dropped, query_log.trouble) == (0, None)
    assert await count(pg_storage, "queries") == len(answered) == len(set(answered))
    await query_log.close()


async def test_rows_beyond_the_queue_are_counted_and_logged_and_the_rest_written(
    postgres: PostgresServer, pg_storage: PostgresStorage, caplog: pytest.LogCaptureFixture
) -> None:
    query_log = await QueryLog.open(pg_storage, max_pending=500, batch_size=50, retry_delay=0.05)
    with restarted_after(postgres):
        for n in range(100):
            query_log.record(query_record(f"before{n}"))
        async with asyncio.timeout(10):
            await query_log.flush()
        postgres.stop()
        for n in range(500):  # fills the queue exactly
            query_log.record(query_record(f"down{n}"))
        await wait_until(lambda: query_log.write_errors >= 1)  # a batch of 50 held, retried
        for n in range(100):  # 50 fit again; 50 do not
            query_log.record(query_record(f"more{n}"))
        postgres.start()
        async with asyncio.timeout(30):
            await query_log.flush()

    assert query_log.dropped == 50
    assert await count(pg_storage, "queries") == 100 + 500 + 50
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "query log queue full: 1 rows dropped so far" in warnings
    assert any("rows kept, retrying" in w for w in warnings)
    await query_log.close()


@pytest.fixture
async def moderated(
    tmp_path: Path, pg_storage: PostgresStorage
) -> AsyncIterator[tuple[ModerationService, Path]]:
    root = make_knowledge(tmp_path)
    knowledge = load_knowledge(root)
    answers = AnswerService(knowledge, build_matcher(knowledge))
    audit = await AuditTrail.open(pg_storage)
    yield ModerationService(answers, KnowledgeWriter(root), audit), root
    await audit.close()


def treasury() -> ClaimFields:
    return ClaimFields(
        statement="The source says the U.S. Treasury sanctioned the shipping firms.",
        quotes="The U.S. Treasury responded with sanctions on the shipping firms.",
        sources=SOURCE_ID,
        questions="What did the Treasury do?",
    )


def files(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "claims").iterdir())}


async def test_a_moderators_change_is_refused_whole_while_postgresql_is_down(
    postgres: PostgresServer, moderated: tuple[ModerationService, Path]
) -> None:
    service, root = moderated
    draft = service.draft(treasury())
    before = files(root)

    with restarted_after(postgres):
        postgres.stop()
        with pytest.raises(AuditUnavailableError) as refused:
            await service.apply(draft, ALICE)
        with pytest.raises(ModerationError, match="cannot be reached"):
            await service.reload(ALICE)
        with pytest.raises(ModerationError, match="cannot be reached"):
            await service.audit.history()
        assert files(root) == before  # nothing half-applied
        assert service.answers.knowledge.claim(draft.claim.id) is None
        postgres.start()

    assert str(refused.value) == (
        "The moderators' change log (the bot's database) cannot be reached right now. "
        "Nothing was changed; try again in a minute."
    )
    assert isinstance(refused.value, ModerationError)  # shown to the moderator as a refusal
    change_id = await service.apply(draft, ALICE)  # the pool reconnects by itself
    assert [c.id for c in await service.audit.history()] == [change_id]
    assert draft.claim.id + ".yaml" in files(root)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


async def test_an_unreachable_server_at_start_is_one_line_without_the_password() -> None:
    url = f"postgresql://bot:s3cret-pw@127.0.0.1:{closed_port()}/ivkb"

    with pytest.raises(StorageUnavailableError) as caught:
        await PostgresStorage.open(url, connect_timeout=2)

    message = str(caught.value)
    assert message.startswith("cannot connect to PostgreSQL at postgresql://bot@127.0.0.1:")
    assert "\n" not in message
    assert "s3cret" not in message


async def test_a_database_that_does_not_exist_is_one_line(postgres: PostgresServer) -> None:
    with pytest.raises(StorageUnavailableError, match='database "nope" does not exist'):
        await PostgresStorage.open(postgres.url("nope"))
