"""How much of each source the claims quote: every sentence should be cited somewhere.

A sentence counts as covered when every word of it lies inside some quote's span in
the source, so a sentence split across two claims (one clause each) is covered, and
one quoted only in part is not. The conjunction joining two quoted clauses ("…, and
…", "…, while …") says nothing on its own and need not be quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.text import normalise_for_quoting, split_sentences

JOINING_WORDS = frozenset({"and", "but", "or", "while", "whereas", "as", "yet", "so"})
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class SourceCoverage:
    source_id: str
    sentences: int
    uncovered: tuple[str, ...]

    @property
    def covered(self) -> int:
        return self.sentences - len(self.uncovered)

    @property
    def ratio(self) -> float:
        return self.covered / self.sentences if self.sentences else 1.0


def coverage(knowledge: KnowledgeBase) -> dict[str, SourceCoverage]:
    report: dict[str, SourceCoverage] = {}
    for source_id, source in knowledge.sources.items():
        text = normalise_for_quoting(source.text)
        marked = bytearray(len(text))
        for claim in knowledge.claims:
            for citation in claim.citations:
                if citation.source != source_id:
                    continue
                quote = normalise_for_quoting(citation.quote)
                start = text.find(quote)
                while start != -1:
                    marked[start : start + len(quote)] = b"\x01" * len(quote)
                    start = text.find(quote, start + 1)
        uncovered: list[str] = []
        position = 0
        sentences = split_sentences(source.text)
        for sentence in sentences:
            start = text.find(sentence, position)
            if start == -1:  # cannot happen for text we split ourselves; be conservative
                uncovered.append(sentence)
                continue
            position = start + len(sentence)
            if any(
                word.group(0).casefold() not in JOINING_WORDS
                and not all(marked[start + word.start() : start + word.end()])
                for word in _WORD.finditer(sentence)
            ):
                uncovered.append(sentence)
        report[source_id] = SourceCoverage(source_id, len(sentences), tuple(uncovered))
    return report
