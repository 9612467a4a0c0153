"""Finding claims by meaning: a multilingual sentence-embedding model, its vectors cached on
disk, and each claim's similarity to a question. Optional: the bot answers lexical-only
where the model's package is not installed (:func:`load_embedder` says why)."""

from bot.matching.semantic.cache import VectorCache
from bot.matching.semantic.index import SemanticIndex, Similarities
from bot.matching.semantic.model import Embedder, ModelStatus, load_embedder

__all__ = [
    "Embedder",
    "ModelStatus",
    "SemanticIndex",
    "Similarities",
    "VectorCache",
    "load_embedder",
]
