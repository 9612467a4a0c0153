"""The on-disk layout of derived data: what is written is read back byte for byte, and a
file that is damaged, cut short, foreign or built from something else is refused."""

from __future__ import annotations

import os
import threading
import time
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.matching import binfile, builder, index

KEY = binfile.key_of({"knowledge": "abc", "format": 1})


def sections() -> list[binfile.Section]:
    return [
        binfile.Section("numbers", "i", [array("i", [1, -2, 3]), array("i", [4])]),
        binfile.Section("bytes", "B", [b"hello", bytearray(b" world")]),
        binfile.Section("empty", "q", []),
        binfile.Section("wide", "q", [array("q", [2**40, -(2**40)])]),
    ]


def write(path: Path, key: str = KEY, kind: str = "test") -> int:
    return binfile.write(path, kind=kind, format_=1, key=key, sections=sections())


def read(path: Path, key: str = KEY, kind: str = "test") -> binfile.StoredFile | None:
    return binfile.read(path, kind=kind, format_=1, key=key)


def test_sections_read_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "file.bin"
    size = write(path)

    stored = read(path)

    assert stored is not None
    assert size == path.stat().st_size
    numbers = array("i")
    numbers.frombytes(stored.section("numbers", "i"))
    assert numbers.tolist() == [1, -2, 3, 4]
    assert stored.section("bytes", "B").tobytes() == b"hello world"
    assert stored.section("empty", "q").tobytes() == b""
    wide = array("q")
    wide.frombytes(stored.section("wide", "q"))
    assert wide.tolist() == [2**40, -(2**40)]
    offsets = [info.offset for info in stored.header.sections]
    assert all(offset % binfile.ALIGNMENT == 0 for offset in offsets)
    assert [p.name for p in path.parent.iterdir()] == ["file.bin"]  # no temporary left


def test_a_section_of_another_name_or_type_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "file.bin")
    stored = read(tmp_path / "file.bin")
    assert stored is not None

    with pytest.raises(ValueError, match="no section"):
        stored.section("numbers", "q")
    with pytest.raises(ValueError, match="no section"):
        stored.section("missing", "i")


def test_no_file_is_none(tmp_path: Path) -> None:
    assert read(tmp_path / "absent.bin") is None


@pytest.mark.parametrize(
    ("key", "kind", "message"),
    [
        (binfile.key_of({"knowledge": "abd", "format": 1}), "test", "built from something else"),
        (KEY, "other", "a test file"),
    ],
)
def test_a_file_of_another_key_or_kind_is_refused(
    tmp_path: Path, key: str, kind: str, message: str
) -> None:
    write(tmp_path / "file.bin")

    with pytest.raises(binfile.Invalid, match=message):
        read(tmp_path / "file.bin", key=key, kind=kind)


def test_another_format_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "file.bin")

    with pytest.raises(binfile.Invalid, match="format 1"):
        binfile.read(tmp_path / "file.bin", kind="test", format_=2, key=KEY)


def damaged(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture(params=["whole", "in pieces, by threads"])
def checking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sections checksummed whole, or in 5-byte pieces checked by several threads (what
    a file of gigabytes gets)."""
    if request.param != "whole":
        monkeypatch.setattr(binfile, "CHUNK", 5)
        monkeypatch.setattr(binfile, "PARALLEL_FROM", 0)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    return str(request.param)


def test_pieces_are_checksummed_apart(tmp_path: Path, checking: str) -> None:
    path = tmp_path / "file.bin"
    write(path)

    stored = read(path)

    assert stored is not None
    numbers = next(info for info in stored.header.sections if info.name == "numbers")
    assert len(numbers.crc32) == (1 if checking == "whole" else 4)  # 16 bytes
    assert stored.section("bytes", "B").tobytes() == b"hello world"


def test_any_damaged_byte_is_noticed(tmp_path: Path, checking: str) -> None:
    path = tmp_path / "file.bin"
    size = write(path)
    original = path.read_bytes()
    # Padding between sections is the only part no check covers (it is never read).
    stored = read(path)
    assert stored is not None
    covered = set(range(8))
    for info in stored.header.sections:
        covered |= set(range(info.offset, info.offset + info.size))
    last = max(info.offset + info.size for info in stored.header.sections)
    covered |= set(range(last, size))
    del stored

    for at in sorted(covered):
        damaged(path, at)
        with pytest.raises(binfile.Invalid):
            read(path)
        path.write_bytes(original)


def test_a_file_cut_short_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    write(path)
    data = path.read_bytes()

    for length in (0, 5, 30, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:length])
        with pytest.raises(binfile.Invalid):
            read(path)


def test_a_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(binfile.Invalid, match="not a file of this bot"):
        read(path)

    # The right magic and a header that is not ours.
    header = b"\x93\x01\x02\x03"
    trailer = len(header).to_bytes(4, "little") + (0).to_bytes(4, "little") + binfile.MAGIC
    path.write_bytes(binfile.MAGIC + header + trailer)
    with pytest.raises(binfile.Invalid, match="header"):
        read(path)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    write(path)
    before = path.read_bytes()

    def failing() -> Iterator[bytes]:
        yield b"some"
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        binfile.write(
            path, kind="test", format_=1, key=KEY, sections=[binfile.Section("x", "B", failing())]
        )

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_prune_keeps_the_most_recently_used_and_removes_dead_temporaries(tmp_path: Path) -> None:
    now = time.time()
    for age, name in enumerate(["a.bin", "b.bin", "c.bin", "d.bin"]):
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (now - age * 10, now - age * 10))
    binfile.touch(tmp_path / "d.bin")  # the oldest, just read
    for name in (".tmp-dead.tmp", ".tmp-dead.bin"):
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (now - 7200, now - 7200))
    for name in (".tmp-writing.tmp", ".tmp-writing.bin"):  # being written right now
        (tmp_path / name).write_bytes(b"x")

    removed = binfile.prune(tmp_path, "*.bin", keep=2)

    assert sorted(p.name for p in removed) == [".tmp-dead.bin", ".tmp-dead.tmp", "b.bin", "c.bin"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".tmp-writing.bin",
        ".tmp-writing.tmp",
        "a.bin",
        "d.bin",
    ]


def test_prune_of_a_missing_directory_removes_nothing(tmp_path: Path) -> None:
    assert binfile.prune(tmp_path / "absent", "*.bin", keep=1) == []


def test_one_holder_of_the_lock_at_a_time(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    holding, release = threading.Event(), threading.Event()
    had: list[bool] = []

    def hold() -> None:
        with binfile.exclusive(lock, timeout=5.0) as locked:
            had.append(locked)
            holding.set()
            release.wait(5.0)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5.0)
    with binfile.exclusive(lock, timeout=0.1) as locked:
        assert not locked  # given up after the timeout; the block runs anyway
    release.set()
    holder.join()
    with binfile.exclusive(lock, timeout=0.1) as locked:
        assert locked
    assert had == [True]


def test_the_lock_is_waited_for(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    order: list[str] = []
    holding = threading.Event()

    def hold() -> None:
        with binfile.exclusive(lock, timeout=5.0):
            holding.set()
            time.sleep(0.2)
            order.append("first done")

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5.0)
    with binfile.exclusive(lock, timeout=5.0) as locked:
        order.append("second")
    holder.join()
    assert locked
    assert order == ["first done", "second"]


def test_a_lock_that_cannot_be_created_is_not_had(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with binfile.exclusive(tmp_path / "file" / "x.lock", timeout=1.0) as locked:
        assert not locked


def test_the_code_fingerprint_is_of_the_modules_source() -> None:
    first = binfile.code_fingerprint([builder, index])
    assert first is not None
    assert first == binfile.code_fingerprint([builder, index])
    assert first != binfile.code_fingerprint([index, builder])
    assert binfile.code_fingerprint([builder]) != first
    assert binfile.code_fingerprint([threading, time]) is None  # time has no source file


def test_file_names_differ_by_key() -> None:
    other = binfile.key_of({"knowledge": "abd", "format": 1})
    assert binfile.file_name("index", KEY) != binfile.file_name("index", other)
    assert binfile.file_name("index", KEY).startswith("index-")
