"""Configuration from environment variables, read once in ``main`` and handed down.

Nothing else in the bot reads ``os.environ``: tests build a :class:`Settings` directly,
and importing a module never requires any variable to be set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_PROJECT_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


class ConfigError(ValueError):
    """An environment variable has a value we cannot use; the message names it."""


def default_knowledge_dir() -> Path:
    """The ``knowledge/`` directory shipped beside the package, else ``./knowledge``."""
    return _PROJECT_KNOWLEDGE if _PROJECT_KNOWLEDGE.is_dir() else Path("knowledge")


def default_db_path(env: Mapping[str, str]) -> Path:
    """``$XDG_DATA_HOME/ivkb-bot/queries.sqlite3`` (``~/.local/share`` when unset)."""
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "ivkb-bot" / "queries.sqlite3"


@dataclass(frozen=True)
class Settings:
    """What every command needs: where the knowledge lives and where questions are logged."""

    knowledge_dir: Path
    db_path: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            knowledge_dir=Path(env["BOT_KNOWLEDGE_DIR"]) if env.get("BOT_KNOWLEDGE_DIR") else default_knowledge_dir(),
            db_path=Path(env["BOT_DB"]) if env.get("BOT_DB") else default_db_path(env),
        )
