"""Text normalisation shared by the quote checker and the coverage report.

A quote is verbatim when it appears in its source after both are normalised the same
way: typographic quotes and dashes folded to ASCII and runs of whitespace collapsed.
Nothing else is forgiven: a changed word, a dropped comma or a different case is a bug.
"""

from __future__ import annotations

import re
import unicodedata

_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)
_WHITESPACE = re.compile(r"\s+")


def normalise_for_quoting(text: str) -> str:
    """Fold typography and whitespace so a hand-typed quote can be compared to its source."""
    text = unicodedata.normalize("NFC", text).translate(_TYPOGRAPHIC)
    return _WHITESPACE.sub(" ", text).strip()


# Abbreviations that end in a period without ending a sentence ("U.S. sanctions").
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Inc|Ltd|Co|Corp|vs|etc|e\.g|i\.e)\.)$"
)
_SENTENCE_END = re.compile(r"[.!?]['\")\]]*(?=\s+|$)")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; every line break is a boundary (a headline is a sentence).

    A period ends a sentence only when the next word starts with a capital letter, a
    digit or a quote, and never right after an abbreviation: "U.S. Treasury" starts
    with a capital yet continues its sentence, so capitals alone cannot decide. (A
    sentence that really ends on "U.S." is therefore joined to the next one; the
    sources we ship have none, and a joined pair only makes coverage stricter.)
    """
    sentences: list[str] = []
    for raw_line in text.splitlines():
        line = normalise_for_quoting(raw_line)
        start = 0
        for match in _SENTENCE_END.finditer(line):
            candidate = line[start : match.end()]
            following = line[match.end() :].lstrip()
            if following and (
                _ABBREVIATION.search(candidate)
                or not (following[0].isupper() or following[0].isdigit() or following[0] in "\"'(")
            ):
                continue
            sentences.append(candidate.strip())
            start = match.end()
        rest = line[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences
