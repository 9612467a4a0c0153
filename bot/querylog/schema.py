"""The query log's schema, as numbered migrations tracked in ``PRAGMA user_version``.

A migration is appended, never edited: a database at version N gets migrations N+1…
applied in order, each in its own transaction, so an old log file upgrades in place.
"""

from __future__ import annotations

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    # 1: questions and feedback
    """
    CREATE TABLE queries (
        id          TEXT PRIMARY KEY,
        asked_at    TEXT NOT NULL,            -- ISO 8601, UTC
        adapter     TEXT NOT NULL,            -- 'cli', 'discord', …
        guild_id    TEXT,
        channel_id  TEXT,
        user_id     TEXT,                     -- as the privacy setting stores it
        question    TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (outcome IN ('answered', 'ambiguous', 'unknown')),
        claim_id    TEXT,
        score       REAL,
        latency_ms  REAL NOT NULL,
        kb_version  TEXT NOT NULL
    );
    CREATE INDEX queries_asked_at ON queries (asked_at);
    CREATE INDEX queries_outcome ON queries (outcome, asked_at);
    CREATE INDEX queries_user ON queries (user_id);
    CREATE TABLE feedback (
        query_id    TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
        given_at    TEXT NOT NULL,
        PRIMARY KEY (query_id, user_id)
    );
    """,
    # 2: the moderators' audit trail
    """
    CREATE TABLE changes (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          TEXT NOT NULL,            -- ISO 8601, UTC
        actor_id    TEXT NOT NULL,
        actor_name  TEXT NOT NULL,
        action      TEXT NOT NULL,            -- add, edit, remove, revert, add-question, add-source, reload, refused
        target      TEXT,                     -- the claim or source id
        before      TEXT,                     -- the file's exact text before (NULL: it did not exist)
        after       TEXT,                     -- the file's exact text after (NULL: it was removed)
        detail      TEXT,
        reverts     INTEGER REFERENCES changes (id)
    );
    CREATE INDEX changes_target ON changes (target, id);
    """,
    # 3: the language each question was asked in
    """
    ALTER TABLE queries ADD COLUMN language TEXT;  -- en, es, fa, other; NULL before
    """,
    # 4: members' picks among the candidates offered ("did you mean", related claims)
    """
    CREATE TABLE picks (
        query_id    TEXT NOT NULL,            -- the question the candidates were offered for
        user_id     TEXT NOT NULL,            -- as the privacy setting stores it ('' if not)
        claim_id    TEXT NOT NULL,
        picked_at   TEXT NOT NULL,            -- ISO 8601, UTC
        PRIMARY KEY (query_id, user_id)
    );
    CREATE INDEX picks_user ON picks (user_id);
    CREATE INDEX picks_picked_at ON picks (picked_at);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of the bot; refuse rather than corrupt it."""


async def migrate(connection: aiosqlite.Connection) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; returns the version found."""
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    found = int(row[0]) if row else 0
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"query log schema version {found} is newer than this bot's {SCHEMA_VERSION}"
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[version - 1]
        await connection.executescript(
            f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
        )
    return found
