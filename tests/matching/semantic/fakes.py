"""A deterministic stand-in for the embedding model: bag-of-words vectors, unit length, so
texts sharing words are similar. It counts what it embeds, to pin down caching."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bot.matching.semantic.model import Vectors

DIMENSIONS = 64


class CountingEmbedder:
    model_id = "fake-model"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def passages(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> Vectors:
        self.embedded += texts
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.casefold().split():
                digest = hashlib.sha256(word.strip("?.,¿!").encode()).digest()
                vectors[row, digest[0] % DIMENSIONS] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
