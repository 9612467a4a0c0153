"""Matching questions to claims: analysis, the claim index, scoring and the verdict."""

from bot.matching.analysis import Analyzer
from bot.matching.index import ClaimIndex
from bot.matching.matcher import Matcher, MatchResult, Outcome, ScoredClaim
from bot.matching.thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Analyzer",
    "ClaimIndex",
    "HybridMatcher",
    "IndexStore",
    "MatchResult",
    "Matcher",
    "Outcome",
    "ScoredClaim",
    "SemanticMatching",
    "Thresholds",
]


def build_matcher(
    knowledge: "KnowledgeBase",
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    semantic: "SemanticMatching | None" = None,
    words: "WordLists | None" = None,
    indexes: "IndexStore | None" = None,
) -> Matcher:
    """The matcher for one knowledge base (its synonyms, its vocabulary, its claims):
    hybrid where the semantic model is available, lexical only where it is not. ``words``
    tell real words from typos (pass the process's, made with its cache directory).
    ``indexes`` keeps claim indexes between starts (read if there, else built and kept);
    then ``semantic``'s store, if any, keeps the claims' vectors alike."""
    analyzer = Analyzer(knowledge.synonyms)
    if indexes is None:
        index, identity = ClaimIndex(knowledge, analyzer), None
    else:
        identity = knowledge_identity(knowledge)
        index = indexes.index(knowledge, analyzer, identity)
    if semantic is None:
        return Matcher(index, thresholds, words)
    return HybridMatcher(index, semantic, thresholds, words=words, identity=identity)


from bot.knowledge.loader import KnowledgeBase  # noqa: E402  (for the annotation above)
from bot.matching.hybrid import HybridMatcher, SemanticMatching  # noqa: E402
from bot.matching.index_store import IndexStore, knowledge_identity  # noqa: E402
from bot.matching.wordlists import WordLists  # noqa: E402
