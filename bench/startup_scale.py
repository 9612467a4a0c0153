"""Start-up and reload at scale, with and without the kept index and vectors.

    python -m bench.startup_scale [--sizes real,10000,100000] [--repeats 3] [--kb-files N]

For each knowledge base (the shipped one, or synthetic ones from ``bench/synthetic.py``)
a fresh process does what ``python -m bot run`` does before it can answer: make the
:class:`~bot.matching.factory.MatcherFactory` (the model's weights hashed), build the
matcher, build the claims' vectors (``prepare``), settle the heap (``gc.collect`` and
``gc.freeze``), then answer two questions: a curated one (settled by the lexical
verdict) and an off-topic one (which embeds the question and reads every claim vector).
Three ways:

- ``rebuild``: nothing kept between starts (the bot before this work): the index built,
  the vectors made from the text-keyed embedding cache (every text hashed and gathered);
- ``first``: the index and vectors kept, but not yet there: built, then written;
- ``kept``: both there: read back (the index) and mapped (the vectors).

Then, in one process started the ``kept`` or ``rebuild`` way, two reloads as a moderator's
``/kb reload`` or edit makes them: the same knowledge base again (a new object of the same
version, as a reload of unchanged files, or of files another process already built), and
the knowledge base with one claim edited (a new version: nothing kept fits it).

Every text's vector is in the embedding cache beforehand (the "warm cache"). Embedding
the 950,000 texts of 100,000 synthetic claims is out of reach here (about 11 texts a
second on this machine's two cores: a day), so for synthetic knowledge bases the cache
holds stand-in vectors, random unit vectors of the model's size (384 float32), under the
real model's keys: reading, mapping and scoring them costs what real ones would; what
the model then decides does not matter here. The shipped knowledge base uses its real
vectors (its seed).

The knowledge base itself is made in memory (``synthetic_knowledge``, timed apart as
``kb``: it is the benchmark's, not the bot's); ``--kb-files N`` also writes N synthetic
claims as knowledge files and times ``load_knowledge`` on them in a fresh process, which
is what the bot would do at start-up. Every figure is wall time from the process's
start (the parent's clock around ``subprocess``): ``ready`` is that minus ``kb``.

Writes ``bench/results/startup_scale.json`` and prints a table; ``docs/performance.md``
has a run and how to read it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "startup_scale.json"
DIMENSIONS = 384
MODES = ("rebuild", "first", "kept")
CURATED = 0
"""The first curated question of this claim is asked first (settled lexically)."""
OFF_TOPIC = "What is the best pizza recipe for a birthday party?"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="real,10000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kb-files", type=int, default=0, metavar="N")
    parser.add_argument("--modes", default=",".join(MODES), help="start-up ways to measure")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--kb", help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = WORKERS[args.worker](args)
        print(json.dumps(result), flush=True)
        os._exit(0)  # a 100,000-claim heap takes seconds to tear down: not ours to time

    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M"), "sizes": {}}
    for kb in (size for size in args.sizes.split(",") if size):
        report["sizes"][kb] = _measure(kb, args.repeats, args.modes.split(","))
        _write(args.out, report)
    if args.kb_files:
        print(f"… loading {args.kb_files} claims from knowledge files", file=sys.stderr)
        report["kb_files"] = _kb_files(args.kb_files)
        _write(args.out, report)
    print("\n".join(table(report)))
    print(f"\nwritten to {args.out}")
    return 0


def _write(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


def _measure(kb: str, repeats: int, modes: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        cache = Path(scratch) / "cache"
        print(f"… {kb}: filling the embedding cache", file=sys.stderr, flush=True)
        found["prepare"] = _child("prepare", kb, cache)[0]
        for mode in (mode for mode in MODES if mode in modes):
            runs = []
            if mode == "kept" and "first" not in modes:
                _child("start", kb, cache, "first")  # untimed: writes what kept reads
            for run in range(repeats):
                print(f"… {kb}: start, {mode} ({run + 1}/{repeats})", file=sys.stderr, flush=True)
                if mode == "first":
                    for kept in ("claim-index", "claim-vectors"):
                        shutil.rmtree(cache / kept, ignore_errors=True)
                runs.append(_child("start", kb, cache, mode))
            found[mode] = _summary(runs)
        for mode in (mode for mode in ("kept", "rebuild") if mode in modes):
            print(f"… {kb}: reloads, {mode}", file=sys.stderr, flush=True)
            found[f"reload_{mode}"] = _child("reload", kb, cache, mode)[0]
        found["files_mb"] = {
            kept: round(sum(p.stat().st_size for p in (cache / kept).glob("*.bin")) / 1e6, 1)
            for kept in ("claim-index", "claim-vectors")
        }
    return found


def _child(worker: str, kb: str, cache: Path, mode: str = "") -> tuple[dict[str, Any], float]:
    command = [sys.executable, "-m", "bench.startup_scale", "--worker", worker, "--kb", kb]
    command += ["--cache", str(cache), "--mode", mode]
    started = time.time()
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if "marks" in result:  # on the parent's clock, from the process's start
        result["marks"] = {name: at - started for name, at in result["marks"].items()}
    return result, started


def _summary(runs: list[tuple[dict[str, Any], float]]) -> dict[str, Any]:
    """Per phase, the median over runs of how long it took (and every run)."""
    phases: dict[str, list[float]] = {}
    for result, _ in runs:
        previous = 0.0
        for name, at in result["marks"].items():
            phases.setdefault(name, []).append(at - previous)
            previous = at
    ready = [result["marks"]["answered_off_topic"] - _kb_s(result) for result, _ in runs]
    cpu = [result["cpu_s"] - result["kb_cpu_s"] for result, _ in runs]
    return {
        "phases_s": {name: round(statistics.median(times), 3) for name, times in phases.items()},
        "ready_s": round(statistics.median(ready), 3),
        "ready_runs_s": [round(value, 3) for value in ready],
        "ready_cpu_s": round(statistics.median(cpu), 3),
        "rss_peak_mb": round(max(result["rss_peak_mb"] for result, _ in runs)),
        "claims": runs[0][0]["claims"],
        "texts": runs[0][0]["texts"],
    }


def _kb_s(result: dict[str, Any]) -> float:
    marks = list(result["marks"].items())
    names = [name for name, _ in marks]
    at = names.index("kb")
    return float(marks[at][1] - (marks[at - 1][1] if at else 0.0))


# --- workers (each in its own process) -------------------------------------------------


def _knowledge(kb: str) -> Any:
    from bench.measure import load_kb  # noqa: PLC0415

    return load_kb(kb)


def _prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Fill the embedding cache: the seed's real vectors for the shipped knowledge base,
    stand-in vectors under the real keys for a synthetic one."""
    import numpy as np  # noqa: PLC0415

    from bot.matching.semantic import SemanticIndex, VectorCache, load_embedder  # noqa: PLC0415
    from bot.matching.semantic.index import text_keys  # noqa: PLC0415

    started = time.perf_counter()
    knowledge = _knowledge(args.kb)
    embedder, status = load_embedder()
    if embedder is None:
        raise SystemExit(status.summary())
    directory = args.cache / "embeddings" / embedder.model_id
    if args.kb == "real":  # the seed's vectors, and any text it lacks embedded now
        seed = knowledge.root / "embeddings" / embedder.model_id
        cache = VectorCache(directory, seed=seed)
        SemanticIndex(knowledge.claims, embedder, cache)
        keys = list(dict.fromkeys(text_keys(knowledge.claims, embedder.model_id)))
        cache.export(keys, directory)
    else:
        keys = list(dict.fromkeys(text_keys(knowledge.claims, embedder.model_id)))
        vectors = np.random.default_rng(7).standard_normal(
            (len(keys), DIMENSIONS), dtype=np.float32
        )
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        VectorCache(directory)._replace_with(
            dict(zip(keys, range(len(keys)), strict=True)), vectors
        )
    return {
        "texts": len(keys),
        "cache_mb": round((directory / "vectors.npy").stat().st_size / 1e6, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _factory(cache: Path, mode: str) -> Any:
    """The process's MatcherFactory, as ``python -m bot run`` makes it; for ``rebuild``,
    the same without the stores (as before they existed)."""
    from bot.matching.factory import MatcherFactory  # noqa: PLC0415
    from bot.matching.hybrid import SemanticMatching  # noqa: PLC0415

    factory = MatcherFactory.load(cache, None, semantic=True, verify=True)
    if factory.semantic is None:
        raise SystemExit(factory.summary())
    if mode != "rebuild":
        return factory
    semantic = SemanticMatching(factory.semantic.embedder, factory.semantic.cache)
    return MatcherFactory(semantic, factory.words, factory.status, None)


def _start(args: argparse.Namespace) -> dict[str, Any]:
    marks: dict[str, float] = {}
    from bot import heap  # noqa: PLC0415
    from bot.matching import HybridMatcher  # noqa: PLC0415

    marks["imports"] = time.time()
    before_kb = _cpu_s()
    knowledge = _knowledge(args.kb)
    marks["kb"] = time.time()
    kb_cpu_s = _cpu_s() - before_kb
    factory = _factory(args.cache, args.mode)
    marks["factory"] = time.time()
    matcher = factory(knowledge)
    marks["matcher"] = time.time()
    assert isinstance(matcher, HybridMatcher)
    embedded = matcher.prepare()
    marks["vectors"] = time.time()
    heap.settle()
    marks["settle"] = time.time()
    curated = matcher.match(knowledge.claims[CURATED].questions[0])
    marks["answered_curated"] = time.time()
    off_topic = matcher.match(OFF_TOPIC)
    marks["answered_off_topic"] = time.time()
    vectors = matcher._semantic_index().vectors()
    return {
        "marks": marks,
        "claims": len(knowledge.claims),
        "texts": len(vectors.phrasings) + len(vectors.passages),
        "embedded": embedded,
        "outcomes": [curated.outcome.value, off_topic.outcome.value],
        "rss_peak_mb": _peak_rss_mb(),
        "cpu_s": _cpu_s(),
        "kb_cpu_s": kb_cpu_s,
    }


def _reload(args: argparse.Namespace) -> dict[str, Any]:
    """Two reloads in a process started the ``args.mode`` way, each timed to the claims'
    vectors ready and one question answered by them."""
    from dataclasses import replace  # noqa: PLC0415

    import msgspec  # noqa: PLC0415

    from bot import heap  # noqa: PLC0415
    from bot.knowledge.models import ClaimLocation  # noqa: PLC0415
    from bot.matching import HybridMatcher  # noqa: PLC0415

    knowledge = _knowledge(args.kb)
    factory = _factory(args.cache, args.mode)
    first = factory(knowledge)
    assert isinstance(first, HybridMatcher)
    first.prepare()
    heap.settle()
    first.match(OFF_TOPIC)
    claim = knowledge.claims[len(knowledge.claims) // 2]
    edited_claim = msgspec.structs.replace(
        claim, questions=(*claim.questions, "Which benchmark edited this claim today?")
    )
    result: dict[str, Any] = {}
    for name, reloaded in (
        ("same_version", replace(knowledge)),
        ("edited", knowledge.with_claim(edited_claim, ClaimLocation(Path("edited.yaml"), 1))),
    ):
        started = time.perf_counter()
        matcher = heap.frozen_after(factory)(reloaded)
        built = time.perf_counter()
        assert isinstance(matcher, HybridMatcher)
        embedded = matcher.prepare()
        prepared = time.perf_counter()
        matcher.match(OFF_TOPIC)
        answered = time.perf_counter()
        result[name] = {
            "matcher_s": round(built - started, 3),
            "vectors_s": round(prepared - built, 3),
            "answer_s": round(answered - prepared, 3),
            "total_s": round(answered - started, 3),
            "embedded": embedded,
        }
    result["rss_peak_mb"] = _peak_rss_mb()
    return result


def _load_files(args: argparse.Namespace) -> dict[str, Any]:
    from bot.knowledge.loader import load_knowledge  # noqa: PLC0415

    started = time.perf_counter()
    knowledge = load_knowledge(args.cache)
    return {"claims": len(knowledge.claims), "load_s": round(time.perf_counter() - started, 2)}


def _cpu_s() -> float:
    """CPU time this process has used (user and system, every thread), from its start:
    what the other sessions on a shared machine do not inflate."""
    import resource  # noqa: PLC0415

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    import resource  # noqa: PLC0415

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WORKERS = {"prepare": _prepare, "start": _start, "reload": _reload, "load_files": _load_files}


def _kb_files(claims: int) -> dict[str, Any]:
    """Write ``claims`` synthetic claims as knowledge files; time ``load_knowledge``."""
    from bench.synthetic import synthetic_knowledge  # noqa: PLC0415
    from bot.knowledge.writer import claim_yaml, dump_yaml, source_yaml  # noqa: PLC0415

    knowledge = synthetic_knowledge(claims)
    with tempfile.TemporaryDirectory(prefix="bench-kb-files-") as scratch:
        root = Path(scratch)
        (root / "sources").mkdir()
        (root / "claims").mkdir()
        for source in knowledge.sources.values():
            (root / "sources" / f"{source.meta.id}.yaml").write_text(source_yaml(source.meta))
            (root / "sources" / source.meta.file).write_text(source.text)
        for claim in knowledge.claims:
            (root / "claims" / f"{claim.id}.yaml").write_text(claim_yaml(claim))
        groups = {"groups": [list(group) for group in knowledge.synonyms]}
        (root / "synonyms.yaml").write_text(dump_yaml(groups))
        result, _ = _child("load_files", str(claims), root)
    return result


def table(report: dict[str, Any]) -> list[str]:
    lines = [
        "start-up, median s   claims    texts │ matcher  vectors   settle  1st answers │"
        " ready s (runs)           │ CPU s │ peak RSS MB"
    ]
    for kb, found in report["sizes"].items():
        for mode in (mode for mode in MODES if mode in found):
            row = found[mode]
            phases = row["phases_s"]
            answers = phases["answered_curated"] + phases["answered_off_topic"]
            runs = ", ".join(f"{value:.2f}" for value in row["ready_runs_s"])
            lines.append(
                f"{kb:>7} {mode:<8} {row['claims']:>9} {row['texts']:>8} │"
                f" {phases['matcher']:>7.2f} {phases['vectors']:>8.2f} {phases['settle']:>8.2f}"
                f" {answers:>12.2f} │ {row['ready_s']:>6.2f} ({runs}){'':<5} │"
                f" {row.get('ready_cpu_s', float('nan')):>5.2f} │ {row['rss_peak_mb']:>6}"
            )
        for mode in (mode for mode in ("kept", "rebuild") if f"reload_{mode}" in found):
            reload = found[f"reload_{mode}"]
            for name in ("same_version", "edited"):
                row = reload[name]
                lines.append(
                    f"{kb:>7} reload {name:<12} ({mode:<7}): matcher {row['matcher_s']:.2f} s,"
                    f" vectors {row['vectors_s']:.2f} s, answer {row['answer_s']:.2f} s,"
                    f" total {row['total_s']:.2f} s"
                )
        lines.append(f"{kb:>7} files MB: {found['files_mb']}, prepared {found['prepare']}")
    if "kb_files" in report:
        found = report["kb_files"]
        lines.append(f"load_knowledge of {found['claims']} claims from files: {found['load_s']} s")
    return lines


if __name__ == "__main__":
    sys.exit(main())
