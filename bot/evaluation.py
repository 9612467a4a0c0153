"""Measuring answers against the project's own question sets (``knowledge/eval/``).

A question is answered correctly when the best match cites a passage containing the
expected text, a fragment of the source, so the sets are independent of claim ids
and of how curators split the source into claims. Off-topic and not-in-source
questions are correct when the matcher abstains (outcome ``unknown``).
``dev.yaml`` calibrates thresholds; ``heldout.yaml`` is only ever reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec

from bot.knowledge.text import normalise_for_quoting
from bot.knowledge.yamlfile import read_yaml
from bot.matching import MatchResult, Outcome

Category = Literal[
    "direct", "paraphrase", "keywords", "typo", "spanish", "off_topic", "not_in_source"
]
ABSTAIN_CATEGORIES = frozenset({"off_topic", "not_in_source"})
CATEGORY_ORDER: tuple[Category, ...] = (
    "direct",
    "paraphrase",
    "keywords",
    "typo",
    "spanish",
    "off_topic",
    "not_in_source",
)


class EvalQuestion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    q: str
    category: Category
    expect: str | None = None


class EvalSetError(ValueError):
    """The question set file is missing or malformed."""


def load_eval_set(path: Path) -> list[EvalQuestion]:
    document = read_yaml(path)
    if document.problems:
        raise EvalSetError("; ".join(f"{path}:{line}: {msg}" for line, msg in document.problems))
    try:
        questions = msgspec.convert(document.data, list[EvalQuestion])
    except msgspec.ValidationError as exc:
        raise EvalSetError(f"{path}: {exc}") from exc
    for item in questions:
        if (item.expect is None) != (item.category in ABSTAIN_CATEGORIES):
            raise EvalSetError(
                f"{path}: {item.q!r}: 'expect' is required exactly for answerable questions"
            )
    return questions


@dataclass(frozen=True)
class EvalOutcome:
    question: EvalQuestion
    result: MatchResult
    correct: bool
    """Top match right and not abstained (answerable), or abstained (the others)."""
    answered: bool
    """The matcher committed to the right answer (outcome ``answered``)."""


@dataclass
class CategoryReport:
    total: int = 0
    correct: int = 0
    answered: int = 0
    failures: list[EvalOutcome] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate(
    questions: list[EvalQuestion], match: Callable[[str], MatchResult]
) -> dict[str, CategoryReport]:
    """Score every question; the report is keyed by category, in a stable order."""
    reports: defaultdict[str, CategoryReport] = defaultdict(CategoryReport)
    for question in questions:
        outcome = judge(question, match(question.q))
        report = reports[question.category]
        report.total += 1
        report.correct += outcome.correct
        report.answered += outcome.answered
        if not outcome.correct:
            report.failures.append(outcome)
    return {name: reports[name] for name in CATEGORY_ORDER if name in reports}


def judge(question: EvalQuestion, result: MatchResult) -> EvalOutcome:
    if question.expect is None:
        abstained = result.outcome is Outcome.UNKNOWN
        return EvalOutcome(question, result, correct=abstained, answered=False)
    expected = normalise_for_quoting(question.expect)
    best = result.best
    right = best is not None and any(
        expected in normalise_for_quoting(citation.quote) for citation in best.claim.citations
    )
    correct = right and result.outcome is not Outcome.UNKNOWN
    return EvalOutcome(
        question, result, correct=correct, answered=right and result.outcome is Outcome.ANSWERED
    )


def summary_lines(reports: dict[str, CategoryReport], *, verbose: bool = False) -> list[str]:
    """A table: top-1 accuracy for answerable categories, abstention for the others."""
    lines = [f"{'category':<14} {'n':>4} {'score':>7}  {'committed':>9}  measure"]
    answerable = [r for name, r in reports.items() if name not in ABSTAIN_CATEGORIES]
    for name, report in reports.items():
        measure = "abstained" if name in ABSTAIN_CATEGORIES else "top-1 right"
        committed = "" if name in ABSTAIN_CATEGORIES else f"{report.answered / report.total:>8.0%}"
        lines.append(
            f"{name:<14} {report.total:>4} {report.accuracy:>7.1%}  {committed:>9}  {measure}"
        )
    if answerable:
        total = sum(r.total for r in answerable)
        correct = sum(r.correct for r in answerable)
        answered = sum(r.answered for r in answerable)
        lines.append(
            f"{'answerable':<14} {total:>4} {correct / total:>7.1%}  {answered / total:>8.0%}  top-1 right"
        )
    if verbose:
        for name, report in reports.items():
            for failure in report.failures:
                best = failure.result.best
                got = f"{best.claim.id} ({best.score:.1f})" if best else "nothing"
                lines.append(
                    f"  FAIL {name}: {failure.question.q!r} -> {failure.result.outcome}: {got}"
                )
    return lines
