"""What kind of answer a question wants, and whether a claim's quotes can give it.

"How many Iranian technicians are in Venezuela?" shares every content word with the
claim about Iranian technicians, but that claim holds no number: answering with it
would be answering a different question. A question that asks for a quantity or a
date is only answered by a claim whose quoted passages contain one; any other claim
is scored just under the answer threshold, so the bot says it does not know and
offers the claim as related instead. Likewise a question asking for names ("what are
the names of the tankers?") is only answered by a passage that names something the
question does not already name.
"""

from __future__ import annotations

import enum
import re

from bot.knowledge.models import Claim
from bot.matching.analysis import strip_accents


class AnswerType(enum.Enum):
    ANY = "any"
    QUANTITY = "quantity"
    EXACT_QUANTITY = "exact quantity"
    """"Exactly how many…", "in total": "numerous" or "the largest" does not answer it."""
    DATE = "date"
    YEAR = "year"
    """"In what year…": "years of underinvestment" does not answer it; a year does."""
    NAME = "name"
    ADVICE = "advice"
    """What the asker should do or think ("how do I invest in…", "is it a good thing?"):
    a news article reports, it never advises, so no claim answers it."""


_QUANTITY_QUESTION = re.compile(
    r"\bhow (many|much)\b|\bwhat (percentage|percent|share|number|amount|volume|quantity)\b"
    r"|\bnumber of\b|\bcuant[oa]s\b|\bque (cantidad|porcentaje|volumen)\b"
    r"|\b(price|prices|cost|costs|value) of\b|\bexchange rate\b|\bhow much does\b"
    r"|\bprecios? de\b|\bcuanto (cuesta|cuestan|vale|valen)\b|\btasa de cambio\b"
    r"|\bhow (big|large|far|old|tall)\b|\bexactly how\b"  # "how long": a duration, not an amount
    r"|(?<!\w)(چند|چقدر|چه مقدار|چه تعداد)(?!\w)"
    r"|\bcuanto\b(?!\s+(?:tiempo|dur))",  # "cuánto durará" asks how long, not how much
    re.IGNORECASE,
)
_EXACT = re.compile(
    r"\b(exact|exactly|precisely|in total|total number|exactamente|exacta|exacto|en total)\b"
    r"|(?<!\w)(دقیقا|دقیقاً|دقیق)(?!\w)",
    re.IGNORECASE,
)
_YEAR_QUESTION = re.compile(
    r"\b(what|which) year\b|\b(que|cual) ano\b|\ben que ano\b|(?<!\w)(چه سالی|کدام سال|کدوم سال)(?!\w)",
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile(
    r"^\W*when\b|\b(since|until) when\b|\bwhat (year|date|month|day)\b|\bin which year\b"
    r"|\bcuando\b|\bque (ano|fecha|mes|dia)\b|\ben que ano\b",
    re.IGNORECASE,
)
_WHICH_ANSWERED = (
    r"is|are|was|were|one|ones|of|countr(?:y|ies)|nations?|regions?|sides?|sectors?|areas?"
    r"|governments?|powers?|ways?|parts?|kinds?|types?|industr(?:y|ies)|fields?|issues?"
)
_NAME_QUESTION = re.compile(
    r"\bnames? of\b|\bwhat (is|was|are|were) (the|their|its|his|her) names?\b"
    r"|\bnombres? de\b|\bcomo se llaman?\b"
    # "which refineries…", "which individuals…": the particular ones, by name (not "which
    # country", "which sector": the article answers those, often in a sentence's first word)
    rf"|^\W*which (?!(?:{_WHICH_ANSWERED})\b)\w+|\bwhich specific\b|\bby name\b"
    r"|(?<!\w)(کدام|کدوم|چه کسی|چه کسانی)(?!\w)"
    # "who is the president…": a person, named
    r"|^\W*who(?:'s| is| was| are| were)\b|\bquien(?:es)? (es|son|era|fue)\b|(?<!\w)کیست(?!\w)",
    re.IGNORECASE,
)
_ADVICE_QUESTION = re.compile(
    r"\bhow (do|can|should|could) (i|we)\b|\bhow to\b|\b(should|can|could) (i|we)\b"
    r"|\bwhere can (i|we)\b|\bdo you think\b|\byour (opinion|view|take)\b"
    r"|\b(a )?(good|bad) (thing|idea|guys?)\b|\bwho is right\b|\bwho's right\b"
    r"|\bcomo (puedo|podemos|hago|hacemos)\b|\b(deberia|deberiamos)\b|\bque opinas\b"
    r"|\b(crees|piensas) que\b|\bes (bueno|malo)\b"
    r"|(?<!\w)(به نظرت|به نظر شما|نظرت|نظر شما|چطور می‌?تونم|چطور میتونم|چگونه می‌?توانم)(?!\w)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
"""Abbreviations like "U.S.", whose full stop does not end a sentence."""
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?"
    r"|billions?|percent|half|several|numerous|many|most|largest|decades?|dos|tres|cientos?|miles?"
)
_YEAR = r"(?:1[89]|20)\d\d"
_QUANTITY_ANSWER = re.compile(
    rf"\b(?!{_YEAR}\b)\d[\d,.]*|\b({_NUMBER_WORDS})\b", re.IGNORECASE
)  # a year ("in 2020") is a date, not an amount
_DATE_ANSWER = re.compile(
    rf"\b{_YEAR}\b|\b(january|february|march|april|may|june|july|august|september|october"
    r"|november|december|decades?|years?|months?|weeks?|since|now|today|recent(ly)?|long-term)\b",
    re.IGNORECASE,
)


_DIGITS_AMOUNT = re.compile(rf"\b(?!{_YEAR}\b)\d[\d,.]*")
_YEAR_ANSWER = re.compile(rf"\b{_YEAR}\b")
_ANSWER_PATTERNS = {
    AnswerType.QUANTITY: _QUANTITY_ANSWER,
    AnswerType.EXACT_QUANTITY: _DIGITS_AMOUNT,
    AnswerType.DATE: _DATE_ANSWER,
    AnswerType.YEAR: _YEAR_ANSWER,
}


def answer_type(question: str) -> AnswerType:
    text = strip_accents(question)
    if _ADVICE_QUESTION.search(text):
        return AnswerType.ADVICE
    if _NAME_QUESTION.search(text):
        return AnswerType.NAME
    if _QUANTITY_QUESTION.search(text):
        return AnswerType.EXACT_QUANTITY if _EXACT.search(text) else AnswerType.QUANTITY
    if _YEAR_QUESTION.search(text):
        return AnswerType.YEAR
    if _DATE_QUESTION.search(text):
        return AnswerType.DATE
    return AnswerType.ANY


def can_answer(claim: Claim, wanted: AnswerType) -> bool:
    """Whether ``claim``'s quoted passages hold the kind of answer wanted (for names:
    any name at all; which are new to a question is the index's to decide)."""
    if wanted is AnswerType.ANY:
        return True
    if wanted is AnswerType.ADVICE:
        return False
    if wanted is AnswerType.NAME:
        return bool(names_in(claim))
    pattern = _ANSWER_PATTERNS[wanted]
    return any(pattern.search(citation.quote) for citation in claim.citations)


def names_in(claim: Claim) -> list[str]:
    """The names in ``claim``'s quoted passages: runs of capitalised words, leaving out
    a sentence's first word ("The U.S. Treasury Department" gives "U.S. Treasury
    Department")."""
    found: list[str] = []
    for citation in claim.citations:
        run: list[str] = []
        starts_sentence = True
        for match in _WORD.finditer(citation.quote):
            token = match.group()
            initials = _INITIALS.fullmatch(token) is not None
            if token[0].isupper() and not starts_sentence:
                run.append(token if initials else token.rstrip("."))
            elif run:
                found.append(" ".join(run))
                run = []
            starts_sentence = token.endswith(".") and not initials
        if run:
            found.append(" ".join(run))
    return found
