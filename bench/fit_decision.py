"""Fit the hybrid matcher's decision (:mod:`bot.matching.decision`) on the calibration sets.

    python -m bench.fit_decision [--knowledge DIR] [--splits calibration dev]

The lexical verdict answers where it is sure; the decision is consulted for the rest, so
it is fitted on the rest: every candidate's features for each calibration question the
lexical matcher did not answer (the same code path :class:`~bot.matching.HybridMatcher`
answers with), a logistic regression (L2, Newton's method; numpy, no other library), then
the cut-offs searched over the whole policy (lexical answers, then the decision): the most
answers right such that the decision adds at most one point of answerable questions
answered wrong, and not one question without an answer answered, to what the lexical
verdict alone gets wrong (a confident wrong answer is the worst outcome). Prints the numbers to paste into
``bot/matching/thresholds.py``. Never pass the report half or a sealed set.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from bench.semantic_setup import semantic_for_bench
from bot.config import default_knowledge_dir
from bot.evaluation import EvalQuestion, load_eval_set
from bot.knowledge.loader import load_knowledge
from bot.knowledge.text import normalise_for_quoting
from bot.matching import HybridMatcher, Matcher, Outcome, build_matcher
from bot.matching.decision import FEATURES, candidate_features
from bot.matching.matcher import ANSWERING_LANGUAGES
from bot.matching.thresholds import DEFAULT_DECISION

SEALED = frozenset({"report", "reserve", "heldout", "fresh"})
GUARD = Path(__file__).parent.parent / "tests" / "matching" / "data" / "not_in_source_guard.yaml"


@dataclass
class QuestionRows:
    question: EvalQuestion
    language: str
    features: npt.NDArray[np.float64]
    right: npt.NDArray[np.bool_]
    lexical_answer: bool | None
    """None: the lexical matcher did not answer; else whether its answer was right."""
    topical: bool
    """The nearest curated phrasing is close enough for candidates to be offered at all."""


def collect(matcher: HybridMatcher, questions: list[EvalQuestion]) -> list[QuestionRows]:
    rows = []
    for question in questions:
        lexical = Matcher.match(matcher, question.q)  # the lexical verdict alone
        signals = matcher.signals(question.q, lexical)
        found = candidate_features(signals, DEFAULT_DECISION.candidates_per_signal)
        expected = normalise_for_quoting(question.expect) if question.expect else None
        right = [
            expected is not None
            and any(
                expected in normalise_for_quoting(c.quote)
                for c in signals.claims[position].citations
            )
            for position, _ in found
        ]
        lexical_answer = None
        if lexical.outcome is Outcome.ANSWERED:
            best = lexical.matches[0].claim
            lexical_answer = expected is not None and any(
                expected in normalise_for_quoting(c.quote) for c in best.citations
            )
        rows.append(
            QuestionRows(
                question,
                signals.language,
                np.array([values for _, values in found], dtype=np.float64),
                np.array(right, dtype=bool),
                lexical_answer,
                float(signals.similarities.phrasing.max(initial=0.0))
                >= DEFAULT_DECISION.topical_similarity,
            )
        )
    return rows


def fit(rows: list[QuestionRows], l2: float) -> npt.NDArray[np.float64]:
    x = np.vstack([row.features for row in rows])
    y = np.concatenate([row.right for row in rows]).astype(np.float64)
    weights = np.zeros(x.shape[1])
    penalty = l2 * np.eye(len(weights))
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ weights)))
        gradient = x.T @ (p - y) + penalty @ weights
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


@dataclass(frozen=True)
class Score:
    right: float
    wrong: float
    offered: float
    no_answer_answered: float


def score(
    rows: list[QuestionRows],
    weights: npt.NDArray[np.float64],
    answer: float,
    gap: float,
    offer: float,
) -> Score:
    right = wrong = offered = answerable = answered_none = no_answer = 0
    for row in rows:
        if row.lexical_answer is not None:
            if row.question.expect is None:
                no_answer += 1
                answered_none += 1
            else:
                answerable += 1
                right += int(row.lexical_answer)
                wrong += int(not row.lexical_answer)
            continue
        p = 1.0 / (1.0 + np.exp(-(row.features @ weights)))
        order = np.argsort(-p, kind="stable")
        best = p[order[0]]
        runner_up = p[order[1]] if len(order) > 1 else 0.0
        answers = best >= answer and best - runner_up >= gap and row.language in ANSWERING_LANGUAGES
        if row.question.expect is None:
            no_answer += 1
            answered_none += int(answers)
            continue
        answerable += 1
        if answers:
            right += int(row.right[order[0]])
            wrong += int(not row.right[order[0]])
        else:
            shown = [i for i in order[:3] if row.topical or p[i] >= offer]
            offered += int(any(row.right[i] for i in shown))
    return Score(
        right / answerable,
        wrong / answerable,
        offered / answerable,
        answered_none / max(no_answer, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=default_knowledge_dir())
    parser.add_argument("--splits", nargs="+", default=["calibration", "dev"])
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--max-wrong", type=float, default=0.01)
    parser.add_argument("--max-no-answer-answered", type=float, default=0.0)
    args = parser.parse_args()
    if sealed := SEALED.intersection(args.splits):
        parser.error(f"never fit on {', '.join(sorted(sealed))}: those sets only report")
    knowledge = load_knowledge(args.knowledge)
    matcher = build_matcher(knowledge, semantic=semantic_for_bench())
    assert isinstance(matcher, HybridMatcher), "the semantic model is not installed"
    questions = [
        q for split in args.splits for q in load_eval_set(args.knowledge / "eval" / f"{split}.yaml")
    ]
    # The not-in-source guard set is tuning data (tests keep it mostly unanswered): its
    # questions teach the decision what an on-topic question without an answer looks like.
    questions += [
        EvalQuestion(item["q"], item["category"], lang=item["lang"])
        for item in yaml.safe_load(GUARD.read_text(encoding="utf-8"))
    ]
    rows = collect(matcher, questions)
    weights = fit([row for row in rows if row.lexical_answer is None], args.l2)
    best: tuple[float, float, float, float, Score] | None = None
    for answer, gap in itertools.product(
        np.arange(0.30, 0.91, 0.025), (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
    ):
        result = score(rows, weights, float(answer), gap, 0.1)
        lexical_only = score(rows, weights, 2.0, gap, 0.1)  # a cut-off nothing reaches
        if (
            result.wrong - lexical_only.wrong > args.max_wrong
            or result.no_answer_answered - lexical_only.no_answer_answered
            > args.max_no_answer_answered
        ):
            continue
        key = (result.right, result.offered)
        if best is None or key > (best[4].right, best[4].offered):
            best = (float(answer), gap, 0.1, 0.0, result)
    print(f"{len(questions)} questions, {sum(len(r.right) for r in rows)} candidates")
    for name, weight in zip(FEATURES, weights, strict=True):
        print(f"  {name:<16} {weight:+.3f}")
    if best is None:
        print("no cut-off meets the limits")
        return
    answer, gap, _, _, result = best
    # The offer cut: as high as it can be (fewer unrelated "related" claims beside an
    # off-topic question) while the right claim stays offered as often as with no cut.
    everything = score(rows, weights, answer, gap, 0.0).offered
    offer = max(
        cut
        for cut in (0.0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2)
        if score(rows, weights, answer, gap, cut).offered >= everything - 0.005
    )
    result = score(rows, weights, answer, gap, offer)
    print(
        f"answer={answer:.3f} gap={gap:.2f} offer={offer:.2f}: right {result.right:.1%}, "
        f"wrong {result.wrong:.1%}, offered {result.offered:.1%}, "
        f"no-answer answered {result.no_answer_answered:.1%}"
    )
    print("weights=(" + ", ".join(f"{w:.3f}" for w in weights) + "),")


if __name__ == "__main__":
    main()
