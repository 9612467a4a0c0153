"""What the semantic part costs: ``python -m bench.semantic_bench [--quick]``.

- Latency per question on the real knowledge base, lexical only and hybrid (model
  included), over generated questions and the calibration set; RSS with the model loaded.
- Building the claims' vectors: cold (every text embedded), from the shipped seed, and
  from a warm cache; the per-text embedding rate, and what 1k and 10k claims would take
  (synthetic knowledge bases, their real text counts times the measured rate).
- The growth beyond: loading a cache and scoring one question against it at 10k and
  100k claims' worth of texts (random unit vectors of the model's size).
- A cold ``python -m bot ask`` with and without the model (median of five).

Prints a table and writes ``bench/results/semantic.json``. Numbers depend on the
machine's load: see docs/performance.md for a run and how to read it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.measure import current_rss_mb, latency_summary, load_kb, timed_ns
from bench.synthetic import generated_questions, synthetic_knowledge
from bot.evaluation import load_eval_set
from bot.matching import build_matcher
from bot.matching.hybrid import SemanticMatching
from bot.matching.semantic import SemanticIndex, VectorCache, load_embedder
from bot.matching.semantic.index import claim_texts
from bot.matching.wordlists import WordLists

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "semantic.json"
DIMENSIONS = 384


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    embedder, status = load_embedder(verify=True)
    if embedder is None:
        print(status.summary())
        return 1
    report: dict[str, Any] = {"model": status.reason}
    knowledge = load_kb("real")
    words = WordLists(Path(tempfile.mkdtemp()))
    questions = [q.text for q in generated_questions(knowledge, 300 if args.quick else 2000)]
    questions += [q.q for q in load_eval_set(knowledge.root / "eval" / "calibration.yaml")]

    seed = knowledge.root / "embeddings"
    with tempfile.TemporaryDirectory() as scratch:
        cold = SemanticMatching(embedder, VectorCache(Path(scratch) / "cold"))
        started = time.perf_counter()
        texts = cold.index(knowledge.claims).embedded_now
        report["real_cold_build_s"] = round(time.perf_counter() - started, 2)
        report["real_texts"] = texts
        report["ms_per_text"] = round(1000 * report["real_cold_build_s"] / max(texts, 1), 2)
        for name, cache in (
            (
                "real_seed_build_ms",
                VectorCache(Path(scratch) / "fresh", seed=seed / embedder.model_id),
            ),
            ("real_warm_build_ms", VectorCache(Path(scratch) / "cold")),
        ):
            started = time.perf_counter()
            SemanticIndex(knowledge.claims, embedder, cache)
            report[name] = round(1000 * (time.perf_counter() - started), 1)

        hybrid = build_matcher(knowledge, semantic=cold, words=words)
        lexical = build_matcher(knowledge, words=words)
        for name, matcher in (("lexical", lexical), ("hybrid", hybrid)):
            for question in questions[:20]:  # warm-up: first calls load lists and the model
                matcher.match(question)
            match = matcher.match
            report[f"latency_{name}_ms"] = latency_summary(
                [timed_ns(functools.partial(match, q)) for q in questions]
            )
        report["rss_mb_with_model"] = round(current_rss_mb(), 1)
        report["questions"] = len(questions)

    for size in (1_000, 10_000):
        claims = synthetic_knowledge(size).claims
        count = sum(len(p) + len(s) for p, s in map(claim_texts, claims))
        report[f"texts_{size}"] = count
        report[f"projected_embed_{size}_s"] = round(count * report["ms_per_text"] / 1000, 1)
    report["growth"] = {str(n): _growth(n) for n in (10_000, 100_000)}
    report["cold_ask_s"] = {
        "hybrid": _cold_ask({}),
        "lexical": _cold_ask({"BOT_SEMANTIC": "off"}),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


def _growth(claims: int, texts_per_claim: int = 10) -> dict[str, float]:
    """Load a cache of ``claims * texts_per_claim`` vectors and score one question."""
    rng = np.random.default_rng(7)
    count = claims * texts_per_claim
    vectors = rng.standard_normal((count, DIMENSIONS), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as scratch:
        cache = VectorCache(Path(scratch))
        keys = [f"{i:064x}" for i in range(count)]
        cache.put_many(keys, vectors)
        started = time.perf_counter()
        loaded = VectorCache(Path(scratch))
        found, missing = loaded.get_many(keys)
        load_ms = 1000 * (time.perf_counter() - started)
        assert found is not None
        assert not missing
        starts = np.arange(0, count, texts_per_claim)
        question = vectors[0]
        times = [timed_ns(lambda: np.maximum.reduceat(found @ question, starts)) for _ in range(50)]
    return {
        "texts": count,
        "cache_mb": round(vectors.nbytes / 2**20, 1),
        "load_ms": round(load_ms, 1),
        "score_p50_ms": round(statistics.median(times) / 1e6, 2),
    }


def _cold_ask(env: dict[str, str]) -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--no-log", "why do tehran and caracas cooperate"],
            check=True,
            capture_output=True,
            env={**os.environ, **env},
        )
        runs.append(time.perf_counter() - started)
    return round(statistics.median(runs), 3)


if __name__ == "__main__":
    raise SystemExit(main())
