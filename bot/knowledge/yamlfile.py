"""Reading one YAML file safely, keeping the line of every value for error messages.

``yaml.safe_load`` alone is not enough for hand-edited files: PyYAML silently keeps
the last of two duplicate keys, its errors do not say which claim they belong to,
and anchors/aliases let a few lines expand into gigabytes ("billion laughs"). So we
compose the node tree with the safe loader, check it, and only then construct data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MAX_FILE_BYTES = 1_000_000
"""A knowledge file is a few kilobytes; anything near a megabyte is a mistake or an attack."""

PathKey = tuple[str | int, ...]

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about 10x faster), else the pure one."""


@dataclass
class YamlDocument:
    """A parsed YAML file: its data plus the line (1-based) of each value by path."""

    data: object
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    def line_of(self, path: PathKey) -> int | None:
        """The line of the value at ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def read_yaml(path: Path) -> YamlDocument:
    """Parse ``path``; problems (size, encoding, syntax, duplicate keys, aliases) are
    returned in the document rather than raised, so callers can report them all."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _failed(None, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        return _failed(line, f"not valid UTF-8 (byte {exc.start})")
    except OSError as exc:
        return _failed(None, f"cannot read: {exc.strerror}")
    return parse_yaml(text)


def parse_yaml(text: str) -> YamlDocument:
    """Parse YAML text with the safe loader; see :func:`read_yaml`."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None)
        document = YamlDocument(data=None)
        _check_tree(node, (), document, seen=set())
        if document.problems:
            return document
        document.data = loader.construct_document(node)
        return document
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return _failed(line, f"invalid YAML: {exc.problem or exc.context}")
    except yaml.YAMLError as exc:
        return _failed(None, f"invalid YAML: {exc}")
    finally:
        loader.dispose()


def _failed(line: int | None, message: str) -> YamlDocument:
    return YamlDocument(data=None, problems=[(line, message)])


def _check_tree(node: yaml.Node, path: PathKey, document: YamlDocument, seen: set[int]) -> None:
    """Record lines, refuse aliases and duplicate keys, in one walk over the node tree."""
    line = document.lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:
        document.problems.append((line, "YAML anchors and aliases are not allowed"))
        return
    seen.add(id(node))
    for child_path, child in _children(node, path, document):
        _check_tree(child, child_path, document, seen)


def _children(
    node: yaml.Node, path: PathKey, document: YamlDocument
) -> Iterator[tuple[PathKey, yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield (*path, index), item
    elif isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_line:
                document.problems.append(
                    (line, f"duplicate key '{key}' (first at line {first_line[key]})")
                )
                continue
            first_line[key] = line
            document.lines[(*path, key)] = line
            yield (*path, key), value_node
