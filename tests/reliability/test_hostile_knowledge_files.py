"""Hostile or broken knowledge files: each is refused with a message naming the file, and
a running bot keeps answering from the knowledge base it already has in memory.

The files are what a careless edit, a bad merge or a malicious pull request leaves on
disk: python tags, an alias bomb, 50 MB, duplicate keys, bytes that are not UTF-8,
wrong types, a quote its source does not contain.
"""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import bot.knowledge.yamlfile
from bot.answering import AnswerService, Asker
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.knowledge.writer import KnowledgeWriter
from bot.knowledge.yamlfile import MAX_FILE_BYTES
from bot.matching import Outcome, build_matcher
from bot.moderation.audit import Actor, AuditTrail
from bot.moderation.service import ModerationService
from tests.discordbot.doubles import RecordingSink
from tests.helpers import SOURCE_ID, claim_data, make_knowledge, write_claim, write_yaml

QUESTION = "How many tankers did Iran send?"
"""A curated phrasing of the one good claim, ``tankers-sent``."""
FIFTY_MB = 50 * 1024 * 1024
MODERATOR = Actor("1", "moderator")

_GOOD_CLAIM = "id: tankers-sent\n" + "".join(
    line + "\n"
    for line in (
        "statement: The source says Iran sent five tankers of gasoline.",
        "topics: [energy]",
        "questions:",
        "  - How many tankers did Iran send?",
        "citations:",
        f"  - source: {SOURCE_ID}",
        "    quote: Iran sent five tankers of gasoline to Venezuela in 2020.",
    )
)


def _billion_laughs() -> str:
    layers = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        layers.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(layers) + "\n"


def _sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space and no time to write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@dataclass(frozen=True)
class Hostile:
    """One bad file: how to write it into a knowledge directory, and what must be said."""

    name: str
    write: Callable[[Path], Path]
    message: str


HOSTILE_FILES = [
    Hostile(
        "python tag",
        lambda root: write_claim(
            root,
            "tankers-sent",
            _GOOD_CLAIM.replace(
                "topics: [energy]",
                f"topics: !!python/object/apply:os.mkdir [{str(root / 'pwned')!r}]",
            ),
        ),
        "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply",
    ),
    Hostile(
        "alias bomb",
        lambda root: write_claim(root, "laughs", _billion_laughs()),
        "YAML anchors and aliases are not allowed",
    ),
    Hostile(
        "50 MB claim",
        lambda root: _sparse(root / "claims" / "huge.yaml", FIFTY_MB),
        f"file is {FIFTY_MB:,} bytes; the limit is {MAX_FILE_BYTES:,}",
    ),
    Hostile(
        "50 MB source text",
        lambda root: _sparse(root / "sources" / f"{SOURCE_ID}.txt", FIFTY_MB),
        f"file is {FIFTY_MB:,} bytes; the limit is {MAX_FILE_BYTES:,}",
    ),
    Hostile(
        "duplicate keys",
        lambda root: write_claim(
            root, "tankers-sent", _GOOD_CLAIM + "statement: A second statement.\n"
        ),
        "duplicate key 'statement' (first at line 2)",
    ),
    Hostile(
        "not UTF-8",
        lambda root: write_claim(
            root,
            "tankers-sent",
            _GOOD_CLAIM.replace("gasoline.", "gasolina café.").encode("latin-1"),
        ),
        "not valid UTF-8 (byte ",
    ),
    Hostile(
        "wrong types",
        lambda root: write_claim(root, "tankers-sent", claim_data(questions=42, note=5)),
        "questions: Expected `array`, got `int`",
    ),
    Hostile(
        "quote not in its source",
        lambda root: write_claim(
            root,
            "tankers-sent",
            claim_data(quote="Iran sent six tankers of gasoline to Venezuela in 2020."),
        ),
        f"quote is not word for word in source '{SOURCE_ID}'",
    ),
    Hostile(
        "not a mapping",
        lambda root: write_claim(root, "tankers-sent", "- just\n- a list\n"),
        "expected a mapping of fields, got list",
    ),
]
CASES = [pytest.param(hostile, id=hostile.name) for hostile in HOSTILE_FILES]


@pytest.fixture(autouse=True)
def nothing_oversized_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusal by size must come before any read or parse: both fail if they see one."""
    read_bytes = pathlib.Path.read_bytes
    parse_yaml = bot.knowledge.yamlfile.parse_yaml

    def checked_read(path: Path) -> bytes:
        assert path.stat().st_size <= MAX_FILE_BYTES, f"{path} was read despite its size"
        return read_bytes(path)

    def checked_parse(text: str) -> Any:
        assert len(text) <= MAX_FILE_BYTES, "an oversized document reached the YAML parser"
        return parse_yaml(text)

    monkeypatch.setattr(pathlib.Path, "read_bytes", checked_read)
    monkeypatch.setattr(bot.knowledge.yamlfile, "parse_yaml", checked_parse)


def refusal_naming(root: Path, bad_file: Path) -> list[str]:
    """The messages of the problems located in ``bad_file`` when loading ``root``."""
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    named = [p for p in caught.value.problems if p.path == bad_file]
    assert named, caught.value.report()
    assert all(str(p).startswith(str(bad_file)) for p in named)  # printed with its file
    assert str(bad_file) in caught.value.report()
    return [p.message for p in named]


@pytest.mark.parametrize("hostile", CASES)
def test_a_hostile_file_is_refused_with_a_message_naming_it(
    tmp_path: Path, hostile: Hostile
) -> None:
    root = make_knowledge(tmp_path)

    bad_file = hostile.write(root)

    messages = refusal_naming(root, bad_file)
    assert any(hostile.message in message for message in messages), messages
    assert not (root / "pwned").exists()  # no python tag was ever constructed


@pytest.fixture
async def audit(tmp_path: Path) -> AsyncIterator[AuditTrail]:
    trail = await AuditTrail.open(tmp_path / "audit.sqlite3")
    yield trail
    await trail.close()


def answers_from_memory(service: AnswerService, knowledge: KnowledgeBase) -> None:
    assert service.knowledge is knowledge
    answer = service.ask(QUESTION, Asker("test"))
    assert answer.outcome is Outcome.ANSWERED
    assert answer.best is not None
    assert answer.best.claim.id == "tankers-sent"


@pytest.mark.parametrize("hostile", CASES)
async def test_reload_refuses_a_hostile_file_and_keeps_serving_the_last_good_base(
    tmp_path: Path, hostile: Hostile, audit: AuditTrail
) -> None:
    root = make_knowledge(tmp_path)
    knowledge = load_knowledge(root)
    service = AnswerService(knowledge, build_matcher(knowledge), RecordingSink())
    moderation = ModerationService(service, KnowledgeWriter(root), audit)
    bad_file = hostile.write(root)

    with pytest.raises(KnowledgeError) as caught:
        await moderation.reload(MODERATOR)

    assert any(
        p.path == bad_file and hostile.message in p.message for p in caught.value.problems
    ), caught.value.report()
    answers_from_memory(service, knowledge)
    assert [c.action for c in await audit.history()] == []  # nothing was swapped in


async def test_a_good_reload_after_the_file_is_fixed_swaps_the_base(
    tmp_path: Path, audit: AuditTrail
) -> None:
    """The refusal is not stuck: once the file is right again, reload takes it."""
    root = make_knowledge(tmp_path)
    knowledge = load_knowledge(root)
    service = AnswerService(knowledge, build_matcher(knowledge))
    moderation = ModerationService(service, KnowledgeWriter(root), audit)
    write_claim(root, "laughs", _billion_laughs())
    with pytest.raises(KnowledgeError):
        await moderation.reload(MODERATOR)

    (root / "claims" / "laughs.yaml").unlink()
    write_yaml(root / "claims" / "tankers-sent.yaml", claim_data(note="Checked again."))
    report = await moderation.reload(MODERATOR)

    assert report.changed == ("tankers-sent",)
    assert service.knowledge is not knowledge
    assert [c.action for c in await audit.history()] == ["reload"]


def test_questions_are_answered_from_memory_while_the_files_are_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_knowledge(tmp_path)
    knowledge = load_knowledge(root)
    service = AnswerService(knowledge, build_matcher(knowledge), RecordingSink())
    (root / "claims" / "tankers-sent.yaml").write_bytes(b"\xff\xfe garbage: [")
    _sparse(root / "sources" / f"{SOURCE_ID}.txt", FIFTY_MB)

    def no_disk(*args: object, **kwargs: object) -> None:
        raise AssertionError("answering touched the knowledge files")

    for name in ("read_bytes", "read_text", "open", "stat"):
        monkeypatch.setattr(pathlib.Path, name, no_disk)

    for _ in range(3):
        answers_from_memory(service, knowledge)
