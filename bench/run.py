"""The benchmark, in one command: ``python -m bench.run [--sizes 1000,10000,100000] [--quick]``.

For the real knowledge base and synthetic ones of each size (``bench/synthetic.py``,
fixed seed), each in its own process: index build time, memory, answer latency p50/p99
over a few thousand generated questions (typos and off-topic ones mixed in), and the
same for a brute-force baseline (``bench/baseline.py``) with the speed ratio and the
top-1 agreement. Then the query log's sustained throughput through ``AnswerService``
(alone, with 200 concurrent askers, and the log on its own) with the worst event-loop
stall, and start-up times of ``python -m bot ask`` and ``python -m bot run``.

Prints a table and writes everything to ``bench/results/latest.json``. ``--quick``
is a smoke run of well under a minute; the full run takes a few minutes. See
``docs/performance.md`` for the results and what they mean.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.synthetic import SEED, SIZES

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "latest.json"

BASELINE_BUDGET = 50_000_000
"""Phrasing comparisons the brute-force baseline may make per knowledge base (about
ten seconds): at 100,000 claims that is some sixty questions, enough for its latency."""
QUICK_BASELINE_BUDGET = 5_000_000
CROWD = 200
QUERY_LOG_RUNS = ("alone", "crowd", "log_only", "log_idle")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="synthetic knowledge-base sizes, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--no-real", action="store_true", help="skip the real knowledge base")
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer of everything")
    parser.add_argument("--questions", type=int, help="questions per knowledge base")
    parser.add_argument(
        "--only",
        default="matching,querylog,startup",
        help="which parts to run, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc build")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output file")
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="JSON",
        help="run nothing: print the tables of a results file as Markdown (docs/performance.md)",
    )
    parser.add_argument(
        "--before", type=Path, metavar="JSON", help="with --markdown: an earlier run to compare"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--kb", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-questions", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one-core", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.markdown:
        after = json.loads(args.markdown.read_text())
        before = json.loads(args.before.read_text()) if args.before else None
        print("\n".join(markdown(after, before)))
        return 0
    if args.worker:
        print(json.dumps(_work(args)))
        return 0

    parts = set(args.only.split(","))
    questions = args.questions or (500 if args.quick else 3000)
    kbs = ([] if args.no_real else ["real"]) + [s for s in args.sizes.split(",") if s]
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "seed": SEED,
        "quick": args.quick,
        "matching": [],
    }
    began = time.perf_counter()
    if "matching" in parts:
        for kb in kbs:
            print(f"… matching on {kb}", file=sys.stderr, flush=True)
            report["matching"].append(
                _subprocess(
                    "matching",
                    "--kb",
                    kb,
                    "--questions",
                    str(questions),
                    "--baseline-questions",
                    str(_baseline_questions(kb, questions, quick=args.quick)),
                    *(["--no-trace"] if args.no_trace or args.quick else []),
                )
            )
    if "querylog" in parts:
        print("… query log", file=sys.stderr, flush=True)
        total = 4000 if args.quick else 20000
        report["query_log"] = _subprocess("querylog", "--kb", "real", "--total", str(total))
        if hasattr(os, "sched_setaffinity"):
            print("… query log on one core", file=sys.stderr, flush=True)
            report["query_log_one_core"] = _subprocess(
                "querylog", "--kb", "real", "--total", str(total), "--one-core"
            )
    if "startup" in parts:
        print("… start-up", file=sys.stderr, flush=True)
        report["startup"] = _subprocess("startup", "--repeats", "3" if args.quick else "5")
    report["seconds"] = time.perf_counter() - began
    report["targets"] = targets(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print("\n".join(table(report)))
    print(f"\nwritten to {args.out}")
    return 0


def _baseline_questions(kb: str, questions: int, *, quick: bool) -> int:
    claims = 40 if kb == "real" else int(kb)
    phrasings = claims * 8.5  # curated questions (5-10) and the statement
    budget = QUICK_BASELINE_BUDGET if quick else BASELINE_BUDGET
    return max(10 if quick else 30, min(questions, int(budget / phrasings)))


def _subprocess(worker: str, *arguments: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.run", "--worker", worker, *arguments]
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _work(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here, in the worker process: the parent stays light and measures nothing.
    if args.worker == "matching":
        from bench.matching_bench import measure_matching  # noqa: PLC0415

        return measure_matching(
            args.kb, args.questions, args.baseline_questions, traced=not args.no_trace
        )
    if args.worker == "querylog":
        from bench.querylog_bench import measure_query_log  # noqa: PLC0415

        if args.one_core:  # as in a one-CPU container, or beside a busy neighbour
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return measure_query_log(args.kb, args.total, CROWD)
    if args.worker == "startup":
        from bench.startup_bench import measure_startup  # noqa: PLC0415

        return measure_startup(args.repeats)
    raise SystemExit(f"unknown worker {args.worker!r}")


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "rapidfuzz": metadata.version("rapidfuzz"),
        "sqlite": sqlite3.sqlite_version,
    }


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met."""
    found: list[dict[str, Any]] = []

    def check(name: str, value: float, limit: float, *, at_least: bool = False) -> None:
        met = value >= limit if at_least else value <= limit
        found.append({"target": name, "value": value, "limit": limit, "met": met})

    by_kb = {row["kb"]: row for row in report.get("matching", [])}
    if "real" in by_kb:
        check("real KB p99 (ms)", by_kb["real"]["matcher"]["p99_ms"], 1.0)
    if "100000" in by_kb:
        row = by_kb["100000"]
        check("100k p99 (ms)", row["matcher"]["p99_ms"], 10.0)
        check("100k index build (s)", row["build_s"], 10.0)
        if "index_mb" in row:
            check("100k index memory (MB)", row["index_mb"], 300.0)
        check("100k speed-up vs brute force (x)", row["speedup_mean"], 10.0, at_least=True)
        compared = row["baseline_vs_matcher"]["compared"]
        check(
            f"100k top-1 agreement with brute force (n={compared})",
            row["baseline_vs_matcher"]["top1_agreement"],
            0.99,
            at_least=True,
        )
        check(
            f"100k top-1 right, matcher minus brute force (n={compared})",
            row["matcher_on_baseline_sample"]["top1_right"] - row["baseline"]["top1_right"],
            0.0,
            at_least=True,
        )
    if "query_log" in report:
        log = report["query_log"]
        check("logged questions/s, one asker", log["alone"]["logged_per_s"], 5000, at_least=True)
        check("logged questions/s, 200 askers", log["crowd"]["logged_per_s"], 5000, at_least=True)
        check("worst callback, 200 askers (ms)", log["crowd"]["callback_worst_ms"], 20.0)
    if "query_log_one_core" in report:
        log = report["query_log_one_core"]
        check(
            "logged questions/s, one asker, one core",
            log["alone"]["logged_per_s"],
            5000,
            at_least=True,
        )
        check("worst callback, 200 askers, one core (ms)", log["crowd"]["callback_worst_ms"], 20.0)
    if "startup" in report:
        check("cold ask (s)", report["startup"]["ask_median_s"], 0.5)
    return found


def table(report: dict[str, Any]) -> list[str]:
    lines = [
        f"machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"Python {report['machine']['python']}",
        "",
        "matching       claims  build s  index MB  peak MB  RSS MB │ p50 ms   p99 ms │"
        " brute p50  brute p99     n │ speed-up  agree │ right: ours  brute │ off-topic: ours  brute",
    ]
    for row in report.get("matching", []):
        ours, brute = row["matcher"], row["baseline"]
        sample = row["matcher_on_baseline_sample"]
        lines.append(
            f"{row['kb']:<13} {row['claims']:>7} {row['build_s']:>8.2f} "
            f"{row.get('index_mb', float('nan')):>9.1f} {row.get('build_peak_mb', float('nan')):>8.1f} "
            f"{row['rss_peak_mb']:>7.0f} │ {ours['p50_ms']:>6.3f} {ours['p99_ms']:>8.3f} │"
            f" {brute['p50_ms']:>9.2f} {brute['p99_ms']:>10.2f} {row['baseline_questions']:>5} │"
            f" {row['speedup_mean']:>7.0f}x {row['baseline_vs_matcher']['top1_agreement']:>6.1%} │"
            f" {sample['top1_right']:>10.1%} {brute['top1_right']:>6.1%} │"
            f" {sample['off_topic_abstained']:>15.1%} {brute['off_topic_abstained']:>6.1%}"
        )
        if "dev_eval" in row:
            ev = row["dev_eval"]
            lines.append(
                f"{'':<13} dev eval: answerable top-1 {ev['matcher']['answerable_top1']:.1%} "
                f"(brute force {ev['baseline']['answerable_top1']:.1%}), abstained "
                f"{ev['matcher']['abstained']:.1%} (brute force {ev['baseline']['abstained']:.1%})"
            )
        if "full_gc_ms" in row:
            lines.append(
                f"{'':<13} full GC pass: {row['full_gc_ms']:.1f} ms, "
                f"{row['full_gc_frozen_ms']:.1f} ms after gc.freeze()"
            )
    for section, title in (("query_log", "all cores"), ("query_log_one_core", "one core")):
        if section not in report:
            continue
        lines += [
            "",
            f"query log ({title})  askers  questions  asked/s  logged/s  dropped │"
            " probe worst ms  worst callback ms  worst GC ms",
        ]
        for name in QUERY_LOG_RUNS:
            row = report[section][name]
            lines.append(
                f"{name:<19} {row['askers']:>7} {row['questions']:>10} {row['asked_per_s']:>8.0f}"
                f" {row['logged_per_s']:>9.0f} {row['dropped']:>8} │"
                f" {row['probe_worst_ms']:>14.1f} {row['callback_worst_ms']:>18.1f}"
                f" {row.get('gc_worst_ms', math.nan):>12.1f}"
            )
        convoy = report[section].get("sqlite_convoy", {})
        if convoy:
            lines += [f"  SQLite insert from a thread ({title})   rows/s, idle   rows/s, busy"]
            for way, row in convoy.items():
                lines.append(
                    f"  {way:<38} {row['idle_rows_per_s']:>12.0f} {row['busy_rows_per_s']:>12.0f}"
                )
    if "startup" in report:
        start = report["startup"]
        lines += [
            "",
            f"start-up: cold `ask` median {start['ask_median_s']:.3f} s (min {start['ask_min_s']:.3f}),"
            f" `run` until IDENTIFY median {start['run_median_s']:.3f} s (min {start['run_min_s']:.3f})",
        ]
    if report.get("targets"):
        lines += ["", "targets"]
        for target in report["targets"]:
            mark = "met" if target["met"] else "MISSED"
            lines.append(
                f"  {mark:<7} {target['target']:<45} {target['value']:>10.3f}  (limit {target['limit']:g})"
            )
    return lines


def markdown(after: dict[str, Any], before: dict[str, Any] | None = None) -> list[str]:
    """The results as Markdown tables, with an earlier run's figures beside them."""
    old = {row["kb"]: row for row in (before or {}).get("matching", [])}

    def pair(new: float, kb: str, path: tuple[str, ...], spec: str) -> str:
        text = format(new, spec)
        if kb in old:
            value: Any = old[kb]
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, int | float):
                text = f"{format(value, spec)} → {text}"
        return text

    lines = [
        "| knowledge base | claims | index build s | index MB | build peak MB | process peak RSS MB"
        " | p50 ms | p99 ms | brute force p50 ms | speed-up | top-1 agreement | top-1 right"
        " (ours / brute force) | off-topic abstained (ours / brute force) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in after.get("matching", []):
        kb = row["kb"]
        sample = row["matcher_on_baseline_sample"]
        lines.append(
            f"| {kb} | {row['claims']:,} | {pair(row['build_s'], kb, ('build_s',), '.2f')}"
            f" | {pair(row.get('index_mb', math.nan), kb, ('index_mb',), '.1f')}"
            f" | {pair(row.get('build_peak_mb', math.nan), kb, ('build_peak_mb',), '.1f')}"
            f" | {pair(row['rss_peak_mb'], kb, ('rss_peak_mb',), '.0f')}"
            f" | {pair(row['matcher']['p50_ms'], kb, ('matcher', 'p50_ms'), '.3f')}"
            f" | {pair(row['matcher']['p99_ms'], kb, ('matcher', 'p99_ms'), '.3f')}"
            f" | {row['baseline']['p50_ms']:.2f}"
            f" | {pair(row['speedup_mean'], kb, ('speedup_mean',), '.0f')}×"
            f" | {row['baseline_vs_matcher']['top1_agreement']:.1%}"
            f" | {sample['top1_right']:.1%} / {row['baseline']['top1_right']:.1%}"
            f" (n={row['baseline_questions']})"
            f" | {sample['off_topic_abstained']:.0%} / {row['baseline']['off_topic_abstained']:.0%} |"
        )
    for section, title in (("query_log", "all cores"), ("query_log_one_core", "one core")):
        if section not in after:
            continue
        old_log = (before or {}).get(section, {})
        lines += [
            "",
            f"| query log, {title} | askers | questions | asked/s | logged/s | dropped"
            " | worst loop lag (probe) ms | worst single callback ms | worst GC ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in QUERY_LOG_RUNS:
            row, was = after[section][name], old_log.get(name, {})

            def cell(
                key: str, spec: str, row: dict[str, Any] = row, was: dict[str, Any] = was
            ) -> str:
                text = format(row[key], spec)
                return f"{format(was[key], spec)} → {text}" if key in was else text

            lines.append(
                f"| {name} | {row['askers']} | {row['questions']:,} | {cell('asked_per_s', ',.0f')}"
                f" | {cell('logged_per_s', ',.0f')} | {cell('dropped', ',')}"
                f" | {cell('probe_worst_ms', '.1f')} | {cell('callback_worst_ms', '.1f')}"
                f" | {row.get('gc_worst_ms', math.nan):.1f} |"
            )
        convoy = after[section].get("sqlite_convoy", {})
        if convoy:
            lines += [
                "",
                f"| SQLite insert from a thread, 500-row batches, {title} | rows/s, main thread"
                " idle | rows/s, main thread busy |",
                "|---|---:|---:|",
            ]
            lines += [
                f"| {way} | {row['idle_rows_per_s']:,.0f} | {row['busy_rows_per_s']:,.0f} |"
                for way, row in convoy.items()
            ]
    if "startup" in after:
        start, was = after["startup"], (before or {}).get("startup", {})
        ask = f"{start['ask_median_s']:.3f} s"
        run = f"{start['run_median_s']:.3f} s"
        if was:
            ask = f"{was['ask_median_s']:.3f} → {ask}"
            run = f"{was['run_median_s']:.3f} → {run}"
        lines += [
            "",
            "| start-up (median of fresh processes) | wall time |",
            "|---|---:|",
            f'| `python -m bot ask --no-log "…"` | {ask} |',
            f"| `python -m bot run` until the fake Discord receives IDENTIFY | {run} |",
        ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
