"""Guards on the shape of the code base, not on behaviour."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bot

PACKAGE = Path(bot.__file__).parent
CORE = (
    "knowledge",
    "matching",
    "querylog",
    "storage",
    "moderation",
    "answering.py",
    "messages.py",
    "metrics",
    "evaluation.py",
    "config.py",
)


def _core_files() -> list[Path]:
    files: list[Path] = []
    for name in CORE:
        path = PACKAGE / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_core_modules_never_import_discord_in_their_source() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in _imported_modules(path) if m.split(".")[0] == "discord"
        )
        for path in _core_files()
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_core_files_are_found() -> None:
    """The guard above would pass vacuously if the layout moved; pin that it sees the core."""
    names = {path.name for path in _core_files()}
    assert {"loader.py", "matcher.py", "log.py", "answering.py", "service.py"} <= names


def test_importing_the_core_and_the_cli_loads_no_discord_module() -> None:
    """Transitive imports too: a fresh interpreter imports the core and the CLI entry point."""
    code = (
        "import sys, bot.knowledge, bot.matching, bot.querylog, bot.answering, bot.evaluation, "
        "bot.messages, bot.metrics, "
        "bot.moderation.service, bot.moderation.misses, "
        "bot.cli, bot.cli.ask, bot.cli.reports\n"
        "print(sorted(m for m in sys.modules if m == 'discord' or m.startswith('discord.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_modules_stay_small() -> None:
    """One concern per module: past ~400 lines a module becomes a package."""
    too_long = {
        str(path.relative_to(PACKAGE)): length
        for path in PACKAGE.rglob("*.py")
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert too_long == {}
