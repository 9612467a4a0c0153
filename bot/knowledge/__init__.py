"""The knowledge base: sources, claims with verbatim citations, synonyms, and their loader."""

from bot.knowledge.loader import KnowledgeBase, KnowledgeError, Problem, load_knowledge
from bot.knowledge.models import Citation, Claim, Source, SourceMeta

__all__ = [
    "Citation",
    "Claim",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "Source",
    "SourceMeta",
    "load_knowledge",
]
