"""Rewrite the knowledge base's shipped embedding seed (``knowledge/embeddings/``).

    python -m bench.seed_embeddings [--knowledge DIR]

Curators run it after editing claims (a test fails while the seed lacks a text): it embeds
only the texts the seed does not have and writes a seed holding exactly the current texts,
so it never grows stale entries. Without it the bot still works; a new install just embeds
the missing texts at its first question.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bot.config import default_knowledge_dir
from bot.knowledge.loader import load_knowledge
from bot.matching.semantic import SemanticIndex, VectorCache, load_embedder
from bot.matching.semantic.index import text_keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=default_knowledge_dir())
    args = parser.parse_args()
    knowledge = load_knowledge(args.knowledge)
    embedder, status = load_embedder(verify=True)
    if embedder is None:
        raise SystemExit(status.summary())
    seed = args.knowledge / "embeddings" / embedder.model_id
    with tempfile.TemporaryDirectory() as scratch:
        cache = VectorCache(Path(scratch), seed=seed)
        index = SemanticIndex(knowledge.claims, embedder, cache)
        keys = text_keys(knowledge.claims, embedder.model_id)
        cache.export(keys, seed)
    print(f"{seed}: {len(keys)} texts ({index.embedded_now} embedded now)")


if __name__ == "__main__":
    main()
