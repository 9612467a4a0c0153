"""Word lists: read only when needed, folded like the text, cached compactly, and searched
exactly like a set."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.models import Language
from bot.matching.wordlists import SortedWords, WordLists, warm


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.text(alphabet="abcé\u06cc\u06a9", min_size=1, max_size=5), max_size=30),
    st.lists(st.text(alphabet="abcdé\u06cc\u06a9", max_size=6), max_size=20),
)
def test_sorted_words_answer_as_a_set_does(words: set[str], probes: list[str]) -> None:
    found = SortedWords.of(words)
    assert len(found) == len(words)
    for probe in [*words, *probes]:
        assert (probe in found) == (probe in words)
    assert "a\nb" not in found


def write_source(directory: Path, language: str, entries: dict[str, int]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{language}.json.gz").write_bytes(gzip.compress(json.dumps(entries).encode()))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    directory = tmp_path / "resources"
    write_source(
        directory, "en", {"lead": 183506, "flag": 24738, "voussoir": 50, "orlando's": 5000}
    )
    write_source(directory, "es", {"petróleo": 20000, "Irán": 5000, "compra": 27425})
    write_source(directory, "fa", {"كشور": 153, "ایران": 131, "آمریکا": 208, "کند": 72})
    return directory


def test_entries_are_folded_like_the_text(source: Path) -> None:
    lists = WordLists(source_dir=source)
    assert lists.contains("en", "lead")
    assert not lists.contains("en", "voussoir")  # too rare to tell from a typo
    assert not lists.contains("en", "orlando")  # two tokens once folded: left out
    assert lists.contains("es", "petroleo")
    assert lists.contains("es", "iran")
    assert not lists.contains("es", "lead")
    assert lists.contains("fa", "کشور")  # the Arabic kaf folded
    assert lists.contains("fa", "امریکا")  # the madda folded


def test_persian_words_are_also_found_by_their_stem(source: Path) -> None:
    lists = WordLists(source_dir=source)
    for inflected in ("کشورها", "کشورهای", "ایرانی", "امریکایی", "میکند"):
        assert lists.contains("fa", inflected), inflected
    assert not lists.contains("fa", "کشورر")


def test_a_minimum_count_leaves_out_rare_entries(source: Path) -> None:
    lists = WordLists(source_dir=source, min_count=10_000)
    assert lists.contains("en", "lead")
    assert not lists.contains("en", "voussoir")
    assert not lists.contains("es", "iran")
    assert WordLists(source_dir=source, min_count=50).contains("en", "voussoir")


def test_nothing_is_read_before_a_word_needs_deciding(tmp_path: Path) -> None:
    lists = WordLists(tmp_path / "cache", source_dir=tmp_path / "nowhere")
    assert not (tmp_path / "cache").exists()
    with pytest.raises(FileNotFoundError):
        lists.contains("en", "lead")


def test_the_folded_lists_are_cached_and_read_back(source: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert WordLists(cache, source_dir=source).contains("es", "petroleo")
    (cached,) = cache.glob("words-es-*.txt")
    assert cached.read_text(encoding="utf-8") == "compra\niran\npetroleo\n"
    assert list(cache.glob("*.tmp")) == []

    cached.write_text("compra\niran\npetroleo\nsolo-en-la-cache\n", encoding="utf-8")
    assert WordLists(cache, source_dir=source).contains("es", "solo-en-la-cache")


def test_the_cache_follows_its_source_and_the_minimum(source: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    WordLists(cache, source_dir=source).words("en")
    WordLists(cache, source_dir=source, min_count=100).words("en")
    assert len(list(cache.glob("words-en-*.txt"))) == 2

    write_source(source, "en", {"lead": 10, "newword": 5000})
    os.utime(source / "en.json.gz", ns=(1, 1))
    assert WordLists(cache, source_dir=source).contains("en", "newword")


def test_a_truncated_cache_file_is_built_again(source: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    WordLists(cache, source_dir=source).words("es")
    (cached,) = cache.glob("words-es-*.txt")
    cached.write_text("compra\nir", encoding="utf-8")
    assert WordLists(cache, source_dir=source).contains("es", "petroleo")
    assert cached.read_text(encoding="utf-8").endswith("petroleo\n")


def test_an_unwritable_cache_directory_means_memory_only(source: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    lists = WordLists(blocked / "cache", source_dir=source)
    assert lists.contains("en", "flag")
    assert not lists.contains("en", "flga")


def test_one_shared_instance_per_cache_directory(tmp_path: Path) -> None:
    assert WordLists.shared(tmp_path) is WordLists.shared(tmp_path)
    assert WordLists.shared(tmp_path) is not WordLists.shared(tmp_path / "other")


def test_the_real_lists_are_read_back_from_the_cache(tmp_path: Path) -> None:
    """pyspellchecker's own files take a third of a second to read, the cache files a few
    milliseconds (bench, not here): a second process reads the cache, not the source."""
    languages: tuple[Language, ...] = ("en", "es", "fa")
    for language in languages:
        WordLists(tmp_path).words(language)
    built = {path: path.read_text(encoding="utf-8") for path in tmp_path.glob("words-*.txt")}
    lists = WordLists(tmp_path)
    for language in languages:
        assert lists.words(language).text in built.values()
    assert len(built) == 3
    assert lists.contains("en", "lead")
    assert lists.contains("en", "drone")
    assert not lists.contains("en", "untied")  # 999 times: as often a typo of "united"
    assert not lists.contains("en", "refinary")
    assert lists.contains("es", "gasolina")
    assert lists.contains("es", "petroleo")  # "petróleo", folded
    assert lists.contains("fa", "تحریم")
    assert lists.contains("fa", "تحریمها")


def test_warm_builds_every_cache_file(tmp_path: Path) -> None:
    counts = warm(str(tmp_path))
    assert set(counts) == {"en", "es", "fa"}
    assert all(count > 9_000 for count in counts.values())
    assert len(list(tmp_path.glob("words-*.txt"))) == 3
