"""Why the query log falls behind a busy bot: SQLite, threads and the GIL.

aiosqlite runs each statement in its own thread, and Python's ``sqlite3`` releases the
GIL around every ``sqlite3_step``, so ``executemany`` of 500 rows gives it up and takes
it back 500 times. While the event loop's thread is busy answering questions it keeps
the GIL for up to the switch interval (5 ms) each time, so the writer crawls at a few
hundred rows per second. One statement per batch (many ``VALUES`` rows, or the whole
batch as one JSON parameter through ``json_each``) needs the GIL back only once.

This measures the three ways with a thread writing and the main thread idle, then busy
running Python; ``bench.run`` reports it beside the query log's own numbers.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROWS = 3000
BATCH = 500
_COLUMNS = 12
_SCHEMA = (
    "CREATE TABLE queries (id TEXT PRIMARY KEY, asked_at TEXT, adapter TEXT, guild_id TEXT,"
    " channel_id TEXT, user_id TEXT, question TEXT, outcome TEXT, claim_id TEXT,"
    " score REAL, latency_ms REAL, kb_version TEXT)"
)
_ONE_ROW = "(" + ",".join("?" * _COLUMNS) + ")"
_ROWS_PER_VALUES = 999 // _COLUMNS  # SQLite's historical limit on parameters

Row = tuple[object, ...]


def _rows() -> list[Row]:
    return [
        (f"{i:016x}", "2024-05-17T12:00:00.000+00:00", "bench", "1", "2", "3",
         "What did Venezuela import from Iran in 2020?", "answered", "claim", 91.5, 0.2, "v1")
        for i in range(ROWS)
    ]  # fmt: skip


def _executemany(connection: sqlite3.Connection, batch: list[Row]) -> None:
    connection.executemany(f"INSERT INTO queries VALUES {_ONE_ROW}", batch)


def _values(connection: sqlite3.Connection, batch: list[Row]) -> None:
    for start in range(0, len(batch), _ROWS_PER_VALUES):
        part = batch[start : start + _ROWS_PER_VALUES]
        statement = "INSERT INTO queries VALUES " + ",".join([_ONE_ROW] * len(part))
        connection.execute(statement, [value for row in part for value in row])


def _json_each(connection: sqlite3.Connection, batch: list[Row]) -> None:
    columns = ", ".join(f"value ->> {i}" for i in range(_COLUMNS))
    statement = f"INSERT INTO queries SELECT {columns} FROM json_each(?)"
    connection.execute(statement, (json.dumps(batch),))


WAYS: dict[str, Callable[[sqlite3.Connection, list[Row]], None]] = {
    "executemany": _executemany,
    "multi-row VALUES": _values,
    "json_each": _json_each,
}


def _rows_per_second(way: Callable[[sqlite3.Connection, list[Row]], None], *, busy: bool) -> float:
    rows = _rows()
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as directory:
        connection = sqlite3.connect(Path(directory) / "q.sqlite3", check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute(_SCHEMA)
        done = threading.Event()
        took: list[float] = []

        def write() -> None:
            started = time.perf_counter()
            for start in range(0, len(rows), BATCH):
                way(connection, rows[start : start + BATCH])
                connection.commit()
            took.append(time.perf_counter() - started)
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        while busy and not done.is_set():
            sum(range(20_000))  # Python work in the main thread, as answering is
        writer.join()
        connection.close()
    return ROWS / took[0]


def measure_sqlite_convoy() -> dict[str, Any]:
    if sqlite3.sqlite_version_info < (3, 38, 0):  # ->> arrived in SQLite 3.38
        ways = {name: way for name, way in WAYS.items() if name != "json_each"}
    else:
        ways = WAYS
    return {
        name: {
            "idle_rows_per_s": _rows_per_second(way, busy=False),
            "busy_rows_per_s": _rows_per_second(way, busy=True),
        }
        for name, way in ways.items()
    }
