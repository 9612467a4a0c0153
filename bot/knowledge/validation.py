"""Schema validation of parsed YAML, and the problems it reports.

msgspec checks a whole object at once but names only its first bad field; a curator
fixing a file wants them all, so on failure every field is checked on its own. Each
problem is located by the path of the bad value, mapped back to its line in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from bot.knowledge.yamlfile import PathKey, YamlDocument


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge files, located precisely enough to fix."""

    path: Path
    line: int | None
    claim_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        who = f" [{self.claim_id}]" if self.claim_id else ""
        return f"{where}:{who} {self.message}"


class KnowledgeError(Exception):
    """The knowledge files have problems; all of them are in :attr:`problems`."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the knowledge base")

    def report(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


_T = TypeVar("_T", bound=msgspec.Struct)
_MSGSPEC_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_UNKNOWN_FIELD = re.compile(r"unknown field `(?P<name>[^`]+)`")


def convert(
    document: YamlDocument,
    kind: type[_T],
    path: Path,
    problems: list[Problem],
    claim_id: str | None,
) -> _T | None:
    """Validate parsed YAML against ``kind``, reporting every bad field, not just the first."""
    for line, message in document.problems:
        problems.append(Problem(path, line, claim_id, message))
    if document.problems:
        return None
    if not isinstance(document.data, dict):
        problems.append(
            Problem(path, 1, claim_id, f"expected a mapping of fields, got {_kind(document.data)}")
        )
        return None
    try:
        return msgspec.convert(document.data, kind)
    except msgspec.ValidationError:
        pass
    # The whole-object error names only the first bad field; check each field alone.
    data: dict[Any, Any] = document.data
    fields = {info.name: info for info in msgspec.structs.fields(kind)}
    for key in data:
        if key not in fields:
            problems.append(
                Problem(
                    path,
                    document.line_of((str(key),)),
                    claim_id,
                    f"unknown field '{key}' (allowed: {', '.join(fields)})",
                )
            )
    for name, info in fields.items():
        if name not in data:
            if info.required:
                problems.append(Problem(path, 1, claim_id, f"missing required field '{name}'"))
            continue
        try:
            msgspec.convert(data[name], info.type)
        except msgspec.ValidationError as exc:
            problems.append(_validation_problem(exc, (name,), document, path, claim_id))
    return None


def _validation_problem(
    exc: msgspec.ValidationError,
    prefix: PathKey,
    document: YamlDocument,
    path: Path,
    claim_id: str | None,
) -> Problem:
    message = str(exc)
    where: PathKey = prefix
    found = _MSGSPEC_PATH.search(message)
    if found:
        message = message[: found.start()]
        for name, index in _PATH_PART.findall(found["path"]):
            where = (*where, int(index) if index else name)
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        where = (*where, unknown["name"])
    dotted = ".".join(str(part) for part in where)
    message = message.replace("Expected `str` matching regex '\\\\S'", "Expected non-blank text")
    return Problem(path, document.line_of(where), claim_id, f"{dotted}: {message}")


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
