"""Building small knowledge directories for tests, and the shipped one, loaded once.

``make_knowledge`` writes the layout :func:`bot.knowledge.load_knowledge` reads::

    knowledge/sources/<source_id>.yaml   metadata (from a dict, or YAML text as given)
    knowledge/sources/<source_id>.txt    the source text
    knowledge/claims/<name>.yaml         one file per claim (from a dict, or YAML text as given)

A claim given as text is written byte for byte, so a test can pin the line numbers
that error messages must name; a dict is dumped with ``yaml.safe_dump``.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.config import default_knowledge_dir
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.querylog import QueryRecord

SOURCE_ID = "tiny-source"
SOURCE_TITLE = "A Tiny Source About Tankers"
SOURCE_TEXT = (
    "Tankers Sail From Iran\n"
    "Iran sent five tankers of gasoline to Venezuela in 2020. "
    "The U.S. Treasury responded with sanctions on the shipping firms. "
    "Both governments called the sanctions illegal, and the tankers arrived anyway.\n"
)
"""Four sentences: a headline line, then three sentences on one line."""

YamlSpec = str | bytes | Mapping[str, Any]
"""A YAML file's content: text or bytes written as given, or data to dump."""


def claim_data(
    claim_id: str = "tankers-sent",
    *,
    quote: str = "Iran sent five tankers of gasoline to Venezuela in 2020.",
    questions: Any = ("How many tankers did Iran send?",),
    source: str = SOURCE_ID,
    **overrides: Any,
) -> dict[str, Any]:
    """A valid claim as a dict (one citation); ``overrides`` replace or add fields.

    ``questions`` given as a tuple becomes a YAML list; anything else is written as is,
    so a test can give a string or a number where a list belongs.
    """
    data: dict[str, Any] = {
        "id": claim_id,
        "statement": f"The source says: {quote}",
        "topics": ["energy"],
        "questions": list(questions) if isinstance(questions, tuple) else questions,
        "citations": [{"source": source, "quote": quote}],
    }
    data.update(overrides)
    return data


def write_yaml(path: Path, content: YamlSpec) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(
            yaml.safe_dump(dict(content), sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return path


def make_knowledge(
    tmp_path: Path,
    *,
    claims: Mapping[str, YamlSpec] | None = None,
    source_text: str | bytes = SOURCE_TEXT,
    source_id: str = SOURCE_ID,
    source_meta: YamlSpec | None = None,
    synonyms: YamlSpec | None = None,
) -> Path:
    """Write a knowledge directory under ``tmp_path`` and return its path.

    ``claims`` maps a file name relative to ``claims/`` (".yaml" added when missing;
    subdirectories allowed) to its content; by default one valid claim,
    :func:`claim_data`, in ``claims/tankers-sent.yaml``.
    """
    root = tmp_path / "knowledge"
    sources = root / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    meta: YamlSpec = (
        source_meta
        if source_meta is not None
        else {
            "id": source_id,
            "title": SOURCE_TITLE,
            "file": f"{source_id}.txt",
            "origin": "Written for the tests.",
        }
    )
    write_yaml(sources / f"{source_id}.yaml", meta)
    text_path = sources / f"{source_id}.txt"
    if isinstance(source_text, bytes):
        text_path.write_bytes(source_text)
    else:
        text_path.write_text(source_text, encoding="utf-8")
    if claims is None:
        claims = {"tankers-sent": claim_data()}
    (root / "claims").mkdir(exist_ok=True)
    for name, content in claims.items():
        write_claim(root, name, content)
    if synonyms is not None:
        write_yaml(root / "synonyms.yaml", synonyms)
    return root


def write_claim(root: Path, name: str, content: YamlSpec) -> Path:
    """Write ``claims/<name>.yaml`` under the knowledge directory ``root``."""
    file_name = name if name.endswith(".yaml") else f"{name}.yaml"
    return write_yaml(root / "claims" / file_name, content)


@functools.cache
def shipped_knowledge() -> KnowledgeBase:
    """The project's own knowledge base, loaded once per test session (it is immutable)."""
    return load_knowledge(default_knowledge_dir())


def query_db(path: Path, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows from the SQLite file at ``path``, read the way another process would."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


ASKED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def query_record(query_id: str = "q1", **overrides: Any) -> QueryRecord:
    """A query log row for an answered question; ``overrides`` replace any field."""
    fields: dict[str, Any] = {
        "id": query_id,
        "asked_at": ASKED_AT,
        "adapter": "cli",
        "question": "What did Venezuela import from Iran in 2020?",
        "outcome": "answered",
        "claim_id": "venezuela-imported-iranian-gasoline-2020",
        "score": 97.5,
        "latency_ms": 1.25,
        "kb_version": "0123456789ab",
    }
    fields.update(overrides)
    return QueryRecord(**fields)


async def start_bot_process(
    *args: str, env: dict[str, str], cwd: Path
) -> asyncio.subprocess.Process:
    """``python -m bot ARGS`` as a child process, its output piped for the test to read."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
