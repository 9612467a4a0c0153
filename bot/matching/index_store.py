"""The claim index kept on disk, so that a start or a reload reads it instead of building it.

Building the index of 100,000 claims takes 12–25 s of CPython; reading it back takes a
fraction of a second (``python -m bench.startup_scale``, ``docs/performance.md``). One
file per knowledge base, in :mod:`bot.matching.binfile`'s layout, named and keyed by
everything the index is built from:

- the knowledge base: its ``version`` (a hash of its files, or of the edits since), its
  number of claims and a hash of their ids in order (a cheap check that the claims are
  the ones the version names), and its synonym groups (the analyzer is made of them);
- the code: :data:`FORMAT` (the layout of the sections below), a hash of the source of
  every module that shapes the index (analysis, stopwords, Persian folding, builder,
  index, this one), the stemmer's version, Python's Unicode database and version, and
  the dense-vector limits.

A file whose key differs is never read (its name differs; its header says so too), a
damaged one is ignored and replaced, and old ones are removed beyond the few most
recently used. Processes sharing the cache directory build a missing index once: the
first takes a lock on it, the others wait for its file and read it.

Sections (``array`` typecodes), each read into one array
(:class:`~bot.matching.index.Segments`)::

    strings        msgpack  [count, claim bits, terms by id from 1, vocabulary,
                             phrasings per claim, dense word ids, dense bigram keys]
    word-offsets   q        where each term id's postings start (0: the separator,
                            always empty), and where the last ends
    word-keys      i        every term's claim positions, term after term
    word-codes     b        their field codes
    pair-offsets   q        the same for bigrams, by first term id
    pair-keys      q        (second term << claim bits | position), first term after first
    pair-codes     b        their field codes
    dense-words    B        one byte per claim for each dense word, in the listed order
    dense-pairs    B        the same for dense bigrams
    shortest       H        per claim, its shortest phrasing's length
    longest        H        and its longest's
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import time
import unicodedata
from array import array
from itertools import islice
from operator import le
from pathlib import Path

import msgspec
import Stemmer

from bot.knowledge.loader import KnowledgeBase
from bot.matching import analysis, binfile, builder, persian, stopwords
from bot.matching import index as index_module
from bot.matching.analysis import Analyzer
from bot.matching.index import ClaimIndex, IndexParts, Segments

log = logging.getLogger(__name__)

FORMAT = 2
"""The layout of the sections; a change to it changes this."""
KIND = "claim-index"
PREFIX = "index"
KEEP = 3
"""Index files kept: the ones in use by the processes sharing the directory, and a
spare for a reload back to the previous version."""
LOCK_TIMEOUT_S = 600.0
"""How long a process waits for another one building the same index before building
it itself (a 100,000-claim build takes under a minute)."""


class _Strings(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    count: int
    claim_bits: int
    terms: list[str]
    vocabulary: list[str]
    phrasings: list[str]
    dense_words: list[int]
    dense_pairs: list[int]


def knowledge_identity(knowledge: KnowledgeBase) -> str:
    """What names a knowledge base's content for the files derived from it: its version,
    its number of claims, a hash of their ids in order and one of its synonym groups (20
    ms at 100,000 claims)."""
    claim_ids = "\0".join(claim.id for claim in knowledge.claims)
    return binfile.key_of(
        {
            "version": knowledge.version,
            "claims": len(knowledge.claims),
            "ids": hashlib.sha256(claim_ids.encode()).hexdigest(),
            "synonyms": hashlib.sha256(msgspec.json.encode(knowledge.synonyms)).hexdigest(),
        }
    )


class IndexStore:
    """Claim indexes in ``directory``, one file per knowledge base and code."""

    def __init__(
        self, directory: Path, *, keep: int = KEEP, lock_timeout: float = LOCK_TIMEOUT_S
    ) -> None:
        self.directory = directory
        self.keep = keep
        self.lock_timeout = lock_timeout
        self._code: str | None = None

    def index(
        self, knowledge: KnowledgeBase, analyzer: Analyzer, identity: str | None = None
    ) -> ClaimIndex:
        """The index of ``knowledge``: read from its file, else built and written.
        ``identity``: :func:`knowledge_identity` of ``knowledge``, if already known."""
        key = self.key(knowledge, identity)
        if key is None:
            return ClaimIndex(knowledge, analyzer)
        path = self.path(key)
        with binfile.exclusive(path.with_suffix(".lock"), self.lock_timeout):
            found = self._load(path, key, knowledge, analyzer)
            if found is not None:
                return found
            started = time.perf_counter()
            built = ClaimIndex(knowledge, analyzer)
            log.info("claim index built in %.2f s", time.perf_counter() - started)
            self._save(path, key, built)
        return built

    def load(self, knowledge: KnowledgeBase, analyzer: Analyzer) -> ClaimIndex | None:
        """The stored index of ``knowledge``, if there is a sound one."""
        key = self.key(knowledge)
        return None if key is None else self._load(self.path(key), key, knowledge, analyzer)

    def save(self, knowledge: KnowledgeBase, built: ClaimIndex) -> Path | None:
        """Write ``built`` (the index of ``knowledge``); its path, None if not written."""
        key = self.key(knowledge)
        return None if key is None else self._save(self.path(key), key, built)

    def key(self, knowledge: KnowledgeBase, identity: str | None = None) -> str | None:
        """Everything the index of ``knowledge`` is built from, as one string; None
        where the code's source cannot be read (nothing is stored then)."""
        if self._code is None:
            modules = (analysis, binfile, builder, index_module, persian, stopwords)
            self._code = binfile.code_fingerprint([*modules, sys.modules[__name__]]) or ""
        if not self._code:
            return None
        return binfile.key_of(
            {
                "format": FORMAT,
                "code": self._code,
                "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
                "unicode": unicodedata.unidata_version,
                "stemmer": str(Stemmer.version()),
                "dense": [index_module.DENSE_FROM, index_module.DENSE_BYTES],
                "knowledge": identity or knowledge_identity(knowledge),
            }
        )

    def path(self, key: str) -> Path:
        return self.directory / binfile.file_name(PREFIX, key)

    def _load(
        self, path: Path, key: str, knowledge: KnowledgeBase, analyzer: Analyzer
    ) -> ClaimIndex | None:
        started = time.perf_counter()
        try:
            stored = binfile.read(path, kind=KIND, format_=FORMAT, key=key)
            if stored is None:
                return None
            found = ClaimIndex(knowledge, analyzer, _parts(stored))
        except (
            OSError,
            ValueError,
            IndexError,
            TypeError,
            OverflowError,
            msgspec.DecodeError,
        ) as exc:
            log.warning("ignoring the stored claim index %s: %s", path, exc)
            return None
        binfile.touch(path)
        log.info("claim index read from %s in %.2f s", path, time.perf_counter() - started)
        return found

    def _save(self, path: Path, key: str, built: ClaimIndex) -> Path | None:
        started = time.perf_counter()
        try:
            size = binfile.write(
                path, kind=KIND, format_=FORMAT, key=key, sections=_sections(built.parts())
            )
        except (OSError, ValueError) as exc:
            log.warning("could not write the claim index to %s: %s", path, exc)
            return None
        for removed in binfile.prune(self.directory, f"{PREFIX}-*.bin", self.keep):
            with contextlib.suppress(OSError):
                removed.with_suffix(".lock").unlink(missing_ok=True)
        log.info(
            "claim index written to %s (%.0f MB) in %.2f s",
            path,
            size / 1e6,
            time.perf_counter() - started,
        )
        return path


def _sections(parts: IndexParts) -> list[binfile.Section]:
    terms = sorted(parts.term_ids, key=parts.term_ids.__getitem__)
    if [parts.term_ids[term] for term in terms] != list(range(1, len(terms) + 1)):
        raise ValueError("term ids are not 1..n")
    strings = _Strings(
        count=parts.count,
        claim_bits=parts.claim_bits,
        terms=terms,
        vocabulary=list(parts.vocabulary),
        phrasings=parts.phrasings,
        dense_words=list(parts.dense_words),
        dense_pairs=list(parts.dense_pairs),
    )

    words, pairs = parts.words, parts.pairs
    return [
        binfile.Section("strings", "msgpack", [msgspec.msgpack.encode(strings)]),
        binfile.Section("word-offsets", "q", [words.offsets]),
        binfile.Section("word-keys", "i", [words.keys]),
        binfile.Section("word-codes", "b", [words.codes]),
        binfile.Section("pair-offsets", "q", [pairs.offsets]),
        binfile.Section("pair-keys", "q", [pairs.keys]),
        binfile.Section("pair-codes", "b", [pairs.codes]),
        binfile.Section("dense-words", "B", parts.dense_words.values()),
        binfile.Section("dense-pairs", "B", parts.dense_pairs.values()),
        binfile.Section("shortest", "H", [parts.shortest]),
        binfile.Section("longest", "H", [parts.longest]),
    ]


def _parts(stored: binfile.StoredFile) -> IndexParts:
    """The parts a sound file holds; :class:`binfile.Invalid` if they do not fit together."""
    strings = msgspec.msgpack.decode(stored.section("strings", "msgpack"), type=_Strings)
    count, terms = strings.count, strings.terms
    if strings.claim_bits != max(1, count.bit_length()) or len(strings.phrasings) != count:
        raise binfile.Invalid("the claim count does not fit")
    term_ids = dict(zip(terms, range(1, len(terms) + 1), strict=True))
    if len(term_ids) != len(terms) or not all(strings.vocabulary):
        raise binfile.Invalid("repeated terms or empty words")
    words = _segments(stored, "word", "i", len(terms) + 1)
    pairs = _segments(stored, "pair", "q", len(terms) + 1)
    dense_words = _vectors(stored, "dense-words", strings.dense_words, count)
    dense_pairs = _vectors(stored, "dense-pairs", strings.dense_pairs, count)
    if any(not 0 < term_id <= len(terms) for term_id in dense_words):
        raise binfile.Invalid("a dense vector of an unknown term")
    shortest, longest = _array(stored, "shortest", "H"), _array(stored, "longest", "H")
    if len(shortest) != count or len(longest) != count:
        raise binfile.Invalid("phrasing lengths for another number of claims")
    return IndexParts(
        count=count,
        claim_bits=strings.claim_bits,
        term_ids=term_ids,
        words=words,
        pairs=pairs,
        dense_words=dense_words,
        dense_pairs=dense_pairs,
        shortest=shortest,
        longest=longest,
        phrasings=strings.phrasings,
        vocabulary=tuple(strings.vocabulary),
    )


def _array(stored: binfile.StoredFile, name: str, typecode: str) -> array[int]:
    found = array(typecode)
    view = stored.section(name, typecode)
    if len(view) % found.itemsize:
        raise binfile.Invalid(f"section {name} is not a whole number of items")
    found.frombytes(view)
    return found


def _segments(stored: binfile.StoredFile, name: str, typecode: str, terms: int) -> Segments:
    """The postings of ``terms`` terms; :class:`binfile.Invalid` unless their offsets
    start at 0, never decrease and end at the number of keys and of codes."""
    offsets = _array(stored, f"{name}-offsets", "q")
    keys = _array(stored, f"{name}-keys", typecode)
    codes = _array(stored, f"{name}-codes", "b")
    if (
        len(offsets) != terms + 1
        or offsets[0] != 0
        or offsets[-1] != len(keys)
        or len(codes) != len(keys)
        or not all(map(le, offsets, islice(offsets, 1, None)))
    ):
        raise binfile.Invalid(f"{name} postings that do not fit together")
    return Segments(keys, codes, offsets)


def _vectors(
    stored: binfile.StoredFile, name: str, keys: list[int], count: int
) -> dict[int, bytes]:
    view = stored.section(name, "B")
    if len(view) != len(keys) * count or len(set(keys)) != len(keys):
        raise binfile.Invalid(f"section {name} does not hold {len(keys)} vectors")
    return {key: view[at * count : (at + 1) * count].tobytes() for at, key in enumerate(keys)}
