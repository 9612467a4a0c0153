"""Read-only reports over the query log, for ``python -m bot stats`` and moderators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite


@dataclass(frozen=True)
class Stats:
    """Counts over a period; rates are fractions of ``questions`` (0 when there are none)."""

    questions: int
    answered: int
    ambiguous: int
    unknown: int
    helpful: int
    not_helpful: int
    top_questions: list[tuple[str, int]]
    top_unanswered: list[tuple[str, int]]
    top_claims: list[tuple[str, int]]

    @property
    def answer_rate(self) -> float:
        return self.answered / self.questions if self.questions else 0.0

    @property
    def unknown_rate(self) -> float:
        return self.unknown / self.questions if self.questions else 0.0


async def read_stats(
    connection: aiosqlite.Connection, *, since: datetime | None = None, top: int = 10
) -> Stats:
    """Summarise questions asked since ``since`` (all time when None).

    Questions are grouped case- and space-insensitively, so "Oil?" and "oil?" count once.
    """
    since_text = since.isoformat(timespec="milliseconds") if since else ""
    where = "WHERE asked_at >= :since"
    params = {"since": since_text, "top": top}
    async with connection.execute(
        f"SELECT outcome, COUNT(*) FROM queries {where} GROUP BY outcome", params
    ) as cursor:
        by_outcome = {str(row[0]): int(row[1]) for row in await cursor.fetchall()}
    async with connection.execute(
        f"""SELECT SUM(f.helpful), SUM(1 - f.helpful) FROM feedback f
            JOIN queries q ON q.id = f.query_id {where.replace("asked_at", "q.asked_at")}""",
        params,
    ) as cursor:
        row = await cursor.fetchone()
    helpful, not_helpful = (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    async def grouped(
        condition: str, column: str = "lower(trim(question))"
    ) -> list[tuple[str, int]]:
        async with connection.execute(
            f"""SELECT {column} AS key, COUNT(*) AS n FROM queries {where} {condition}
                GROUP BY key ORDER BY n DESC, key LIMIT :top""",
            params,
        ) as cursor:
            return [(str(key), int(count)) for key, count in await cursor.fetchall()]

    return Stats(
        questions=sum(by_outcome.values()),
        answered=by_outcome.get("answered", 0),
        ambiguous=by_outcome.get("ambiguous", 0),
        unknown=by_outcome.get("unknown", 0),
        helpful=helpful,
        not_helpful=not_helpful,
        top_questions=await grouped(""),
        top_unanswered=await grouped("AND outcome = 'unknown'"),
        top_claims=await grouped("AND outcome = 'answered'", column="claim_id"),
    )
