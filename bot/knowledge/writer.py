"""Writing knowledge files so that a crash at any moment leaves every file loadable.

One writer per knowledge directory serialises changes with an ``asyncio.Lock`` and
does the file work off the event loop. Each write goes to a temporary file in the
same directory, is flushed and ``fsync``-ed, then ``os.replace``-d over the target
(atomic on POSIX), and the directory is ``fsync``-ed so the rename itself survives
a power cut. The loader ignores the temporary files (they do not end in ``.yaml``).
A change touches only its own claim's file; other files, with their comments, are
never rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.models import Claim, SourceMeta


class _Quoted(str):
    """A value to write double-quoted, as our hand-written files do: nothing a curator
    types (a colon, "#", a leading quote) can change its meaning."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key ("  - …"), like the hand-written files."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_quoted(dumper: yaml.SafeDumper, value: _Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


_Dumper.add_representer(_Quoted, _represent_quoted)


def _quote_values(value: Any) -> Any:
    if isinstance(value, str):
        return _Quoted(value)
    if isinstance(value, list):
        return [_quote_values(item) for item in value]
    if isinstance(value, dict):
        return {key: _quote_values(item) for key, item in value.items()}
    return value


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(
        _quote_values(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000
    )


def claim_yaml(claim: Claim) -> str:
    """A claim as the YAML of its file, in the field order curators use."""
    data: dict[str, Any] = {
        "id": claim.id,
        "statement": claim.statement,
        "topics": list(claim.topics),
        "questions": list(claim.questions),
        "citations": [{"source": c.source, "quote": c.quote} for c in claim.citations],
    }
    if claim.note is not None:
        data["note"] = claim.note
    if claim.translations:
        data["translations"] = dict(sorted(claim.translations.items()))
    return dump_yaml(data)


def source_yaml(meta: SourceMeta) -> str:
    data: dict[str, Any] = {
        "id": meta.id,
        "title": meta.title,
        "file": meta.file,
        "origin": meta.origin,
    }
    if meta.url is not None:
        data["url"] = meta.url
    if meta.published is not None:
        data["published"] = meta.published
    return dump_yaml(data)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def remove_file(path: Path) -> None:
    path.unlink()
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class KnowledgeWriter:
    """Serialised, crash-safe writes under one knowledge directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = asyncio.Lock()
        """Held for a whole change: validate, write, swap. Callers take it with ``async with``."""

    def claim_path(self, claim_id: str) -> Path:
        return self.root / "claims" / f"{claim_id}.yaml"

    async def write_claim(self, claim: Claim, path: Path | None = None) -> Path:
        target = path or self.claim_path(claim.id)
        await asyncio.to_thread(write_atomically, target, claim_yaml(claim).encode("utf-8"))
        return target

    async def write_text(self, path: Path, text: str) -> None:
        await asyncio.to_thread(write_atomically, path, text.encode("utf-8"))

    async def remove(self, path: Path) -> None:
        await asyncio.to_thread(remove_file, path)

    async def write_source(self, meta: SourceMeta, text: str) -> tuple[Path, Path]:
        """The text first, then its metadata: a crash in between leaves an unreferenced
        text file, never metadata pointing at nothing."""
        text_path = self.root / "sources" / meta.file
        meta_path = self.root / "sources" / f"{meta.id}.yaml"
        await asyncio.to_thread(write_atomically, text_path, text.encode("utf-8"))
        await asyncio.to_thread(write_atomically, meta_path, source_yaml(meta).encode("utf-8"))
        return meta_path, text_path
