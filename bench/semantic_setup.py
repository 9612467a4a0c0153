"""The semantic model for benchmarks and fitting, with its vectors cached where the bot's are."""

from __future__ import annotations

import os

from bot.config import default_cache_dir
from bot.matching import SemanticMatching
from bot.matching.semantic import VectorCache, load_embedder


def semantic_for_bench() -> SemanticMatching | None:
    embedder, _ = load_embedder()
    if embedder is None:
        return None
    cache = VectorCache(default_cache_dir(os.environ) / "embeddings" / embedder.model_id)
    return SemanticMatching(embedder, cache)
