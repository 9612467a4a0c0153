"""The claims' vectors kept per knowledge base: read back (mapped), they give the same
similarities; another knowledge base or model never reads them; a damaged file is
ignored and made again from the vector cache, without embedding anything."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import msgspec
import numpy as np
import pytest

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import ClaimLocation
from bot.matching import HybridMatcher, IndexStore, SemanticMatching, build_matcher
from bot.matching.index_store import knowledge_identity
from bot.matching.semantic import SemanticIndex, VectorCache
from bot.matching.semantic.store import VectorStore
from tests.matching.semantic.fakes import CountingEmbedder

QUESTIONS = (
    "What did Venezuela import from Iran in 2020?",
    "who sanctioned the shipping firms",
    "¿Qué importó Venezuela?",
    "how to fix a broken laptop",
)


def semantic(directory: Path, embedder: CountingEmbedder | None = None) -> SemanticMatching:
    return SemanticMatching(
        embedder or CountingEmbedder(),
        VectorCache(directory / "cache"),
        VectorStore(directory / "claim-vectors"),
    )


def vector_files(directory: Path) -> list[Path]:
    return sorted((directory / "claim-vectors").glob("vectors-*.bin"))


def same_similarities(first: SemanticIndex, second: SemanticIndex) -> None:
    for question in QUESTIONS:
        one, other = first.similarities(question), second.similarities(question)
        np.testing.assert_array_equal(one.phrasing, other.phrasing)
        np.testing.assert_array_equal(one.passage, other.passage)


def test_a_second_start_maps_the_vectors_and_embeds_nothing(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    identity = knowledge_identity(knowledge)
    built = semantic(tmp_path).index(knowledge.claims, identity)
    assert built.embedded_now > 0
    assert len(vector_files(tmp_path)) == 1

    embedder = CountingEmbedder()
    read = semantic(tmp_path, embedder).index(knowledge.claims, identity)

    assert read.embedded_now == 0
    same_similarities(built, read)
    assert embedder.embedded == list(QUESTIONS)  # the questions only
    assert not read.vectors().phrasings.flags.writeable  # mapped read-only, not copied


def test_the_vectors_read_back_are_the_ones_built(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    identity = knowledge_identity(knowledge)
    built = semantic(tmp_path).index(knowledge.claims, identity).vectors()
    read = semantic(tmp_path).index(knowledge.claims, identity).vectors()

    for name in ("phrasings", "passages", "phrasing_starts", "passage_starts"):
        np.testing.assert_array_equal(getattr(built, name), getattr(read, name))


def test_another_knowledge_base_does_not_read_them(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    semantic(tmp_path).index(knowledge.claims, knowledge_identity(knowledge))
    claim = knowledge.claims[0]
    edited_claim = msgspec.structs.replace(claim, questions=("A brand new phrasing?",))
    edited = knowledge.with_claim(edited_claim, ClaimLocation(Path("x.yaml"), 1))
    embedder = CountingEmbedder()

    index = semantic(tmp_path, embedder).index(edited.claims, knowledge_identity(edited))

    assert embedder.embedded == ["A brand new phrasing?"]  # the rest from the vector cache
    assert len(vector_files(tmp_path)) == 2
    fresh = SemanticIndex(edited.claims, CountingEmbedder(), VectorCache(None))
    same_similarities(index, fresh)


def test_another_model_does_not_read_them(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    identity = knowledge_identity(knowledge)
    semantic(tmp_path).index(knowledge.claims, identity)

    class OtherModel(CountingEmbedder):
        model_id = "another-model"

    embedder = OtherModel()
    assert semantic(tmp_path, embedder).index(knowledge.claims, identity).embedded_now > 0
    assert len(vector_files(tmp_path)) == 2


@pytest.mark.parametrize("damage", ["flip a byte", "cut short", "not ours"])
def test_a_damaged_file_is_ignored_and_made_again_from_the_cache(
    knowledge: KnowledgeBase, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    identity = knowledge_identity(knowledge)
    built = semantic(tmp_path).index(knowledge.claims, identity)
    [path] = vector_files(tmp_path)
    sound = path.read_bytes()
    if damage == "flip a byte":
        data = bytearray(sound)
        data[len(data) // 2] ^= 0x10
        path.write_bytes(bytes(data))
    elif damage == "cut short":
        path.write_bytes(sound[: len(sound) - 100])
    else:
        path.write_bytes(b"\x93NUMPY" + sound[6:])

    embedder = CountingEmbedder()
    with caplog.at_level(logging.WARNING, logger="bot.matching.semantic.store"):
        again = semantic(tmp_path, embedder).index(knowledge.claims, identity)

    assert "ignoring the stored claim vectors" in caplog.text
    assert again.embedded_now == 0  # every text was in the vector cache
    same_similarities(built, again)
    assert path.read_bytes() == sound


def test_vectors_that_do_not_fit_the_claims_are_ignored(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    """Sound bytes under the right key but for other claims (only a bug could write
    them): their rows do not fit, and they are made again."""
    identity = knowledge_identity(knowledge)
    store = VectorStore(tmp_path / "claim-vectors")
    embedder = CountingEmbedder()
    few = SemanticIndex(knowledge.claims[:2], embedder, VectorCache(None))
    key = store.key(identity, embedder.model_id)
    assert key is not None
    path = tmp_path / "claim-vectors" / "x.bin"
    store._save(path, key, few)

    assert store._load(path, key, knowledge.claims, embedder) is None


def test_without_an_identity_or_a_store_nothing_is_kept(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    semantic(tmp_path).index(knowledge.claims)
    SemanticMatching(CountingEmbedder(), VectorCache(None)).index(
        knowledge.claims, knowledge_identity(knowledge)
    )

    assert vector_files(tmp_path) == []


def test_a_hybrid_matcher_over_kept_index_and_vectors_answers_as_a_fresh_one(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    def hybrid(kept: bool) -> HybridMatcher:
        matcher = build_matcher(
            knowledge,
            semantic=semantic(tmp_path) if kept else semantic(tmp_path / "fresh"),
            indexes=IndexStore(tmp_path / "claim-index") if kept else None,
        )
        assert isinstance(matcher, HybridMatcher)
        return matcher

    hybrid(kept=True).prepare()  # writes both files
    kept, fresh = hybrid(kept=True), hybrid(kept=False)
    assert kept.prepare() == 0
    assert len(vector_files(tmp_path)) == 1
    assert len(list((tmp_path / "claim-index").glob("index-*.bin"))) == 1

    questions = [*QUESTIONS, *(q for claim in knowledge.claims[:20] for q in claim.questions)]
    assert [kept.match(q) for q in questions] == [fresh.match(q) for q in questions]


def test_the_identity_changes_with_the_knowledge_base(knowledge: KnowledgeBase) -> None:
    identity = knowledge_identity(knowledge)
    assert identity == knowledge_identity(replace(knowledge))
    assert identity != knowledge_identity(replace(knowledge, version="other"))
    assert identity != knowledge_identity(replace(knowledge, claims=knowledge.claims[:-1]))
    assert identity != knowledge_identity(replace(knowledge, synonyms=()))
