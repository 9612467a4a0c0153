"""Derived data kept on disk between starts: one documented binary layout, written
atomically, checked before use.

The claim index (:mod:`bot.matching.index_store`) and the claims' vectors
(:mod:`bot.matching.semantic.store`) take seconds to build at 100,000 claims and a
fraction of one to read back. Both are files of this layout (integers little-endian)::

    offset            size  content
    0                 8     MAGIC
    8                 ...   sections, each starting at a multiple of 64 bytes
    end - 24 - H      H     the header: a msgpack map (:class:`Header`)
    end - 16          4     H, the header's length
    end - 12          4     CRC-32 of the header
    end - 8           8     MAGIC again (a file cut short has no trailer)

The header names the file's kind, format version and key (everything it was built
from), the writer's byte order and array item sizes, and each section's name, type
(an ``array`` typecode or a numpy dtype), offset, length and the CRC-32 of each 32 MB of
it. A file is used only if all of it agrees: the magic at both ends, the header's
CRC-32, every field of the header, every section inside the file, and every CRC-32
(computed by several threads for a large file). Anything else (a damaged, cut short,
foreign or stale file) is ignored, and the rebuilt data replaces it.
Nothing in a file is executed or unpickled: msgspec decodes the header into typed
fields, and sections are raw numbers or msgpack decoded into typed fields too.

The CRC-32 catches damage (a disk error, a file cut short by a crash), not forgery: the
cache directory is the bot's own, as for the embedding cache beside it.

Files are written to a temporary file in the same directory, then renamed over the old
one (``os.replace``), so a reader sees the old file or the new one, never half of one;
a reader holding the old file open keeps reading it whole. No ``fsync``: after a power
cut a file may be lost or damaged, and is then rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mmap
import os
import struct
import sys
import tempfile
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, TypeAlias

import msgspec

log = logging.getLogger(__name__)

MAGIC = b"IVKBbin\x01"
ALIGNMENT = 64
"""Sections start at multiples of this (numpy reads aligned float32 rows in place)."""
CHUNK = 32 * 1024 * 1024
"""Sections are checksummed in pieces of this many bytes, so that several threads can
check a large one."""
PARALLEL_FROM = 64 * 1024 * 1024
"""Files with at least this many bytes of sections are checked by several threads..."""
MAX_THREADS = 4
"""...at most this many."""
_TRAILER = struct.Struct("<II8s")
_TYPECODES = "bBhHiIlLqQfd"
_TEMPORARY_PREFIX = ".tmp-"
_STALE_TEMPORARY_S = 3600.0
"""A temporary file this old was left by a writer that died; it is removed."""


Chunk: TypeAlias = "bytes | bytearray | memoryview | array[int]"
"""Bytes to write (a numpy array is written as ``memoryview(vectors)``)."""


class SectionInfo(msgspec.Struct, array_like=True, forbid_unknown_fields=True, frozen=True):
    name: str
    type: str
    offset: int
    size: int
    crc32: list[int]
    """Of each :data:`CHUNK` bytes of the section in turn (the last piece shorter)."""


class Header(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    kind: str
    format: int
    key: str
    byteorder: str
    itemsizes: dict[str, int]
    sections: list[SectionInfo]


@dataclass(frozen=True)
class Section:
    """A section to write: its name, its type and its bytes, in pieces."""

    name: str
    type: str
    chunks: Iterable[Chunk]


class StoredFile:
    """A file checked whole, mapped read-only; :meth:`section` gives its sections'
    bytes in place (no copy). The mapping lives as long as anything refers to it."""

    def __init__(self, path: Path, mapped: mmap.mmap, header: Header) -> None:
        self.path = path
        self.header = header
        self._view = memoryview(mapped)
        self._sections = {info.name: info for info in header.sections}

    def section(self, name: str, type_: str) -> memoryview:
        """The bytes of section ``name``, which must have type ``type_``."""
        info = self._sections.get(name)
        if info is None or info.type != type_:
            raise ValueError(f"{self.path.name}: no section {name!r} of type {type_!r}")
        return self._view[info.offset : info.offset + info.size]


class Invalid(ValueError):
    """A file that is not what it should be (damaged, foreign, stale)."""


def write(path: Path, *, kind: str, format_: int, key: str, sections: Sequence[Section]) -> int:
    """Write ``sections`` to ``path`` atomically; the number of bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=_TEMPORARY_PREFIX, suffix=".tmp", delete=False
    ) as out:
        try:
            out.write(MAGIC)
            offset = len(MAGIC)
            infos: list[SectionInfo] = []
            for section in sections:
                padding = -offset % ALIGNMENT
                out.write(bytes(padding))
                offset += padding
                size, crcs = _written(out, section.chunks)
                infos.append(SectionInfo(section.name, section.type, offset, size, crcs))
                offset += size
            header = msgspec.msgpack.encode(
                Header(kind, format_, key, sys.byteorder, _itemsizes(), infos)
            )
            out.write(header)
            out.write(_TRAILER.pack(len(header), zlib.crc32(header), MAGIC))
            written = offset + len(header) + _TRAILER.size
        except BaseException:
            out.close()
            os.unlink(out.name)
            raise
    os.replace(out.name, path)
    return written


def read(path: Path, *, kind: str, format_: int, key: str) -> StoredFile | None:
    """``path`` if it is a sound file of this kind, format and key, with every section's
    CRC-32 right; None if there is no such file. Raises :class:`Invalid` (or
    ``OSError``) for a file that is there but must not be used."""
    try:
        file = path.open("rb")
    except FileNotFoundError:
        return None
    with file:
        size = os.fstat(file.fileno()).st_size
        if size < len(MAGIC) + _TRAILER.size:
            raise Invalid(f"{path.name}: {size} bytes is too short")
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        header = _header(mapped, size, path)
        if (header.kind, header.format) != (kind, format_):
            raise Invalid(f"{path.name}: a {header.kind} file of format {header.format}")
        if header.key != key:
            raise Invalid(f"{path.name}: built from something else")
        if header.byteorder != sys.byteorder or header.itemsizes != _itemsizes():
            raise Invalid(f"{path.name}: written on another kind of machine")
        view = memoryview(mapped)
        names: set[str] = set()
        pieces: list[tuple[str, memoryview, int]] = []
        end = len(MAGIC)
        for info in header.sections:
            if info.name in names or info.offset < end or info.size < 0:
                raise Invalid(f"{path.name}: section {info.name!r} is misplaced")
            end = info.offset + info.size
            if end > size - _TRAILER.size:
                raise Invalid(f"{path.name}: section {info.name!r} runs past the end")
            if len(info.crc32) != -(-info.size // CHUNK):
                raise Invalid(f"{path.name}: section {info.name!r} has the wrong checksums")
            pieces += [
                (info.name, view[at : min(at + CHUNK, end)], crc)
                for at, crc in zip(range(info.offset, end, CHUNK), info.crc32, strict=True)
            ]
            names.add(info.name)
        damaged = _damaged(pieces)
        del pieces
        if damaged is not None:
            raise Invalid(f"{path.name}: section {damaged!r} is damaged")
        view.release()
    except BaseException:
        with contextlib.suppress(BufferError):
            mapped.close()
        raise
    return StoredFile(path, mapped, header)


def _written(out: IO[bytes], chunks: Iterable[Chunk]) -> tuple[int, list[int]]:
    """Write ``chunks``; their size and the CRC-32 of each :data:`CHUNK` bytes."""
    size = crc = filled = 0
    crcs: list[int] = []
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        out.write(view)
        size += len(view)
        while view:
            taken = min(len(view), CHUNK - filled)
            crc = zlib.crc32(view[:taken], crc)
            filled += taken
            view = view[taken:]
            if filled == CHUNK:
                crcs.append(crc)
                crc = filled = 0
    if filled:
        crcs.append(crc)
    return size, crcs


def _damaged(pieces: list[tuple[str, memoryview, int]]) -> str | None:
    """The name of the first of ``pieces`` (name, bytes, CRC-32 expected) whose bytes
    have another CRC-32, if any. A large file is checked by several threads:
    ``zlib.crc32`` lets go of the GIL, and 1.5 GB take 0.8 s of one core."""
    total = sum(len(piece) for _, piece, _ in pieces)
    workers = min(MAX_THREADS, os.cpu_count() or 1)
    if total < PARALLEL_FROM or workers < 2:
        crcs: Iterable[int] = (zlib.crc32(piece) for _, piece, _ in pieces)
    else:
        from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - large files only

        with ThreadPoolExecutor(workers, thread_name_prefix="binfile-crc") as pool:
            crcs = list(pool.map(zlib.crc32, [piece for _, piece, _ in pieces]))
    for (name, _, expected), crc in zip(pieces, crcs, strict=True):
        if crc != expected:
            return name
    return None


def _header(mapped: mmap.mmap, size: int, path: Path) -> Header:
    length, crc, magic = _TRAILER.unpack(mapped[size - _TRAILER.size : size])
    if mapped[: len(MAGIC)] != MAGIC or magic != MAGIC:
        raise Invalid(f"{path.name}: not a file of this bot (or cut short)")
    start = size - _TRAILER.size - length
    if start < len(MAGIC):
        raise Invalid(f"{path.name}: the header runs past the start")
    encoded = mapped[start : size - _TRAILER.size]
    if zlib.crc32(encoded) != crc:
        raise Invalid(f"{path.name}: the header is damaged")
    try:
        return msgspec.msgpack.decode(encoded, type=Header)
    except msgspec.DecodeError as exc:
        raise Invalid(f"{path.name}: {exc}") from None


def _itemsizes() -> dict[str, int]:
    return {code: array(code).itemsize for code in _TYPECODES}


def touch(path: Path) -> None:
    """Mark ``path`` as just used, so that :func:`prune` keeps it."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune(directory: Path, pattern: str, keep: int) -> list[Path]:
    """Remove all but the ``keep`` most recently used files matching ``pattern``, and
    temporary files left by writers that died; the paths removed."""
    removed: list[Path] = []
    try:
        found = [
            (path.stat().st_mtime, path)
            for path in directory.glob(pattern)
            if not path.name.startswith(_TEMPORARY_PREFIX)
        ]
        temporary = list(directory.glob(f"{_TEMPORARY_PREFIX}*"))
    except OSError:
        return removed
    found.sort(reverse=True)
    old = [path for _, path in found[keep:]]
    now = time.time()
    for path in temporary:
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > _STALE_TEMPORARY_S:
                old.append(path)
    for path in old:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


@contextlib.contextmanager
def exclusive(path: Path, timeout: float) -> Iterator[bool]:
    """Hold an advisory lock on ``path`` (created if need be) while the block runs, so
    that processes sharing a cache directory build a file once, the others waiting for
    it; yields whether the lock was had (False: none after ``timeout`` seconds, or no
    locking here, and the block runs anyway). A process that dies lets go of it."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:
        yield False
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield False
        return
    try:
        deadline = time.monotonic() + timeout
        locked = False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
            except OSError:
                break
        yield locked
    finally:
        os.close(descriptor)  # releases the lock


def code_fingerprint(modules: Iterable[ModuleType]) -> str | None:
    """A hash of the source of ``modules``: data they compute is keyed by it, so that
    changing how it is computed never reuses what the old code computed. None if a
    module's source cannot be read (then nothing is stored)."""
    digest = hashlib.sha256()
    for module in modules:
        try:
            digest.update(Path(str(module.__file__)).read_bytes())
        except (OSError, AttributeError):
            return None
    return digest.hexdigest()


def key_of(material: Mapping[str, object]) -> str:
    """One string of what a file is built from (compared whole when it is read)."""
    return msgspec.json.encode(dict(material)).decode()


def file_name(prefix: str, key: str) -> str:
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:32]}.bin"
