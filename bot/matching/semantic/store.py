"""The claims' vectors in claim order, kept on disk per knowledge base, so that a start or a
reload maps one file instead of hashing every text and gathering its vector.

:class:`~bot.matching.semantic.cache.VectorCache` keeps vectors by text, so that only new
texts are ever embedded; but making a knowledge base's index from it means hashing each of
its texts and copying each vector, about 4 s and twice the vectors' size in memory at
100,000 claims (950,000 texts, 1.5 GB of float32). This file holds the result, the
matrices :class:`~bot.matching.semantic.SemanticIndex` searches, in
:mod:`bot.matching.binfile`'s layout, keyed by the knowledge base (its identity, see
:func:`bot.matching.index_store.knowledge_identity`), the model and the code that lists a
claim's texts. It is mapped read-only, not read: the pages are the operating system's
file cache, shared by every process of the host that maps the same file.

Sections::

    meta              msgpack  [claims, dimensions, phrasing rows, passage rows]
    phrasing-starts   <i8      per claim, its first phrasing row
    passage-starts    <i8      per claim, its first passage row
    phrasings         <f4      phrasing rows x dimensions
    passages          <f4      passage rows x dimensions
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from bot.knowledge.models import Claim
from bot.matching import binfile
from bot.matching.semantic import index as index_module
from bot.matching.semantic import model as model_module
from bot.matching.semantic.cache import VectorCache
from bot.matching.semantic.index import ClaimVectors, SemanticIndex
from bot.matching.semantic.model import Embedder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger(__name__)

FORMAT = 1
KIND = "claim-vectors"
PREFIX = "vectors"
KEEP = 2
"""Vector files kept (1.5 GB each at 100,000 claims)."""


class _Meta(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    claims: int
    dimensions: int
    phrasing_rows: int
    passage_rows: int


class VectorStore:
    """Claim vectors in ``directory``, one file per knowledge base, model and code."""

    def __init__(self, directory: Path, *, keep: int = KEEP) -> None:
        self.directory = directory
        self.keep = keep
        self._code: str | None = None

    def index(
        self, identity: str, claims: Sequence[Claim], embedder: Embedder, cache: VectorCache
    ) -> SemanticIndex:
        """The semantic index of ``claims`` (the knowledge base ``identity``): read from its
        file, else made through ``cache`` (embedding only what it lacks) and written."""
        key = self.key(identity, embedder.model_id)
        if key is None:
            return SemanticIndex(claims, embedder, cache)
        path = self.directory / binfile.file_name(PREFIX, key)
        found = self._load(path, key, claims, embedder)
        if found is not None:
            return found
        built = SemanticIndex(claims, embedder, cache)
        self._save(path, key, built)
        return built

    def key(self, identity: str, model_id: str) -> str | None:
        """What the vectors of knowledge base ``identity`` are made from: the model, the
        code that lists and embeds a claim's texts, and this file's format."""
        if self._code is None:
            modules = (binfile, index_module, model_module, sys.modules[__name__])
            self._code = binfile.code_fingerprint(modules) or ""
        if not self._code:
            return None
        return binfile.key_of(
            {"format": FORMAT, "code": self._code, "model": model_id, "knowledge": identity}
        )

    def _load(
        self, path: Path, key: str, claims: Sequence[Claim], embedder: Embedder
    ) -> SemanticIndex | None:
        started = time.perf_counter()
        try:
            stored = binfile.read(path, kind=KIND, format_=FORMAT, key=key)
            if stored is None:
                return None
            found = SemanticIndex.from_vectors(claims, embedder, _vectors(stored, len(claims)))
        except (OSError, ValueError, TypeError, msgspec.DecodeError) as exc:
            log.warning("ignoring the stored claim vectors %s: %s", path, exc)
            return None
        binfile.touch(path)
        log.info("claim vectors mapped from %s in %.2f s", path, time.perf_counter() - started)
        return found

    def _save(self, path: Path, key: str, built: SemanticIndex) -> None:
        vectors = built.vectors()
        dimensions = max(vectors.phrasings.shape[-1], vectors.passages.shape[-1])
        meta = _Meta(len(built), dimensions, len(vectors.phrasings), len(vectors.passages))
        sections = [
            binfile.Section("meta", "msgpack", [msgspec.msgpack.encode(meta)]),
            binfile.Section("phrasing-starts", "<i8", [_bytes(vectors.phrasing_starts, "<i8")]),
            binfile.Section("passage-starts", "<i8", [_bytes(vectors.passage_starts, "<i8")]),
            binfile.Section("phrasings", "<f4", [_bytes(vectors.phrasings, "<f4")]),
            binfile.Section("passages", "<f4", [_bytes(vectors.passages, "<f4")]),
        ]
        started = time.perf_counter()
        try:
            size = binfile.write(path, kind=KIND, format_=FORMAT, key=key, sections=sections)
        except (OSError, ValueError) as exc:
            log.warning("could not write the claim vectors to %s: %s", path, exc)
            return
        binfile.prune(self.directory, f"{PREFIX}-*.bin", self.keep)
        log.info(
            "claim vectors written to %s (%.0f MB) in %.2f s",
            path,
            size / 1e6,
            time.perf_counter() - started,
        )


def _bytes(values: npt.NDArray[np.generic], dtype: str) -> memoryview:
    import numpy as np

    return np.ascontiguousarray(values, dtype=dtype).data.cast("B")


def _vectors(stored: binfile.StoredFile, claims: int) -> ClaimVectors:
    """The vectors of a sound file, mapped in place; :class:`binfile.Invalid` if they do
    not fit ``claims`` claims."""
    import numpy as np

    meta = msgspec.msgpack.decode(stored.section("meta", "msgpack"), type=_Meta)
    if meta.claims != claims:
        raise binfile.Invalid(f"vectors of {meta.claims} claims, not {claims}")
    phrasing_starts = np.frombuffer(stored.section("phrasing-starts", "<i8"), dtype="<i8")
    passage_starts = np.frombuffer(stored.section("passage-starts", "<i8"), dtype="<i8")
    phrasings = _matrix(stored, "phrasings", meta.phrasing_rows, meta.dimensions)
    passages = _matrix(stored, "passages", meta.passage_rows, meta.dimensions)
    for starts, rows in (
        (phrasing_starts, meta.phrasing_rows),
        (passage_starts, meta.passage_rows),
    ):
        if len(starts) != claims or (
            claims and (starts[0] != 0 or starts[-1] >= rows or bool(np.any(np.diff(starts) < 0)))
        ):
            raise binfile.Invalid("rows that do not fit the claims")
    return ClaimVectors(phrasings, passages, phrasing_starts, passage_starts)


def _matrix(
    stored: binfile.StoredFile, name: str, rows: int, dimensions: int
) -> npt.NDArray[np.float32]:
    import numpy as np

    view = stored.section(name, "<f4")
    if rows < 0 or dimensions < 0 or len(view) != rows * dimensions * 4:
        raise binfile.Invalid(f"section {name} is not {rows} x {dimensions}")
    matrix: npt.NDArray[np.float32] = np.frombuffer(view, dtype=np.float32)
    return matrix.reshape(rows, dimensions) if rows else np.zeros((0, 0), dtype=np.float32)
