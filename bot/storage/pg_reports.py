"""The reports' SQL for PostgreSQL: :mod:`bot.querylog.stats` and :mod:`bot.moderation.misses`
say what each report means; these give the same answers from PostgreSQL's types.

The shared suite (``tests/storage``) holds them to SQLite's results on the same log,
down to the order of ties and which letters count as the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from bot.moderation import misses
from bot.querylog.stats import DayCounts, Stats

if TYPE_CHECKING:
    import asyncpg
    import asyncpg.pool

    Connection = asyncpg.Connection[Any] | asyncpg.pool.PoolConnectionProxy[Any]

BEGINNING = datetime(1, 1, 1, tzinfo=UTC)
"""``since`` when there is none: before every question."""

GROUP_KEY = "translate(trim(question), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
"""SQLite's ``lower(trim(question))``, which folds ASCII letters only: the same groups on
both back ends whatever PostgreSQL's locale."""


def to_ms(moment: datetime) -> datetime:
    """``moment`` to the millisecond, as SQLite's ISO text keeps times."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def read_stats(
    connection: Connection, *, since: datetime | None = None, top: int = 10
) -> Stats:
    start = to_ms(since) if since else BEGINNING
    by_outcome = {
        str(row[0]): int(row[1])
        for row in await connection.fetch(
            "SELECT outcome, count(*) FROM queries WHERE asked_at >= $1 GROUP BY outcome", start
        )
    }
    votes = await connection.fetchrow(
        """SELECT count(*) FILTER (WHERE f.helpful), count(*) FILTER (WHERE NOT f.helpful)
           FROM feedback f JOIN queries q ON q.id = f.query_id WHERE q.asked_at >= $1""",
        start,
    )

    async def grouped(condition: str, column: str = GROUP_KEY) -> list[tuple[str, int]]:
        rows = await connection.fetch(
            f"""SELECT {column} AS key, count(*) AS n FROM queries
                WHERE asked_at >= $1 {condition}
                GROUP BY key ORDER BY n DESC, ({column}) COLLATE "C" LIMIT $2""",
            start,
            top,
        )
        return [(str(key), int(count)) for key, count in rows]

    return Stats(
        questions=sum(by_outcome.values()),
        answered=by_outcome.get("answered", 0),
        ambiguous=by_outcome.get("ambiguous", 0),
        unknown=by_outcome.get("unknown", 0),
        helpful=int(votes[0]) if votes else 0,
        not_helpful=int(votes[1]) if votes else 0,
        top_questions=await grouped(""),
        top_unanswered=await grouped("AND outcome = 'unknown'"),
        top_claims=await grouped("AND outcome = 'answered'", column="claim_id"),
    )


async def read_daily(
    connection: Connection, *, until: datetime, since: datetime | None = None
) -> list[DayCounts]:
    """As :func:`bot.querylog.stats.read_daily`: a range count per UTC day and outcome on
    the ``(outcome, asked_at)`` index, every day from the first through the last present."""
    start = to_ms(since.astimezone(UTC)) if since else None
    bounds = await connection.fetchrow(
        "SELECT (SELECT min(asked_at) FROM queries WHERE asked_at >= $1),"
        " (SELECT max(asked_at) FROM queries)",
        start or BEGINNING,
    )
    if bounds is None or bounds[0] is None:
        return []
    first: date = start.date() if start else _utc_day(bounds[0])
    last = max(until.astimezone(UTC).date(), _utc_day(bounds[1]))
    rows = await connection.fetch(
        """SELECT (d AT TIME ZONE 'UTC')::date, o.outcome,
                  (SELECT count(*) FROM queries q WHERE q.outcome = o.outcome
                      AND q.asked_at >= greatest(d, $3)
                      AND q.asked_at < d + interval '1 day')
           FROM generate_series($1::timestamptz, $2::timestamptz, interval '1 day') AS d,
                (VALUES ('answered'), ('ambiguous'), ('unknown')) AS o (outcome)""",
        _midnight(first),
        _midnight(last),
        start or BEGINNING,
    )
    counts: dict[date, dict[str, int]] = {}
    for day, outcome, n in rows:
        counts.setdefault(day, {})[str(outcome)] = int(n)
    return [DayCounts(day, **by_outcome) for day, by_outcome in sorted(counts.items())]


async def find_misses(
    connection: Connection, *, since: datetime | None = None, limit: int = 10
) -> list[misses.Miss]:
    """As :func:`bot.moderation.misses.find_misses`; picks listed in the order SQLite
    reads them (by member), so that ties among picked claims fall alike."""
    rows = await connection.fetch(
        """
        SELECT q.id, q.question, q.asked_at, q.outcome,
               EXISTS (SELECT 1 FROM feedback f WHERE f.query_id = q.id AND NOT f.helpful),
               (SELECT string_agg(p.claim_id, ' ' ORDER BY p.user_id COLLATE "C")
                  FROM picks p WHERE p.query_id = q.id)
        FROM queries q
        WHERE q.asked_at >= $1
          AND (q.outcome = 'unknown'
               OR EXISTS (SELECT 1 FROM feedback f WHERE f.query_id = q.id AND NOT f.helpful))
        ORDER BY q.asked_at DESC LIMIT $2
        """,
        to_ms(since) if since else BEGINNING,
        misses.MAX_ROWS,
    )
    return misses.group_misses([(r[0], r[1], _iso(r[2]), r[3], r[4], r[5]) for r in rows])[:limit]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
