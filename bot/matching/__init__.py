"""Matching questions to claims: analysis, the claim index, scoring and the verdict."""

from bot.matching.analysis import Analyzer
from bot.matching.index import ClaimIndex
from bot.matching.matcher import Matcher, MatchResult, Outcome, ScoredClaim
from bot.matching.thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Analyzer",
    "ClaimIndex",
    "MatchResult",
    "Matcher",
    "Outcome",
    "ScoredClaim",
    "Thresholds",
]


def build_matcher(
    knowledge: "KnowledgeBase", thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Matcher:
    """The matcher for one knowledge base (its synonyms, its vocabulary, its claims)."""
    return Matcher(ClaimIndex(knowledge, Analyzer(knowledge.synonyms)), thresholds)


from bot.knowledge.loader import KnowledgeBase  # noqa: E402  (for the annotation above)
