"""Measuring answers against the project's own question sets (``knowledge/eval/``).

A question is answered correctly when the best match cites a passage containing the
expected text, a fragment of the source, so the sets are independent of claim ids
and of how curators split the source into claims. Off-topic and not-in-source
questions are correct when the matcher abstains (outcome ``unknown``).
``dev.yaml`` calibrates thresholds; ``heldout.yaml`` is only ever reported.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import msgspec

from bot.knowledge.text import normalise_for_quoting
from bot.knowledge.yamlfile import read_yaml
from bot.matching import MatchResult, Outcome, ScoredClaim

Category = Literal[
    "direct",
    "paraphrase",
    "keywords",
    "typo",
    "everyday",
    "spanish",
    "persian",
    "off_topic",
    "not_in_source",
]
ABSTAIN_CATEGORIES = frozenset({"off_topic", "not_in_source"})
CATEGORY_ORDER: tuple[Category, ...] = get_args(Category)
"""The order reports list categories in: the Literal's."""


class Verdict(enum.StrEnum):
    """What a member saw, from best to worst for an answerable question.

    ``wrong`` is what members punish most: a confident answer with the wrong claim, or
    any answer at all to a question the source does not answer.
    """

    RIGHT = "right"
    """Answered with the right claim (answerable), or abstained (the others)."""
    WRONG = "wrong"
    """Answered with a wrong claim, or answered a question that has no answer here."""
    OFFERED = "offered"
    """Not answered, but the right claim was among the candidates offered (answerable);
    for the others: asked "did you mean" instead of saying it does not know."""
    MISSED = "missed"
    """Not answered and nothing right offered (answerable only)."""


class EvalQuestion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    q: str
    category: Category
    expect: str | None = None
    lang: Literal["en", "es", "fa"] | None = None
    """The question's language where the category does not say it (newer sets)."""

    @property
    def group(self) -> str:
        """The report line this question counts in: its category, and its language where
        the category is language-neutral and the language is not English."""
        if self.lang in (None, "en") or self.category not in ABSTAIN_CATEGORIES:
            return self.category
        return f"{self.category} ({self.lang})"


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
    verdict: Verdict


@dataclass
class CategoryReport:
    total: int = 0
    correct: int = 0
    answered: int = 0
    verdicts: dict[Verdict, int] = field(default_factory=lambda: dict.fromkeys(Verdict, 0))
    failures: list[EvalOutcome] = field(default_factory=list)

    def share(self, verdict: Verdict) -> float:
        return self.verdicts[verdict] / self.total if self.total else 0.0

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
        report = reports[question.group]
        report.total += 1
        report.correct += outcome.correct
        report.answered += outcome.answered
        report.verdicts[outcome.verdict] += 1
        if not outcome.correct:
            report.failures.append(outcome)
    order: dict[str, int] = {name: rank for rank, name in enumerate(CATEGORY_ORDER)}
    return dict(sorted(reports.items(), key=lambda item: (order[_category(item[0])], item[0])))


def judge(question: EvalQuestion, result: MatchResult) -> EvalOutcome:
    if question.expect is None:
        abstained = result.outcome is Outcome.UNKNOWN
        verdict = {
            Outcome.UNKNOWN: Verdict.RIGHT,
            Outcome.AMBIGUOUS: Verdict.OFFERED,
            Outcome.ANSWERED: Verdict.WRONG,
        }[result.outcome]
        return EvalOutcome(question, result, correct=abstained, answered=False, verdict=verdict)
    expected = normalise_for_quoting(question.expect)

    def cites_expected(match: ScoredClaim) -> bool:
        return any(expected in normalise_for_quoting(c.quote) for c in match.claim.citations)

    best = result.best
    right = best is not None and cites_expected(best)
    correct = right and result.outcome is not Outcome.UNKNOWN
    if result.outcome is Outcome.ANSWERED:
        verdict = Verdict.RIGHT if right else Verdict.WRONG
    else:
        verdict = Verdict.OFFERED if any(map(cites_expected, result.matches)) else Verdict.MISSED
    return EvalOutcome(
        question,
        result,
        correct=correct,
        answered=right and result.outcome is Outcome.ANSWERED,
        verdict=verdict,
    )


def summary_lines(reports: dict[str, CategoryReport], *, verbose: bool = False) -> list[str]:
    """A table: top-1 accuracy for answerable categories, abstention for the others, then
    what members saw: answered right, answered wrong, right claim offered, nothing right
    (for questions without an answer: abstained, answered, "did you mean")."""
    lines = [
        f"{'category':<20} {'n':>4} {'score':>7}  {'committed':>9}  {'measure':<11}  "
        f"{'right':>6} {'wrong':>6} {'offered':>7} {'missed':>6}"
    ]
    answerable = [r for name, r in reports.items() if _category(name) not in ABSTAIN_CATEGORIES]
    for name, report in reports.items():
        abstain = _category(name) in ABSTAIN_CATEGORIES
        measure = "abstained" if abstain else "top-1 right"
        committed = "" if abstain else f"{report.answered / report.total:>8.0%}"
        shares = " ".join(
            f"{report.share(v):>{w}.1%}" for v, w in zip(Verdict, (6, 6, 7, 6), strict=True)
        )
        lines.append(
            f"{name:<20} {report.total:>4} {report.accuracy:>7.1%}  {committed:>9}  "
            f"{measure:<11}  {shares}"
        )
    if answerable:
        total = sum(r.total for r in answerable)
        correct = sum(r.correct for r in answerable)
        answered = sum(r.answered for r in answerable)
        counts = {v: sum(r.verdicts[v] for r in answerable) for v in Verdict}
        shares = " ".join(
            f"{counts[v] / total:>{w}.1%}" for v, w in zip(Verdict, (6, 6, 7, 6), strict=True)
        )
        lines.append(
            f"{'answerable':<20} {total:>4} {correct / total:>7.1%}  {answered / total:>8.0%}  "
            f"{'top-1 right':<11}  {shares}"
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


def _category(group: str) -> str:
    return group.split(" ", maxsplit=1)[0]
