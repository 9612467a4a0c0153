"""The claims' vectors on disk: only new texts are embedded, a broken cache is ignored,
a shipped seed serves a first start, and nothing half-written is ever read."""

from __future__ import annotations

import stat
from pathlib import Path

import msgspec
import numpy as np
import pytest

from bot.knowledge import load_knowledge
from bot.knowledge.models import Claim
from bot.matching.semantic import SemanticIndex, VectorCache, load_embedder
from bot.matching.semantic.cache import text_key
from bot.matching.semantic.index import text_keys
from tests.helpers import claim_data, make_knowledge, shipped_knowledge
from tests.matching.semantic.fakes import CountingEmbedder


def two_claims(tmp_path: Path) -> list[Claim]:
    root = make_knowledge(
        tmp_path / "kb",
        claims={
            "tankers-sent": claim_data(questions=("How many tankers did Iran send?",)),
            "shipping-sanctioned": claim_data(
                "shipping-sanctioned",
                quote="The U.S. Treasury responded with sanctions on the shipping firms.",
                questions=("Who sanctioned the shipping firms?",),
            ),
        },
    )
    return list(load_knowledge(root).claims)


def test_a_second_start_embeds_nothing_and_gets_the_same_vectors(tmp_path: Path) -> None:
    claims = two_claims(tmp_path)
    first, second = CountingEmbedder(), CountingEmbedder()

    built = SemanticIndex(claims, first, VectorCache(tmp_path / "cache"))
    rebuilt = SemanticIndex(claims, second, VectorCache(tmp_path / "cache"))

    assert built.embedded_now == len(first.embedded) > 0
    assert rebuilt.embedded_now == 0
    assert second.embedded == []
    question = "who sanctioned the firms"
    np.testing.assert_array_equal(
        built.similarities(question).phrasing, rebuilt.similarities(question).phrasing
    )


def test_an_edited_claim_re_embeds_only_its_changed_text(tmp_path: Path) -> None:
    claims = two_claims(tmp_path)
    SemanticIndex(claims, CountingEmbedder(), VectorCache(tmp_path / "cache"))
    edited = [msgspec.structs.replace(claims[0], questions=("A new phrasing?",)), claims[1]]
    embedder = CountingEmbedder()

    SemanticIndex(edited, embedder, VectorCache(tmp_path / "cache"))

    assert embedder.embedded == ["A new phrasing?"]


def test_an_unreadable_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    claims = two_claims(tmp_path)
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / "vectors.npy").write_bytes(b"not numpy at all")
    (directory / "keys.txt").write_text("abc\n")

    index = SemanticIndex(claims, CountingEmbedder(), VectorCache(directory))

    assert index.embedded_now > 0
    assert SemanticIndex(claims, CountingEmbedder(), VectorCache(directory)).embedded_now == 0


def test_keys_that_do_not_match_the_vectors_are_ignored(tmp_path: Path) -> None:
    claims = two_claims(tmp_path)
    SemanticIndex(claims, CountingEmbedder(), VectorCache(tmp_path / "cache"))
    keys = tmp_path / "cache" / "keys.txt"
    keys.write_text("\n".join(keys.read_text().split()[:-1]))  # one key short: a torn write

    assert (
        SemanticIndex(claims, CountingEmbedder(), VectorCache(tmp_path / "cache")).embedded_now > 0
    )


def test_a_seed_serves_a_first_start_and_is_never_written(tmp_path: Path) -> None:
    claims = two_claims(tmp_path)
    SemanticIndex(claims, CountingEmbedder(), VectorCache(tmp_path / "seed"))
    seeded = (tmp_path / "seed" / "vectors.npy").read_bytes()
    embedder = CountingEmbedder()

    index = SemanticIndex(
        [*claims[:1]], embedder, VectorCache(tmp_path / "cache", seed=tmp_path / "seed")
    )

    assert index.embedded_now == 0
    assert embedder.embedded == []
    assert (tmp_path / "seed" / "vectors.npy").read_bytes() == seeded


def test_cache_files_are_readable_by_others(tmp_path: Path) -> None:
    """A cache built at image build time is read by the bot's unprivileged user."""
    SemanticIndex(two_claims(tmp_path), CountingEmbedder(), VectorCache(tmp_path / "cache"))

    for name in ("vectors.npy", "keys.txt"):
        assert stat.S_IMODE((tmp_path / "cache" / name).stat().st_mode) == 0o644


def test_keys_depend_on_the_model_and_the_kind_of_text() -> None:
    assert text_key("m1", "query", "hello") != text_key("m2", "query", "hello")
    assert text_key("m1", "query", "hello") != text_key("m1", "passage", "hello")


def test_a_memory_only_cache_writes_nothing(tmp_path: Path) -> None:
    cache = VectorCache(None)
    SemanticIndex(two_claims(tmp_path), CountingEmbedder(), cache)

    assert len(cache) > 0
    assert not (tmp_path / "cache").exists()


def test_an_export_holds_exactly_the_keys_asked_for(tmp_path: Path) -> None:
    claims = two_claims(tmp_path)
    cache = VectorCache(tmp_path / "cache")
    SemanticIndex(claims, CountingEmbedder(), cache)
    SemanticIndex(claims[:1], CountingEmbedder(), cache)
    keys = text_keys(claims[:1], CountingEmbedder.model_id)

    cache.export(keys, tmp_path / "seed")

    assert len(VectorCache(tmp_path / "seed")) == len(keys)
    assert VectorCache(tmp_path / "seed").missing(keys) == []


@pytest.mark.semantic
def test_the_shipped_seed_holds_every_text_of_the_shipped_claims() -> None:
    """Otherwise a new install embeds the missing texts at its first question (slow, not
    wrong): run ``python -m bench.seed_embeddings`` after editing claims."""
    knowledge = shipped_knowledge()
    embedder, status = load_embedder()
    assert embedder is not None, status.summary()
    seed = VectorCache(knowledge.root / "embeddings" / embedder.model_id)

    assert seed.missing(text_keys(knowledge.claims, embedder.model_id)) == []
