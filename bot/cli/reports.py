"""The read-only commands: ``claim``, ``kb validate``, ``stats`` and ``eval``."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.render import render_citations
from bot.evaluation import EvalSetError, evaluate, load_eval_set, summary_lines
from bot.knowledge.coverage import coverage
from bot.knowledge.loader import KnowledgeBase
from bot.matching.factory import MatcherFactory
from bot.querylog import SchemaTooNewError, Stats
from bot.querylog.chart import stats_chart
from bot.querylog.stats import DayCounts
from bot.storage.base import Storage, StorageUnavailableError, redacted
from bot.storage.opening import open_storage

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def print_claim(knowledge: KnowledgeBase, claim_id: str) -> int:
    claim = knowledge.claim(claim_id)
    if claim is None:
        print(f"no claim with id {claim_id!r}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"{claim.id}: {claim.statement}")
    print(f"   topics: {', '.join(claim.topics)}")
    print("\n".join(render_citations(claim, knowledge)))
    return EXIT_OK


def print_validation(knowledge: KnowledgeBase, matchers: MatcherFactory | None = None) -> int:
    """Reached only when loading succeeded: problems were already reported by ``main``.

    Where the model is available the claims' vectors are brought up to date in the cache
    too, so the next question does not wait for them."""
    covered = coverage(knowledge)
    sentences = sum(c.sentences for c in covered.values())
    cited = sum(c.covered for c in covered.values())
    share = cited / sentences if sentences else 1.0
    print(
        f"ok: {len(knowledge.claims)} claims, {len(knowledge.sources)} sources, "
        f"{len(knowledge.synonyms)} synonym groups; coverage {cited}/{sentences} "
        f"source sentences ({share:.0%}); version {knowledge.version}"
    )
    for report in covered.values():
        for sentence in report.uncovered:
            print(f"   not cited in {report.source_id}: {sentence}")
    if matchers is None:
        return EXIT_OK
    if matchers.semantic is None:
        print(matchers.summary())
    else:
        embedded = matchers.semantic.index(knowledge.claims).embedded_now
        print(f"{matchers.summary()}; {embedded} claim texts embedded now, the rest cached")
    return EXIT_OK


def print_eval(
    knowledge: KnowledgeBase, split: str, matchers: MatcherFactory, *, verbose: bool
) -> int:
    path = knowledge.root / "eval" / f"{split}.yaml"
    try:
        questions = load_eval_set(path)
    except (EvalSetError, OSError) as exc:
        print(f"cannot read the question set: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    matcher = matchers(knowledge)
    mode = "hybrid" if matchers.semantic is not None else "lexical only"
    print(f"{split} set: {len(questions)} questions, knowledge base {knowledge.version}, {mode}")
    print("\n".join(summary_lines(evaluate(questions, matcher.match), verbose=verbose)))
    return EXIT_OK


def print_stats(db_path: Path | str, days: int | None, chart: Path | None = None) -> int:
    """The stats report; with ``chart``, the moderators' chart of the same period written
    there as a PNG too (the picture ``/kb stats`` attaches)."""
    if chart is None:
        return _report(db_path, days, _stats_text)
    read: list[tuple[Stats, list[DayCounts]]] = []

    async def stats_and_days(
        storage: Storage, since: datetime | None, days: int | None
    ) -> list[str]:
        stats = await storage.read_stats(since=since)
        read.append((stats, await storage.read_daily(since=since, until=datetime.now(UTC))))
        return stats_lines(stats, days)

    code = _report(db_path, days, stats_and_days)
    if code != EXIT_OK:
        return code
    stats, daily = read[0]
    try:
        chart.write_bytes(stats_chart(daily, stats, window_days=days or None))
    except OSError as exc:
        print(f"cannot write the chart to {chart}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"chart written to {chart}")
    return EXIT_OK


def print_misses(db_path: Path | str, days: int | None) -> int:
    return _report(db_path, days, _misses_text)


def _report(
    db_path: Path | str,
    days: int | None,
    build: Callable[[Storage, datetime | None, int | None], Awaitable[list[str]]],
) -> int:
    """Open the log (a SQLite file, or the cluster's PostgreSQL database: the whole
    cluster's questions), build a report, print it; a missing or unreadable log is one
    line, and an unreachable database one line and exit 2."""
    if isinstance(db_path, Path) and not db_path.is_file():
        print(f"no query log at {db_path} yet: ask a question first", file=sys.stderr)
        return EXIT_FAILURE
    where = redacted(db_path) if isinstance(db_path, str) else str(db_path)
    since = datetime.now(UTC) - timedelta(days=days) if days else None

    async def read() -> list[str]:
        storage = await open_storage(db_path)
        try:
            return await build(storage, since, days)
        except storage.transient as exc:
            raise _UnreadableError(str(exc) or type(exc).__name__) from exc
        finally:
            await storage.close()

    try:
        lines = asyncio.run(read())
    except StorageUnavailableError as exc:
        print(f"error: {exc} (BOT_DATABASE_URL)", file=sys.stderr)
        return EXIT_USAGE
    except (SchemaTooNewError, _UnreadableError, sqlite3.Error, OSError) as exc:
        print(f"cannot read the query log at {where}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print("\n".join(lines))
    return EXIT_OK


class _UnreadableError(Exception):
    """The database failed while a report was read from it."""


async def _stats_text(storage: Storage, since: datetime | None, days: int | None) -> list[str]:
    return stats_lines(await storage.read_stats(since=since), days)


async def _misses_text(storage: Storage, since: datetime | None, days: int | None) -> list[str]:
    found = await storage.find_misses(since=since, limit=25)
    period = f"last {days} days" if days else "all time"
    lines = [f"misses ({period}): {len(found)} groups, most frequent first"]
    for miss in found:
        votes = f", {miss.not_helpful} not helpful" if miss.not_helpful else ""
        lines.append(f"  {miss.count:>5}  {miss.question}  ({miss.unanswered} unanswered{votes})")
        lines.extend(
            f"         ~ {wording}" for wording in miss.wordings if wording != miss.question
        )
        if miss.picked:
            picks = ", ".join(f"{claim} ×{count}" for claim, count in miss.picked)
            lines.append(f"         members picked: {picks}")
    return lines


def stats_lines(stats: Stats, days: int | None) -> list[str]:
    period = f"last {days} days" if days else "all time"
    lines = [
        f"questions ({period}): {stats.questions}",
        f"answered: {stats.answered} ({stats.answer_rate:.0%}), ambiguous: {stats.ambiguous}, "
        f"unknown: {stats.unknown} ({stats.unknown_rate:.0%})",
        f"feedback: {stats.helpful} helpful, {stats.not_helpful} not helpful",
    ]
    for title, rows in (
        ("top questions", stats.top_questions),
        ("most frequent unanswered", stats.top_unanswered),
        ("most answered claims", stats.top_claims),
    ):
        lines.append(f"{title}:")
        lines.extend(f"  {count:>5}  {text}" for text, count in rows)
        if not rows:
            lines.append("      -")
    return lines
