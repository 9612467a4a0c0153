"""Configuration from environment variables, read once in ``main`` and handed down.

Nothing else in the bot reads ``os.environ``: tests build a :class:`Settings` directly,
and importing a module never requires any variable to be set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.privacy import UserIdMode, UserIdPolicy, load_or_create_secret

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


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/ivkb-bot`` (``~/.cache`` when unset): what can be rebuilt."""
    cache_home = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "ivkb-bot"


@dataclass(frozen=True)
class Settings:
    """What every command needs: where the knowledge lives and where questions are logged."""

    knowledge_dir: Path
    db_path: Path
    store_user_ids: UserIdMode = UserIdMode.HASHED
    user_id_secret: str = field(default="", repr=False)
    """``BOT_USER_ID_SECRET``; empty means a secret file beside the database."""
    retention_days: int | None = None
    """Query rows older than this are deleted daily; None keeps them."""
    cache_dir: Path | None = None
    """Where rebuildable data (the claims' embeddings) is kept; None: memory only."""
    semantic: bool = True
    """``BOT_SEMANTIC=off`` runs lexical-only even where the model is installed."""
    database_url: str | None = field(default=None, repr=False)
    """``BOT_DATABASE_URL`` (``postgresql://…``): the query log, votes, picks and change log
    in that PostgreSQL database, shared by a cluster; None: SQLite at ``db_path``. Not in
    ``repr``: it may hold a password."""

    @property
    def storage_location(self) -> Path | str:
        """Where the query log lives: the database URL if there is one, else the file."""
        return self.database_url or self.db_path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        mode = env.get("BOT_STORE_USER_IDS", "").strip().lower() or UserIdMode.HASHED.value
        if mode not in {m.value for m in UserIdMode}:
            raise ConfigError("BOT_STORE_USER_IDS must be raw, hashed or none")
        secret = env.get("BOT_USER_ID_SECRET", "")
        if secret and len(secret.encode()) < 16:
            raise ConfigError("BOT_USER_ID_SECRET must be at least 16 characters")
        retention = _number(env, "BOT_RETENTION_DAYS", 0, minimum=0)
        database_url = _database_url(env)
        if database_url and mode == UserIdMode.HASHED.value and not secret:
            raise ConfigError(
                "BOT_DATABASE_URL with hashed user ids (BOT_STORE_USER_IDS) needs"
                " BOT_USER_ID_SECRET, the same in every process, so that /forget-me finds"
                " a member's questions whichever process logged them"
            )
        return cls(
            knowledge_dir=Path(env["BOT_KNOWLEDGE_DIR"])
            if env.get("BOT_KNOWLEDGE_DIR")
            else default_knowledge_dir(),
            db_path=Path(env["BOT_DB"]) if env.get("BOT_DB") else default_db_path(env),
            store_user_ids=UserIdMode(mode),
            user_id_secret=secret,
            retention_days=int(retention) or None,
            cache_dir=Path(env["BOT_CACHE_DIR"])
            if env.get("BOT_CACHE_DIR")
            else default_cache_dir(env),
            semantic=_switch(env, "BOT_SEMANTIC"),
            database_url=database_url,
        )

    def user_id_policy(self) -> UserIdPolicy:
        """The policy for stored user ids (creates the secret file on first use if needed)."""
        if self.store_user_ids is not UserIdMode.HASHED:
            return UserIdPolicy(self.store_user_ids)
        secret = self.user_id_secret.encode() or load_or_create_secret(
            self.db_path.parent / "user-id-secret"
        )
        return UserIdPolicy(UserIdMode.HASHED, secret)


def _database_url(env: Mapping[str, str]) -> str | None:
    """``BOT_DATABASE_URL``, checked enough to fail here rather than at connect time; the
    value is never echoed (it may hold a password)."""
    raw = env.get("BOT_DATABASE_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise ConfigError("BOT_DATABASE_URL has a port that is not a number") from None
    if parts.scheme not in {"postgresql", "postgres"}:
        raise ConfigError(
            "BOT_DATABASE_URL must be a PostgreSQL URL, postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    return raw


def _switch(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower() or "on"
    if value not in {"on", "off"}:
        raise ConfigError(f"{name} must be on or off")
    return value == "on"


class MissingTokenError(ConfigError):
    """``DISCORD_TOKEN`` is not set: the bot cannot log in."""


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    """A comma- or space-separated list of Discord ids (snowflakes)."""
    raw = env.get(name, "").replace(",", " ").split()
    try:
        ids = frozenset(int(item) for item in raw)
    except ValueError:
        raise ConfigError(
            f"{name} must be a list of numeric Discord ids separated by commas"
        ) from None
    if any(item <= 0 for item in ids):
        raise ConfigError(f"{name} must contain positive Discord ids")
    return ids


@dataclass(frozen=True)
class Shards:
    """The Discord shards this process runs: ``ids`` (ascending) of ``count`` in all.

    Discord sends a guild's events to shard ``(guild_id >> 22) % count`` and direct
    messages to shard 0, so processes that together hold every id answer everyone.
    """

    count: int
    ids: tuple[int, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Shards | None:
        """``BOT_SHARD_COUNT`` (the total) and ``BOT_SHARD_IDS`` (comma-separated, this
        process's; all of them when unset). Neither set: None, one unsharded connection."""
        raw_count = env.get("BOT_SHARD_COUNT", "").strip()
        raw_ids = env.get("BOT_SHARD_IDS", "").strip()
        if not raw_count:
            if raw_ids:
                raise ConfigError(
                    "BOT_SHARD_IDS needs BOT_SHARD_COUNT (the total number of shards)"
                )
            return None
        if not (raw_count.isascii() and raw_count.isdigit()) or int(raw_count) < 1:
            raise ConfigError("BOT_SHARD_COUNT must be a whole number of shards, at least 1")
        count = int(raw_count)
        if not raw_ids:
            return cls(count, tuple(range(count)))
        items = raw_ids.replace(",", " ").split()
        if not items or not all(item.isascii() and item.isdigit() for item in items):
            raise ConfigError("BOT_SHARD_IDS must be shard numbers separated by commas, e.g. 0,1")
        ids = [int(item) for item in items]
        if repeated := sorted({i for i in ids if ids.count(i) > 1}):
            raise ConfigError(f"BOT_SHARD_IDS lists shard {repeated[0]} more than once")
        if any(shard_id >= count for shard_id in ids):
            raise ConfigError(
                f"BOT_SHARD_IDS must be between 0 and {count - 1} (BOT_SHARD_COUNT - 1)"
            )
        return cls(count, tuple(sorted(ids)))


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number") from None
    if not math.isfinite(value):  # float() accepts "nan" and "inf"; int() of them would crash
        raise ConfigError(f"{name} must be a finite number")
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}")
    return value


def _port(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name} must be a TCP port number (1-65535)")
    return int(raw)


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(("http://", "https://", "ws://", "wss://")):
        raise ConfigError(f"{name} must be an http(s):// or ws(s):// URL")
    return raw.rstrip("/")


@dataclass(frozen=True)
class DiscordSettings:
    """What ``python -m bot run`` and ``sync`` need beyond :class:`Settings`.

    The token is excluded from ``repr`` so that logging the settings cannot leak it.
    """

    token: str = field(repr=False)
    mod_role_ids: frozenset[int] = frozenset()
    dev_guild_id: int | None = None
    api_base: str | None = None
    """REST base such as ``http://127.0.0.1:8080/api/v10`` (a proxy, or the tests' fake)."""
    gateway_url: str | None = None
    shards: Shards | None = None
    """Run these shards (``commands.AutoShardedBot``); None: one unsharded connection."""
    listen_channel_ids: frozenset[int] = frozenset()
    """Channels where any question-like message is answered (needs the message-content intent)."""
    cooldown_questions: int = 5
    cooldown_seconds: float = 60.0
    """Each member may ask ``cooldown_questions`` questions per ``cooldown_seconds``."""
    metrics_port: int | None = None
    """``BOT_METRICS_PORT``: serve ``/metrics`` and ``/healthz`` on it; None serves nothing."""
    metrics_host: str = "127.0.0.1"
    """``BOT_METRICS_HOST``: the address to serve them on (loopback unless told otherwise)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DiscordSettings:
        token = env.get("DISCORD_TOKEN", "").strip()
        if not token:
            raise MissingTokenError(
                "DISCORD_TOKEN is not set; create a bot token in the Discord developer portal"
            )
        dev_guilds = _ids(env, "BOT_DEV_GUILD_ID")
        if len(dev_guilds) > 1:
            raise ConfigError("BOT_DEV_GUILD_ID takes a single guild id")
        return cls(
            token=token,
            mod_role_ids=_ids(env, "BOT_MOD_ROLE_IDS"),
            dev_guild_id=next(iter(dev_guilds), None),
            api_base=_url(env, "DISCORD_API_BASE"),
            gateway_url=_url(env, "DISCORD_GATEWAY_URL"),
            shards=Shards.from_env(env),
            listen_channel_ids=_ids(env, "BOT_LISTEN_CHANNEL_IDS"),
            cooldown_questions=int(_number(env, "BOT_COOLDOWN_QUESTIONS", 5, minimum=1)),
            cooldown_seconds=_number(env, "BOT_COOLDOWN_SECONDS", 60.0, minimum=0),
            metrics_port=_port(env, "BOT_METRICS_PORT"),
            metrics_host=env.get("BOT_METRICS_HOST", "").strip() or "127.0.0.1",
        )
