"""Claim-text vectors kept on disk, keyed by model and text, so only new texts are embedded.

Embedding the shipped knowledge base's ~900 texts takes about 12 s on two cores; a start,
a reload or a moderator's edit must not pay that again. Each vector is stored under the
sha256 of (model id, prefix, text): a changed text is a new key, an unchanged one is read
back, whatever else changed. The files are replaced atomically, so a reader never sees
half a cache, and a damaged or foreign file is ignored (it is only a cache).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.matching.semantic.model import Vectors

log = logging.getLogger(__name__)

_DIMENSIONS_FILE = "vectors.npy"
_KEYS_FILE = "keys.txt"


def text_key(model_id: str, kind: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\0{kind}\0{text}".encode()).hexdigest()


class VectorCache:
    """Vectors by key in one directory per model; ``None`` directory = memory only.

    ``seed`` is a read-only cache of the same layout, used while ``directory`` has none:
    the knowledge base ships one (``knowledge/embeddings/``) so that a new user's first
    question does not wait half a minute for every claim text to be embedded.
    """

    def __init__(self, directory: Path | None, seed: Path | None = None) -> None:
        self._directory = directory
        self._seed = seed
        self._rows: dict[str, int] = {}
        self._vectors: Vectors | None = None
        self._loaded = False

    def get_many(self, keys: list[str]) -> tuple[Vectors | None, list[int]]:
        """The cached vectors for ``keys`` (rows in order, zeros where missing) and the
        positions of the missing keys."""
        import numpy as np

        self._load()
        missing = [i for i, key in enumerate(keys) if key not in self._rows]
        if self._vectors is None:
            return None, missing
        rows = np.array([self._rows.get(key, 0) for key in keys], dtype=np.int64)
        found = self._vectors[rows] if len(keys) else self._vectors[:0]
        if missing:
            found[missing] = 0.0
        return found, missing

    def put_many(self, keys: list[str], vectors: Vectors) -> None:
        """Add vectors and write the cache (atomically) if it has a directory."""
        import numpy as np

        self._load()
        new = [(key, row) for row, key in enumerate(keys) if key not in self._rows]
        if not new:
            return
        added = vectors[[row for _, row in new]].astype(np.float32)
        base = 0 if self._vectors is None else len(self._vectors)
        self._vectors = added if self._vectors is None else np.vstack([self._vectors, added])
        for offset, (key, _) in enumerate(new):
            self._rows[key] = base + offset
        self._save()

    def missing(self, keys: list[str]) -> list[str]:
        """The keys this cache (or its seed) has no vector for."""
        self._load()
        return [key for key in keys if key not in self._rows]

    def export(self, keys: list[str], directory: Path) -> None:
        """Write exactly ``keys``' vectors to ``directory`` (a fresh seed: nothing stale)."""
        vectors, missing = self.get_many(keys)
        if missing or vectors is None:
            raise KeyError(f"{len(missing)} of {len(keys)} keys have no vector yet")
        VectorCache(directory)._replace_with(
            dict(zip(keys, range(len(keys)), strict=True)), vectors
        )

    def _replace_with(self, rows: dict[str, int], vectors: Vectors) -> None:
        self._loaded = True
        self._rows, self._vectors = rows, vectors
        self._save()

    def __len__(self) -> int:
        self._load()
        return len(self._rows)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for directory in (self._directory, self._seed):
            if directory is not None and self._load_from(directory):
                return

    def _load_from(self, directory: Path) -> bool:
        import numpy as np

        vectors_path = directory / _DIMENSIONS_FILE
        keys_path = directory / _KEYS_FILE
        try:
            keys = keys_path.read_text(encoding="ascii").split()
            vectors = np.load(vectors_path, allow_pickle=False)
        except FileNotFoundError:
            return False
        except (OSError, ValueError) as exc:
            log.warning("ignoring the unreadable embedding cache in %s: %s", directory, exc)
            return False
        if vectors.ndim != 2 or len(vectors) != len(keys) or vectors.dtype != np.float32:
            log.warning("ignoring the inconsistent embedding cache in %s", directory)
            return False
        self._vectors = vectors
        self._rows = {key: row for row, key in enumerate(keys)}
        return True

    def _save(self) -> None:
        if self._directory is None or self._vectors is None:
            return
        import numpy as np

        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            keys = sorted(self._rows, key=self._rows.__getitem__)
            # Vectors first, then keys: a reader pairing new vectors with old keys sees a
            # length mismatch and ignores the cache; the reverse order could pair wrongly.
            with tempfile.NamedTemporaryFile(dir=self._directory, suffix=".npy", delete=False) as f:
                np.save(f, self._vectors, allow_pickle=False)
            os.chmod(f.name, 0o644)  # a cache, not a secret: a shipped seed must be readable
            os.replace(f.name, self._directory / _DIMENSIONS_FILE)
            with tempfile.NamedTemporaryFile(
                "w", dir=self._directory, suffix=".txt", delete=False, encoding="ascii"
            ) as k:
                k.write("\n".join(keys))
            os.chmod(k.name, 0o644)
            os.replace(k.name, self._directory / _KEYS_FILE)
        except OSError as exc:
            log.warning("could not write the embedding cache in %s: %s", self._directory, exc)
