"""What a matcher needs besides its knowledge base, made once per process.

The model, its vector cache and the word lists outlive any one knowledge base: a
moderator's edit or a reload builds a new matcher with the same :class:`MatcherFactory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher, SemanticMatching, build_matcher
from bot.matching.hybrid import load_semantic_matching
from bot.matching.index_store import IndexStore
from bot.matching.semantic import ModelStatus
from bot.matching.wordlists import WordLists


@dataclass(frozen=True)
class MatcherFactory:
    semantic: SemanticMatching | None
    words: WordLists
    status: ModelStatus | None
    """Why semantic matching is on or off; None when switched off (``BOT_SEMANTIC=off``)."""
    indexes: IndexStore | None = None
    """Where claim indexes are kept between starts (None: built every time)."""

    def __call__(self, knowledge: KnowledgeBase) -> Matcher:
        return build_matcher(
            knowledge, semantic=self.semantic, words=self.words, indexes=self.indexes
        )

    def summary(self) -> str:
        if self.status is None:
            return "semantic matching: off (BOT_SEMANTIC=off)"
        return self.status.summary()

    @classmethod
    def load(
        cls, cache_dir: Path | None, seed_dir: Path | None, *, semantic: bool, verify: bool
    ) -> MatcherFactory:
        """The process's factory: the model where ``semantic`` and it can be had; claim
        indexes (and vectors) kept under ``cache_dir`` if given."""
        words = WordLists(cache_dir)
        indexes = None if cache_dir is None else IndexStore(cache_dir / "claim-index")
        if not semantic:
            return cls(None, words, None, indexes)
        found, status = load_semantic_matching(cache_dir, seed_dir, verify=verify)
        return cls(found, words, status, indexes)
