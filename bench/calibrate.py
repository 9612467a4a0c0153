"""Grid search of the matcher's thresholds on the dev question set (never the held-out one).

    python bench/calibrate.py [--knowledge DIR]

Prints the best settings by answerable top-1 accuracy, subject to abstaining on every
off-topic question; ties are broken by not-in-source abstention, then by how often the
matcher commits (outcome ``answered``). Copy the chosen numbers into
``bot/matching/thresholds.py`` and record the run in ``docs/matching.md``.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from bot.config import default_knowledge_dir
from bot.evaluation import ABSTAIN_CATEGORIES, evaluate, load_eval_set
from bot.knowledge.loader import load_knowledge
from bot.matching import DEFAULT_THRESHOLDS, Analyzer, ClaimIndex, Matcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=default_knowledge_dir())
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    knowledge = load_knowledge(args.knowledge)
    questions = load_eval_set(args.knowledge / "eval" / "dev.yaml")
    index = ClaimIndex(knowledge, Analyzer(knowledge.synonyms))
    rows = []
    for share, unknown, answer, gap in itertools.product(
        (0.6, 0.7, 0.75, 0.8, 0.9, 1.0),
        (0.25, 0.4, 0.55, 0.7, 0.85, 1.0),
        range(30, 71, 5),
        (2.0, 4.0, 6.0),
    ):
        limits = replace(
            DEFAULT_THRESHOLDS,
            lexical_share=share,
            unknown_term_weight=unknown,
            answer=answer,
            ambiguity_gap=gap,
        )
        reports = evaluate(questions, Matcher(index, limits).match)
        answerable = [r for name, r in reports.items() if name not in ABSTAIN_CATEGORIES]
        total = sum(r.total for r in answerable)
        accuracy = sum(r.correct for r in answerable) / total
        committed = sum(r.answered for r in answerable) / total
        off_topic = reports["off_topic"].accuracy
        not_in_source = reports["not_in_source"].accuracy
        spanish = reports["spanish"].accuracy
        if off_topic < 1.0:
            continue
        rows.append((accuracy, not_in_source, committed, spanish, share, unknown, answer, gap))
    rows.sort(reverse=True)
    print("top1  notin  commit  es    share unknown answer gap")
    for row in rows[: args.top]:
        acc, nis, com, es, share, unknown, answer, gap = row
        print(
            f"{acc:.3f} {nis:.2f}  {com:.2f}   {es:.2f}  {share:<5} {unknown:<7} {answer:<6} {gap}"
        )


if __name__ == "__main__":
    main()
