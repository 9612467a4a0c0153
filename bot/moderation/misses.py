"""The questions the bot failed: unanswered, or answered and voted "not helpful".

Members ask the same thing in many small variations, so near-duplicates are grouped
(rapidfuzz ``token_sort_ratio`` over the normalised text, linked transitively; no
numpy needed, unlike ``process.cdist``) and
the groups are ranked by how often they were asked. Each group keeps a query id, so a
moderator's button can point back at it.

When a member answered a miss themselves, by picking one of the related claims the bot
offered, the group says which (``Miss.picked``): the wording is then a curated example
of that claim, one click away from becoming its phrasing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import aiosqlite
from rapidfuzz import fuzz, process, utils

SIMILAR = 85.0
"""Questions at least this similar are one miss."""

MAX_ROWS = 2000
"""Only the newest misses are grouped (grouping compares every pair)."""


@dataclass(frozen=True)
class Miss:
    """A group of near-identical failed questions."""

    question: str
    """The most frequent wording in the group."""
    count: int
    unanswered: int
    not_helpful: int
    query_id: str
    """One query of the group with that wording (for buttons)."""
    last_asked: datetime
    wordings: tuple[str, ...]
    picked: tuple[tuple[str, int], ...] = ()
    """Claims members picked for questions of the group, with how many picks, most first."""

    @property
    def top_pick(self) -> str | None:
        """The claim members picked most for this miss, if any picked one."""
        return self.picked[0][0] if self.picked else None


async def find_misses(
    connection: aiosqlite.Connection, *, since: datetime | None = None, limit: int = 10
) -> list[Miss]:
    since_text = since.isoformat(timespec="milliseconds") if since else ""
    async with connection.execute(
        """
        SELECT q.id, q.question, q.asked_at, q.outcome,
               EXISTS (SELECT 1 FROM feedback f WHERE f.query_id = q.id AND f.helpful = 0),
               (SELECT group_concat(p.claim_id, ' ') FROM picks p WHERE p.query_id = q.id)
        FROM queries q
        WHERE q.asked_at >= ?
          AND (q.outcome = 'unknown'
               OR EXISTS (SELECT 1 FROM feedback f WHERE f.query_id = q.id AND f.helpful = 0))
        ORDER BY q.asked_at DESC LIMIT ?
        """,
        (since_text, MAX_ROWS),
    ) as cursor:
        rows = [tuple(row) for row in await cursor.fetchall()]
    return group_misses(rows)[:limit]


def group_misses(rows: list[tuple[object, ...]]) -> list[Miss]:
    """Group rows of (query id, question, asked at, outcome, not helpful[, picked claim ids
    separated by spaces, or None]), newest first."""
    if not rows:
        return []
    questions = [" ".join(str(row[1]).split()) for row in rows]
    keys = [utils.default_process(q) for q in questions]
    unique = list(dict.fromkeys(keys))  # identical wordings need no fuzzy comparison
    parent = list(range(len(unique)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i, key in enumerate(unique):
        for _, _, j in process.extract(
            key, unique, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR, limit=None
        ):
            if j != i:
                parent[root(i)] = root(int(j))
    position = {key: index for index, key in enumerate(unique)}
    groups: dict[int, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(root(position[key]), []).append(index)
    misses: list[Miss] = []
    for members in groups.values():
        wordings = Counter(questions[i] for i in members)
        top, _ = wordings.most_common(1)[0]
        representative = next(i for i in members if questions[i] == top)
        picks = Counter(claim for i in members for claim in _picked(rows[i]))
        misses.append(
            Miss(
                question=top,
                count=len(members),
                unanswered=sum(1 for i in members if rows[i][3] == "unknown"),
                not_helpful=sum(1 for i in members if rows[i][4]),
                query_id=str(rows[representative][0]),
                last_asked=max(datetime.fromisoformat(str(rows[i][2])) for i in members),
                wordings=tuple(w for w, _ in wordings.most_common(5)),
                picked=tuple(picks.most_common()),
            )
        )
    misses.sort(key=lambda m: (-m.count, -m.last_asked.timestamp(), m.question))
    return misses


def _picked(row: tuple[object, ...]) -> list[str]:
    return str(row[5]).split() if len(row) > 5 and row[5] else []


async def question_of(connection: aiosqlite.Connection, query_id: str) -> str | None:
    """The text of one logged question (for the misses buttons)."""
    async with connection.execute(
        "SELECT question FROM queries WHERE id = ?", (query_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return str(row[0]) if row else None
