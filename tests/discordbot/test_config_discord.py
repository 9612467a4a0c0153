"""``DiscordSettings.from_env``: what ``run`` and ``sync`` read, and errors that name the
variable without ever showing the token."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import ConfigError, DiscordSettings, MissingTokenError

TOKEN = "MTIzNDU2Nzg5.secret-token-value.xyz"


def env(**values: str) -> dict[str, str]:
    return {"DISCORD_TOKEN": TOKEN, **values}


def test_the_token_alone_is_enough() -> None:
    settings = DiscordSettings.from_env({"DISCORD_TOKEN": f"  {TOKEN}\n"})

    assert settings == DiscordSettings(token=TOKEN)
    assert (settings.cooldown_questions, settings.cooldown_seconds) == (5, 60.0)
    assert settings.listen_channel_ids == frozenset()
    assert (settings.api_base, settings.gateway_url, settings.dev_guild_id) == (None, None, None)
    assert (settings.metrics_port, settings.metrics_host) == (None, "127.0.0.1")


@pytest.mark.parametrize("token", [None, "", "   "])
def test_a_missing_token_is_named(token: str | None) -> None:
    environment = {} if token is None else {"DISCORD_TOKEN": token}

    with pytest.raises(MissingTokenError, match="DISCORD_TOKEN"):
        DiscordSettings.from_env(environment)


def test_every_setting_is_read() -> None:
    settings = DiscordSettings.from_env(
        env(
            BOT_MOD_ROLE_IDS="111111111111111111, 222222222222222222",
            BOT_DEV_GUILD_ID="333333333333333333",
            DISCORD_API_BASE="http://127.0.0.1:8080/api/v10/",
            DISCORD_GATEWAY_URL="ws://127.0.0.1:8080/gateway",
            BOT_LISTEN_CHANNEL_IDS="444444444444444444 555555555555555555",
            BOT_COOLDOWN_QUESTIONS="3",
            BOT_COOLDOWN_SECONDS="30.5",
            BOT_METRICS_PORT="9108",
            BOT_METRICS_HOST="0.0.0.0",
        )
    )

    assert settings.mod_role_ids == {111111111111111111, 222222222222222222}
    assert settings.dev_guild_id == 333333333333333333
    assert settings.api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:8080/gateway"
    assert settings.listen_channel_ids == {444444444444444444, 555555555555555555}
    assert (settings.cooldown_questions, settings.cooldown_seconds) == (3, 30.5)
    assert (settings.metrics_port, settings.metrics_host) == (9108, "0.0.0.0")


def test_a_cooldown_of_zero_seconds_is_allowed() -> None:
    assert DiscordSettings.from_env(env(BOT_COOLDOWN_SECONDS="0")).cooldown_seconds == 0.0


BAD_VALUES = [
    ("BOT_MOD_ROLE_IDS", "12,abc"),
    ("BOT_MOD_ROLE_IDS", "-5"),
    ("BOT_DEV_GUILD_ID", "0"),
    ("BOT_DEV_GUILD_ID", "111111111111111111 222222222222222222"),
    ("BOT_LISTEN_CHANNEL_IDS", "#general"),
    ("BOT_LISTEN_CHANNEL_IDS", "1.5"),
    ("DISCORD_API_BASE", "127.0.0.1:8080/api/v10"),
    ("DISCORD_GATEWAY_URL", "ftp://example.org"),
    ("BOT_COOLDOWN_QUESTIONS", "many"),
    ("BOT_COOLDOWN_QUESTIONS", "0"),
    ("BOT_COOLDOWN_QUESTIONS", "nan"),
    ("BOT_COOLDOWN_QUESTIONS", "inf"),
    ("BOT_COOLDOWN_SECONDS", "-1"),
    ("BOT_COOLDOWN_SECONDS", "nan"),
    ("BOT_COOLDOWN_SECONDS", "1e999"),
    ("BOT_METRICS_PORT", "http"),
    ("BOT_METRICS_PORT", "0"),
    ("BOT_METRICS_PORT", "65536"),
    ("BOT_METRICS_PORT", "-1"),
    ("BOT_METRICS_PORT", "９１０８"),  # full-width digits: str.isdigit() but not a port
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_is_a_config_error_naming_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        DiscordSettings.from_env(env(**{name: value}))

    assert name in str(raised.value)
    assert not isinstance(raised.value, MissingTokenError)


@pytest.mark.parametrize(("name", "value"), [*BAD_VALUES, ("DISCORD_TOKEN", " ")])
def test_no_error_message_shows_the_token(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        DiscordSettings.from_env(env(**{name: value}))

    assert TOKEN not in str(raised.value)
    assert TOKEN not in repr(raised.value)


def test_the_token_is_not_in_the_settings_repr() -> None:
    settings = DiscordSettings.from_env(env(BOT_LISTEN_CHANNEL_IDS="444444444444444444"))

    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert "444444444444444444" in repr(settings)  # the rest is there to help debugging


def test_run_without_a_token_exits_2_with_one_line_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run"], env={}) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert "DISCORD_TOKEN" in line


@pytest.mark.parametrize("command", [["run"], ["sync", "--guild", "1"]])
def test_a_bad_setting_stops_run_and_sync_before_any_connection(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command, env=env(BOT_LISTEN_CHANNEL_IDS="general")) == 2

    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert "BOT_LISTEN_CHANNEL_IDS" in line
    assert TOKEN not in captured.err + captured.out
