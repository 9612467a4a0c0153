"""Index build, memory and answer latency for one knowledge base, against brute force.

Run in its own process per knowledge base (``bench.run`` does), so that the memory
of one size does not count against the next and every size starts cold.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bench.baseline import BruteForce
from bench.measure import (
    MB,
    current_rss_mb,
    latency_summary,
    load_kb,
    peak_rss_mb,
)
from bench.synthetic import GeneratedQuestion, generated_questions
from bot.evaluation import ABSTAIN_CATEGORIES, evaluate, load_eval_set
from bot.knowledge.loader import KnowledgeBase
from bot.matching import MatchResult, Outcome, ScoredClaim, build_matcher

T = TypeVar("T")

WARM_UP = 100
"""Questions asked before timing starts (first-use caches, branch predictors)."""


def measure_matching(
    kb_name: str, questions: int, baseline_questions: int, *, traced: bool = True
) -> dict[str, Any]:
    started = time.perf_counter()
    knowledge = load_kb(kb_name)
    result: dict[str, Any] = {
        "kb": kb_name,
        "claims": len(knowledge.claims),
        "kb_load_s": time.perf_counter() - started,
    }
    gc.collect()
    rss_before = current_rss_mb()
    started = time.perf_counter()
    matcher = build_matcher(knowledge)
    result["build_s"] = time.perf_counter() - started
    result |= _full_collection_ms()
    result["rss_kb_mb"] = rss_before
    result["rss_after_build_mb"] = current_rss_mb()
    result["rss_peak_mb"] = peak_rss_mb()

    asked = generated_questions(knowledge, questions)
    for question in asked[:WARM_UP]:
        matcher.match(question.text)
    answers, latencies = _timed(matcher.match, asked)
    result["questions"] = len(asked)
    result["matcher"] = latency_summary(latencies) | _quality(
        asked, [a.best for a in answers], answers
    )
    result["matcher"]["by_kind"] = {
        kind: latency_summary(
            [ns for ns, q in zip(latencies, asked, strict=True) if q.kind == kind]
        )
        for kind in ("exact", "paraphrase", "typo", "off_topic")
    }

    started = time.perf_counter()
    brute = BruteForce(knowledge, matcher.thresholds)
    result["baseline_build_s"] = time.perf_counter() - started
    sample = asked[:baseline_questions]
    for question in sample[: min(10, len(sample))]:
        brute.best(question.text)
    brute_best, brute_latencies = _timed(brute.best, sample)
    result["baseline_questions"] = len(sample)
    result["baseline"] = latency_summary(brute_latencies) | _quality(
        sample, brute_best, [brute.match_best(b) for b in brute_best]
    )
    matcher_sample = answers[: len(sample)]
    result["baseline_vs_matcher"] = _agreement(sample, matcher_sample, brute_best)
    result["matcher_on_baseline_sample"] = _quality(
        sample, [a.best for a in matcher_sample], matcher_sample
    )
    matcher_mean = sum(latencies[: len(sample)]) / max(1, len(sample))
    result["speedup_mean"] = (sum(brute_latencies) / max(1, len(sample))) / max(1.0, matcher_mean)

    if kb_name == "real":
        result["dev_eval"] = {
            "matcher": _eval_summary(knowledge, matcher.match),
            "baseline": _eval_summary(knowledge, brute.match),
        }
    del brute
    if traced:
        result |= _traced_build(knowledge)
    return result


def _timed(
    ask: Callable[[str], T], questions: Sequence[GeneratedQuestion]
) -> tuple[list[T], list[int]]:
    """Each question's answer and its wall time in nanoseconds, in order."""
    answers: list[T] = []
    latencies: list[int] = []
    for question in questions:
        started_ns = time.perf_counter_ns()
        answers.append(ask(question.text))
        latencies.append(time.perf_counter_ns() - started_ns)
    return answers, latencies


def _full_collection_ms() -> dict[str, float]:
    """How long the collector's full pass holds the process, with the knowledge base and
    index alive, and after ``gc.freeze`` (what ``bot.heap.settle`` does before serving)."""
    started = time.perf_counter()
    gc.collect()
    walked = (time.perf_counter() - started) * 1000
    gc.freeze()
    started = time.perf_counter()
    gc.collect()
    frozen = (time.perf_counter() - started) * 1000
    gc.unfreeze()
    return {"full_gc_ms": walked, "full_gc_frozen_ms": frozen}


def _traced_build(knowledge: KnowledgeBase) -> dict[str, float]:
    """Build the index again under tracemalloc: what it keeps, and its peak while building."""
    gc.collect()
    tracemalloc.start()
    try:
        matcher = build_matcher(knowledge)
        gc.collect()
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del matcher
    return {"index_mb": retained / MB, "build_peak_mb": peak / MB}


def _quality(
    asked: list[GeneratedQuestion],
    best: list[ScoredClaim | None],
    verdicts: list[MatchResult],
) -> dict[str, float]:
    """Top-1 right on answerable questions (committed, not "unknown"), abstention off topic."""
    right = answerable = abstained = off_topic = 0
    for question, top, verdict in zip(asked, best, verdicts, strict=True):
        if question.expected is None:
            off_topic += 1
            abstained += verdict.outcome is Outcome.UNKNOWN
        else:
            answerable += 1
            right += (
                top is not None
                and top.claim.id == question.expected
                and verdict.outcome is not Outcome.UNKNOWN
            )
    return {
        "top1_right": right / answerable if answerable else 0.0,
        "off_topic_abstained": abstained / off_topic if off_topic else 0.0,
    }


def _agreement(
    asked: list[GeneratedQuestion],
    answers: list[MatchResult],
    brute_best: list[ScoredClaim | None],
) -> dict[str, float]:
    """How often both pick the same best claim, over answerable questions."""
    same = total = 0
    for question, answer, brute in zip(asked, answers, brute_best, strict=True):
        if question.expected is None:
            continue
        total += 1
        ours = answer.best.claim.id if answer.best else None
        theirs = brute.claim.id if brute else None
        same += ours == theirs
    return {"top1_agreement": same / total if total else 0.0, "compared": total}


def _eval_summary(knowledge: KnowledgeBase, match: Any) -> dict[str, float]:
    questions = load_eval_set(knowledge.root / "eval" / "dev.yaml")
    reports = evaluate(questions, match)
    answerable = [r for name, r in reports.items() if name not in ABSTAIN_CATEGORIES]
    abstain = [r for name, r in reports.items() if name in ABSTAIN_CATEGORIES]
    return {
        "answerable_top1": sum(r.correct for r in answerable) / sum(r.total for r in answerable),
        "abstained": sum(r.correct for r in abstain) / sum(r.total for r in abstain),
        **{name: report.accuracy for name, report in reports.items()},
    }
