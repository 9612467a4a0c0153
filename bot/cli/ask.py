"""``python -m bot ask``: answer questions from arguments or standard input."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.answering import AnswerService, Asker
from bot.cli.render import render_answer
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher, build_matcher
from bot.querylog import QueryLog
from bot.storage.opening import open_storage

log = logging.getLogger(__name__)


async def run_ask(
    knowledge: KnowledgeBase,
    db_path: Path | str | None,
    questions: Sequence[str],
    *,
    as_json: bool,
    stdin: TextIO,
    stdout: TextIO,
    matchers: Callable[[KnowledgeBase], Matcher] = build_matcher,
) -> int:
    """Answer each question as it comes, printing before logging, then flush the log."""
    query_log = await _open_log(db_path)
    service = AnswerService(knowledge, matchers(knowledge), query_log)
    asker = Asker(adapter="cli")
    try:
        async for question in _questions(questions, stdin):
            answer = service.answer(question, asker)
            if as_json:
                stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
            else:
                stdout.write(render_answer(answer, knowledge) + "\n\n")
            stdout.flush()
            service.record(answer)
    finally:
        if query_log is not None:
            await query_log.close()
    return 0


async def _open_log(db_path: Path | str | None) -> QueryLog | None:
    """The query log (a SQLite file, or PostgreSQL for a database URL), or None (with a
    warning) when it cannot be opened: answers come first."""
    if db_path is None:
        return None
    try:
        query_log = QueryLog(await open_storage(db_path), owns_storage=True)
        query_log.start()
        return query_log
    except Exception as exc:
        log.warning("query log unavailable (%s); answering without logging", exc)
        return None


async def _questions(arguments: Sequence[str], stdin: TextIO) -> AsyncIterator[str]:
    """The arguments, or else standard input line by line (read off the event loop)."""
    if arguments:
        for question in arguments:
            if question.strip():
                yield question
        return
    while True:
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        if line.strip():
            yield line.rstrip("\n")


def main_ask(
    knowledge: KnowledgeBase,
    db_path: Path | str | None,
    questions: Sequence[str],
    as_json: bool,
    matchers: Callable[[KnowledgeBase], Matcher] = build_matcher,
) -> int:
    if isinstance(sys.stdin, io.TextIOWrapper):
        # Bytes that are not UTF-8 become U+FFFD instead of a UnicodeDecodeError that
        # ends the whole run (Python reads stdin strictly in most UTF-8 locales).
        sys.stdin.reconfigure(errors="replace")
    return asyncio.run(
        run_ask(
            knowledge,
            db_path,
            questions,
            as_json=as_json,
            stdin=sys.stdin,
            stdout=sys.stdout,
            matchers=matchers,
        )
    )
