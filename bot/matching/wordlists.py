"""Word lists of English, Spanish and Persian: is this a word of the language, or a typo?

Typo repair (:mod:`bot.matching.typos`) must not "repair" a real word that the knowledge
base happens not to use ("lead" into "leader", "recipe" into "recibe", "queen" into
"que"): such a word stays unknown, and counts against every claim as it should. What
decides is a kept word list, not the knowledge base's own vocabulary: pyspellchecker's
frequency lists (``spellchecker/resources/{en,es,fa}.json.gz``, built from subtitles
and dictionaries), folded as the analyzer folds text ("Irán" is "iran", "كشور" is "کشور").

An English or Spanish entry counts from 1,000 occurrences: below that the lists hold
what typos land on as often as real words ("untied" 999, "chian" and "gasolene" at the
floor of 50), and treating those as words cost two held-out and two fresh questions
("how do they see the untied states", "did venezuela get gasolene from iran"); from
1,000 the held-out set is back where it was before the lists (90.6 %), and the guard
set of questions without an answer is unchanged. Common words stay words: "lead"
(183,506) is not "leader", "rain" (65,699) is not "ran". The
Persian list holds lemmas only, so a Persian word is also found by its light stem
("کشورها" by "کشور").

Reading the lists takes a third of a second (JSON in gzip, 270,000 entries), so
nothing is read until a word actually needs deciding (most questions have none), and
the folded lists are kept in ``cache_dir`` as one sorted text file per language
(``words-en-….txt``, 1.2 MB) that loads in a few milliseconds and is searched by
bisection in place, taking no more memory than its text. The file name carries what
it depends on (the source file's size and time, the folding), so a new pyspellchecker
or a change to the folding builds it again. Without a cache directory (or one that
cannot be written) the lists are built in memory, once per process.
"""

from __future__ import annotations

import contextlib
import os
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import ClassVar

import msgspec

from bot.knowledge.models import Language
from bot.matching import persian
from bot.matching.analysis import strip_accents, tokenize

FORMAT = 1
"""Bumped when what the cache files hold changes."""

MIN_COUNT = 1000
"""English and Spanish entries counted at least this often are words (see the module's
docstring). The Persian list is taken whole: its counts are too sparse to
cut (all but 300 of its 27,000 entries are at the floor)."""

_FOLDING_PROBES = (
    "Irán PETRÓLEO Ñandú straße ﬁnal œuvre Ångström ǅemal",
    "آمریکایی كشورهاي ایـــران ۲۰۲۰ ٢٠٢٠ مسئله فرآورده‌ها ۀ ة",
)
"""Text whose folding (and Persian stems) the cache files' names depend on."""


class SortedWords:
    """A set of words kept as one sorted, newline-separated string, searched by bisection:
    as compact as the text and loaded without building a Python object per word."""

    def __init__(self, blob: str) -> None:
        """``blob``: distinct words in code-point order, each followed by a newline."""
        self._blob = blob

    @classmethod
    def of(cls, words: set[str]) -> SortedWords:
        return cls("".join(f"{word}\n" for word in sorted(words)))

    @property
    def text(self) -> str:
        return self._blob

    def __len__(self) -> int:
        return self._blob.count("\n")

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or not word or "\n" in word:
            return False
        blob = self._blob
        low, high = 0, len(blob)  # both at line starts
        while low < high:
            start = blob.rfind("\n", low, (low + high) // 2) + 1 or low
            end = blob.find("\n", start)
            line = blob[start:end]
            if line == word:
                return True
            if line < word:
                low = end + 1
            else:
                high = start
        return False


class WordLists:
    """The English, Spanish and Persian word lists, each read when first needed.

    Safe to share between threads and matchers: :meth:`shared` gives one per cache
    directory, so that a reloaded knowledge base does not read the lists again.
    """

    _shared: ClassVar[dict[Path | None, WordLists]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        min_count: int = MIN_COUNT,
        source_dir: Path | None = None,
    ) -> None:
        """``cache_dir``: where the folded lists are kept (None: in memory only);
        ``min_count``: see :data:`MIN_COUNT`; ``source_dir``: pyspellchecker's
        ``resources`` directory (found if None)."""
        self.cache_dir = cache_dir
        self.min_count = min_count
        self._source_dir = source_dir
        self._lists: dict[Language, SortedWords] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, cache_dir: Path | None = None) -> WordLists:
        """The process's word lists for ``cache_dir``."""
        with cls._shared_lock:
            found = cls._shared.get(cache_dir)
            if found is None:
                found = cls._shared[cache_dir] = cls(cache_dir)
            return found

    def contains(self, language: Language, folded: str) -> bool:
        """Whether ``folded`` (a token as the analyzer folds it) is a word of ``language``;
        for Persian, also when its light stem is."""
        words = self.words(language)
        if folded in words:
            return True
        return language == "fa" and persian.stem(folded) in words

    def words(self, language: Language) -> SortedWords:
        """The folded list of ``language`` (Persian: with the stems of its words),
        read or built on first use."""
        found = self._lists.get(language)
        if found is None:
            with self._lock:
                found = self._lists.get(language)
                if found is None:
                    found = self._lists[language] = self._load(language)
        return found

    def _load(self, language: Language) -> SortedWords:
        source = self._source(language)
        cache = self._cache_file(language, source)
        if cache is not None:
            try:
                text = cache.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                pass
            else:
                if text.endswith("\n"):
                    return SortedWords(text)
        persian_list = language == "fa"
        minimum = 0 if persian_list else self.min_count
        words = SortedWords.of(_read_source(source, minimum, stems=persian_list))
        if cache is not None:
            _write_atomically(cache, words.text)
        return words

    def _source(self, language: Language) -> Path:
        directory = self._source_dir
        if directory is None:
            spec = find_spec("spellchecker")  # finds the package without importing it
            if spec is None or not spec.submodule_search_locations:
                raise FileNotFoundError("pyspellchecker is not installed")
            directory = Path(next(iter(spec.submodule_search_locations))) / "resources"
        return directory / f"{language}.json.gz"

    def _cache_file(self, language: Language, source: Path) -> Path | None:
        if self.cache_dir is None:
            return None
        try:
            stat = source.stat()
        except OSError:
            return None
        import hashlib  # noqa: PLC0415 - 4 ms of a cold start, only when a word needs deciding

        minimum = 0 if language == "fa" else self.min_count
        key = f"{FORMAT}-{minimum}-{stat.st_size}-{stat.st_mtime_ns}-{_folding_digest()}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return self.cache_dir / f"words-{language}-{digest}.txt"


def _folding_digest() -> str:
    import hashlib  # noqa: PLC0415

    folded = [" ".join(tokenize(probe)).casefold() for probe in _FOLDING_PROBES]
    stems = [persian.stem(word) for word in folded[-1].split()]
    return hashlib.sha256("\n".join([*folded, *stems]).encode()).hexdigest()[:16]


def _read_source(path: Path, min_count: int, *, stems: bool) -> set[str]:
    """The entries of one pyspellchecker list counted ``min_count`` times or more, folded;
    those that fold to more than one token ("orlando's") are left out. With ``stems``,
    the Persian stems of each too."""
    import gzip  # noqa: PLC0415 - only to build a list

    entries = msgspec.json.decode(gzip.decompress(path.read_bytes()), type=dict[str, int])
    words: set[str] = set()
    for entry, count in entries.items():
        if count < min_count:
            continue
        bare = entry if entry.isascii() else strip_accents(entry)
        if bare.isalpha():  # one word: what tokenize would give, faster
            words.add(bare.casefold())
            continue
        tokens = tokenize(entry)
        if len(tokens) == 1:
            words.add(tokens[0].casefold())
    if stems:
        words |= {persian.stem(word) for word in words if persian.is_persian(word)}
    return words


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so that a reader
    never sees half a file; any failure (read-only, full disk) leaves no file at all."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def warm(cache_dir: Path | str) -> dict[Language, int]:
    """Build the cache files in ``cache_dir`` now (for an image: ``python -c "from
    bot.matching.wordlists import warm; warm('/cache/ivkb-bot')"``); the number of words
    per language."""
    lists = WordLists(Path(cache_dir))
    languages: tuple[Language, ...] = ("en", "es", "fa")
    return {language: len(lists.words(language)) for language in languages}
