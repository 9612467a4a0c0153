"""The claim index kept on disk: read back, it answers exactly as the index just built; a
changed knowledge base, synonym list or analyzer never reads a stale file; a damaged or
foreign file is ignored and rebuilt."""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.matching.index as index_module
from bench.synthetic import generated_questions, synthetic_knowledge
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import ClaimLocation
from bot.matching import Analyzer, ClaimIndex, IndexStore, Matcher, binfile, build_matcher
from bot.matching.factory import MatcherFactory
from bot.matching.index_store import knowledge_identity

Results = list[tuple[object, ...]]


def results(matcher: Matcher, questions: list[str]) -> Results:
    """Everything a question's answer is made of, typo repairs included."""
    return [
        (
            r.outcome,
            [(m.claim.id, m.score) for m in r.matches],
            r.terms,
            r.language,
            matcher.rank(list(r.terms), limit=10),
        )
        for r in map(matcher.match, questions)
    ]


def stored_and_built(knowledge: KnowledgeBase, directory: Path) -> tuple[ClaimIndex, ClaimIndex]:
    """The index read back from ``directory`` and one built afresh."""
    IndexStore(directory).index(knowledge, Analyzer(knowledge.synonyms))  # built, written
    loaded = IndexStore(directory).load(knowledge, Analyzer(knowledge.synonyms))
    assert loaded is not None
    return loaded, ClaimIndex(knowledge, Analyzer(knowledge.synonyms))


def index_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("index-*.bin"))


@pytest.fixture(scope="module")
def synthetic() -> KnowledgeBase:
    return synthetic_knowledge(1200)  # over index.DENSE_FROM: dense vectors too


@pytest.fixture(scope="module")
def shipped_pair(
    knowledge: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Matcher, Matcher]:
    loaded, built = stored_and_built(knowledge, tmp_path_factory.mktemp("shipped"))
    return Matcher(loaded), Matcher(built)


@pytest.fixture(scope="module")
def synthetic_pair(
    synthetic: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Matcher, Matcher]:
    loaded, built = stored_and_built(synthetic, tmp_path_factory.mktemp("synthetic"))
    assert built.dense_terms > 0
    return Matcher(loaded), Matcher(built)


def test_a_stored_index_holds_exactly_what_was_built(
    shipped_pair: tuple[Matcher, Matcher], synthetic_pair: tuple[Matcher, Matcher]
) -> None:
    for loaded, built in (shipped_pair, synthetic_pair):
        assert loaded.index.parts() == built.index.parts()
        assert loaded.index.spanish_forms == built.index.spanish_forms
        assert loaded.index.word_ranks == built.index.word_ranks
        assert loaded.index.initials == built.index.initials
        assert [c.claim for c in loaded.index.claims] == [c.claim for c in built.index.claims]


def test_every_curated_question_is_answered_alike(
    knowledge: KnowledgeBase, shipped_pair: tuple[Matcher, Matcher]
) -> None:
    loaded, built = shipped_pair
    questions = [q for claim in knowledge.claims for q in claim.questions]
    questions += [claim.statement for claim in knowledge.claims]
    questions += [q.text for q in generated_questions(knowledge, 300)]

    assert results(loaded, questions) == results(built, questions)


def test_generated_questions_at_scale_are_answered_alike(
    synthetic: KnowledgeBase, synthetic_pair: tuple[Matcher, Matcher]
) -> None:
    loaded, built = synthetic_pair
    questions = [q.text for q in generated_questions(synthetic, 600)]

    assert results(loaded, questions) == results(built, questions)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rng=st.randoms(use_true_random=False), words=st.integers(min_value=1, max_value=8))
def test_any_question_made_of_known_words_and_typos_is_answered_alike(
    shipped_pair: tuple[Matcher, Matcher],
    synthetic_pair: tuple[Matcher, Matcher],
    rng: random.Random,
    words: int,
) -> None:
    for loaded, built in (shipped_pair, synthetic_pair):
        vocabulary = built.index.vocabulary
        question = []
        for _ in range(words):
            word = rng.choice(vocabulary)
            if rng.random() < 0.3 and len(word) > 3:  # a typo: one letter changed
                at = rng.randrange(len(word))
                word = word[:at] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[at + 1 :]
            question.append(word)
        text = " ".join(question)
        assert results(loaded, [text]) == results(built, [text])


def test_a_second_start_reads_the_index_instead_of_building_it(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_matcher(knowledge, indexes=IndexStore(tmp_path))
    assert len(index_files(tmp_path)) == 1

    def no_build(*args: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(index_module, "IndexBuilder", type("X", (), {"build": no_build}))
    second = build_matcher(knowledge, indexes=IndexStore(tmp_path))

    question = "What did Venezuela import from Iran in 2020?"
    assert second.match(question) == first.match(question)


def built_or_read(
    knowledge: KnowledgeBase, directory: Path, store: IndexStore | None = None
) -> str:
    """Whether the store had to build the index of ``knowledge`` (and wrote a new file:
    a new inode) or read it."""
    before = {path: path.stat().st_ino for path in index_files(directory)}
    (store or IndexStore(directory)).index(knowledge, Analyzer(knowledge.synonyms))
    after = {path: path.stat().st_ino for path in index_files(directory)}
    written = [path for path in after if before.get(path) != after[path]]
    return "built" if written else "read"


def test_an_edited_knowledge_base_does_not_read_the_old_index(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    assert built_or_read(knowledge, tmp_path) == "built"
    assert built_or_read(knowledge, tmp_path) == "read"
    claim = knowledge.claims[0]
    edited_claim = msgspec.structs.replace(claim, questions=(*claim.questions, "Zork quux?"))
    edited = knowledge.with_claim(edited_claim, ClaimLocation(Path("x.yaml"), 1))

    assert built_or_read(edited, tmp_path) == "built"
    best = build_matcher(edited, indexes=IndexStore(tmp_path)).match("zork quux").best
    assert best is not None
    assert best.claim.id == claim.id
    assert len(index_files(tmp_path)) == 2


def test_claims_changed_under_the_same_version_do_not_read_the_old_index(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    """The version names the content; should a caller change the claims and keep it (as
    tests do with ``dataclasses.replace``), their number and ids still tell."""
    assert built_or_read(knowledge, tmp_path) == "built"
    fewer = replace(knowledge, claims=knowledge.claims[1:])
    reordered = replace(knowledge, claims=knowledge.claims[::-1])

    assert built_or_read(fewer, tmp_path) == "built"
    assert built_or_read(reordered, tmp_path) == "built"


def test_changed_synonyms_do_not_read_the_old_index(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    assert built_or_read(knowledge, tmp_path) == "built"
    more = replace(knowledge, synonyms=(*knowledge.synonyms, ("zork", "quux")))

    assert built_or_read(more, tmp_path) == "built"
    terms = build_matcher(more, indexes=IndexStore(tmp_path)).query_terms("quux")
    assert terms == build_matcher(more).query_terms("quux") == ["zork"]


def test_a_changed_analyzer_or_index_code_does_not_read_the_old_index(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert built_or_read(knowledge, tmp_path) == "built"
    store = IndexStore(tmp_path)
    assert store.key(knowledge) is not None
    store._code = "another version of analysis.py"  # as if a source file had changed
    assert built_or_read(knowledge, tmp_path, store) == "built"

    monkeypatch.setattr(index_module, "DENSE_FROM", 10)
    assert built_or_read(knowledge, tmp_path) == "built"


def test_the_key_names_everything_the_index_is_built_from(knowledge: KnowledgeBase) -> None:
    key = IndexStore(Path("unused")).key(knowledge)
    assert key is not None
    fields = msgspec.json.decode(key)
    assert set(fields) == {"format", "code", "python", "unicode", "stemmer", "dense", "knowledge"}
    assert knowledge.version in fields["knowledge"]
    assert fields["knowledge"] == knowledge_identity(knowledge)


def test_without_readable_source_nothing_is_stored(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    store = IndexStore(tmp_path)
    store._code = ""  # what code_fingerprint gives when a module's source is missing

    store.index(knowledge, Analyzer(knowledge.synonyms))

    assert store.key(knowledge) is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "damage",
    [
        "flip a byte",
        "cut short",
        "empty",
        "random bytes",
        "another kind",
    ],
)
def test_a_damaged_or_foreign_file_is_ignored_and_rebuilt(
    knowledge: KnowledgeBase,
    tmp_path: Path,
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert built_or_read(knowledge, tmp_path) == "built"
    [path] = index_files(tmp_path)
    sound = path.read_bytes()
    if damage == "flip a byte":
        data = bytearray(sound)
        data[len(data) // 3] ^= 0x40
        path.write_bytes(bytes(data))
    elif damage == "cut short":
        path.write_bytes(sound[: len(sound) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "random bytes":
        path.write_bytes(random.Random(1).randbytes(len(sound)))
    else:
        key = IndexStore(tmp_path).key(knowledge)
        assert key is not None
        binfile.write(path, kind="claim-vectors", format_=1, key=key, sections=[])

    with caplog.at_level(logging.WARNING, logger="bot.matching.index_store"):
        assert IndexStore(tmp_path).load(knowledge, Analyzer(knowledge.synonyms)) is None
    assert "ignoring the stored claim index" in caplog.text

    assert built_or_read(knowledge, tmp_path) == "built"
    assert path.read_bytes() == sound  # rewritten whole
    assert built_or_read(knowledge, tmp_path) == "read"


def test_a_file_that_decodes_but_does_not_fit_is_ignored(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    """Sound bytes under the right key, holding an index of other claims (which only a
    bug could write): the store checks that the parts fit together, and refuses it."""
    store = IndexStore(tmp_path)
    other = replace(knowledge, claims=knowledge.claims[:3])
    index = ClaimIndex(other, Analyzer(other.synonyms))
    key = store.key(knowledge)
    assert key is not None
    store._save(store.path(key), key, index)

    assert store.load(knowledge, Analyzer(knowledge.synonyms)) is None


def test_an_unusable_cache_directory_still_gives_a_matcher(
    knowledge: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_bytes(b"")

    with caplog.at_level(logging.WARNING, logger="bot.matching.index_store"):
        matcher = build_matcher(knowledge, indexes=IndexStore(blocked / "claim-index"))

    assert matcher.match("What did Venezuela import from Iran in 2020?").best is not None
    assert "could not write the claim index" in caplog.text


def test_only_the_most_recently_used_files_are_kept(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    versions = [replace(knowledge, version=f"v{n}") for n in range(4)]
    store = IndexStore(tmp_path, keep=2)
    for version in versions[:3]:
        store.index(version, Analyzer(version.synonyms))
    assert len(index_files(tmp_path)) == 2
    assert store.load(versions[0], Analyzer(knowledge.synonyms)) is None  # the oldest went
    assert store.load(versions[2], Analyzer(knowledge.synonyms)) is not None
    assert len(list(tmp_path.glob("*.lock"))) == 2


def test_the_factory_keeps_indexes_under_the_cache_directory(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    factory = MatcherFactory.load(tmp_path, None, semantic=False, verify=False)
    assert factory.indexes is not None

    factory(knowledge)

    assert len(index_files(tmp_path / "claim-index")) == 1
    assert MatcherFactory.load(None, None, semantic=False, verify=False).indexes is None
