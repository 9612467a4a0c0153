"""Settings from environment variables: defaults, overrides, and empty values as unset."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, default_knowledge_dir

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home directory of the test's own: ``~`` must not leak the real one."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    return home


def test_the_shipped_knowledge_directory_is_the_default() -> None:
    assert default_knowledge_dir() == PROJECT / "knowledge"
    assert (default_knowledge_dir() / "claims").is_dir()


def test_defaults_with_an_empty_environment(home: Path) -> None:
    settings = Settings.from_env({})

    assert settings == Settings(
        knowledge_dir=PROJECT / "knowledge",
        db_path=home / ".local" / "share" / "ivkb-bot" / "queries.sqlite3",
        cache_dir=home / ".cache" / "ivkb-bot",
    )


def test_xdg_data_home_moves_the_default_database(tmp_path: Path) -> None:
    settings = Settings.from_env({"XDG_DATA_HOME": str(tmp_path / "data")})

    assert settings.db_path == tmp_path / "data" / "ivkb-bot" / "queries.sqlite3"


def test_bot_db_and_bot_knowledge_dir_override_the_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "BOT_DB": str(tmp_path / "log.db"),
            "BOT_KNOWLEDGE_DIR": str(tmp_path / "kb"),
            "XDG_DATA_HOME": str(tmp_path / "ignored"),
            "BOT_CACHE_DIR": str(tmp_path / "cache"),
        }
    )

    assert settings == Settings(
        knowledge_dir=tmp_path / "kb", db_path=tmp_path / "log.db", cache_dir=tmp_path / "cache"
    )


def test_xdg_cache_home_moves_the_embedding_cache(tmp_path: Path) -> None:
    settings = Settings.from_env({"XDG_CACHE_HOME": str(tmp_path / "cache")})

    assert settings.cache_dir == tmp_path / "cache" / "ivkb-bot"


def test_bot_semantic_switches_the_model_off_and_rejects_other_values() -> None:
    assert Settings.from_env({}).semantic
    assert not Settings.from_env({"BOT_SEMANTIC": "OFF"}).semantic
    with pytest.raises(ConfigError, match="BOT_SEMANTIC must be on or off"):
        Settings.from_env({"BOT_SEMANTIC": "maybe"})


def test_empty_variables_count_as_unset(home: Path) -> None:
    settings = Settings.from_env({"BOT_DB": "", "BOT_KNOWLEDGE_DIR": "", "XDG_DATA_HOME": ""})

    assert settings == Settings.from_env({})
    assert settings.db_path.is_relative_to(home)


def test_settings_come_from_the_mapping_given_not_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_DB", str(tmp_path / "from-os-environ.db"))
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(tmp_path / "from-os-environ"))

    settings = Settings.from_env({})

    assert settings.db_path.name == "queries.sqlite3"
    assert settings.knowledge_dir == PROJECT / "knowledge"


# -- BOT_DATABASE_URL -------------------------------------------------------------------------

SECRET = "a-secret-of-at-least-sixteen-bytes"


def test_a_database_url_moves_the_query_log_to_postgresql_and_stays_out_of_repr() -> None:
    url = "postgresql://bot:pw-in-url@db.internal:5432/ivkb"

    settings = Settings.from_env({"BOT_DATABASE_URL": f" {url} ", "BOT_USER_ID_SECRET": SECRET})

    assert settings.database_url == url
    assert settings.storage_location == url
    assert "pw-in-url" not in repr(settings)
    assert Settings.from_env({}).storage_location == Settings.from_env({}).db_path


@pytest.mark.parametrize(
    "url", ["sqlite:///tmp/q.db", "db.internal:5432", "postgresql://db:port/x", "http://db/x"]
)
def test_a_database_url_that_is_not_postgresqls_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(ConfigError, match="BOT_DATABASE_URL") as refused:
        Settings.from_env({"BOT_DATABASE_URL": url, "BOT_USER_ID_SECRET": SECRET})

    assert url not in str(refused.value)


def test_hashed_ids_in_a_shared_database_need_one_secret_for_every_process() -> None:
    """A secret file per process would hash one member differently in each: /forget-me
    would miss the questions another process logged."""
    url = "postgres://bot@db/ivkb"
    with pytest.raises(ConfigError, match="needs BOT_USER_ID_SECRET"):
        Settings.from_env({"BOT_DATABASE_URL": url})

    assert Settings.from_env({"BOT_DATABASE_URL": url, "BOT_STORE_USER_IDS": "none"}).database_url
    assert Settings.from_env({"BOT_DATABASE_URL": url, "BOT_STORE_USER_IDS": "raw"}).database_url
