"""``BOT_SHARD_COUNT`` and ``BOT_SHARD_IDS``: which Discord shards a ``run`` process holds.

Parsed into :class:`bot.config.Shards` by ``DiscordSettings.from_env``; a bad value stops
``run`` with one line naming the variable (exit 2) before anything connects.
"""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import ConfigError, DiscordSettings, Shards

TOKEN = "MTIzNDU2Nzg5.secret-token-value.xyz"


def shards(**values: str) -> Shards | None:
    return DiscordSettings.from_env({"DISCORD_TOKEN": TOKEN, **values}).shards


def test_without_either_variable_the_bot_is_not_sharded() -> None:
    assert shards() is None
    assert shards(BOT_SHARD_COUNT="", BOT_SHARD_IDS="  ") is None


def test_a_count_alone_holds_every_shard() -> None:
    assert shards(BOT_SHARD_COUNT="3") == Shards(3, (0, 1, 2))
    assert shards(BOT_SHARD_COUNT=" 1 ") == Shards(1, (0,))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", (0,)), ("1", (1,)), ("3,1", (1, 3)), (" 2 , 0 ", (0, 2)), ("0 1", (0, 1))],
)
def test_ids_are_this_process_s_shards_in_ascending_order(
    raw: str, expected: tuple[int, ...]
) -> None:
    assert shards(BOT_SHARD_COUNT="4", BOT_SHARD_IDS=raw) == Shards(4, expected)


BAD_VALUES = [
    ({"BOT_SHARD_IDS": "0"}, "BOT_SHARD_COUNT"),
    ({"BOT_SHARD_COUNT": "0"}, "BOT_SHARD_COUNT"),
    ({"BOT_SHARD_COUNT": "-2"}, "BOT_SHARD_COUNT"),
    ({"BOT_SHARD_COUNT": "two"}, "BOT_SHARD_COUNT"),
    ({"BOT_SHARD_COUNT": "2.0"}, "BOT_SHARD_COUNT"),
    ({"BOT_SHARD_COUNT": "２"}, "BOT_SHARD_COUNT"),  # full-width digit: isdigit() but not ASCII
    ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": "2"}, "BOT_SHARD_IDS"),
    ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": "0,5"}, "BOT_SHARD_IDS"),
    ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": "-1"}, "BOT_SHARD_IDS"),
    ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": "1,1"}, "BOT_SHARD_IDS"),
    ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": "0;1"}, "BOT_SHARD_IDS"),
    ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": ","}, "BOT_SHARD_IDS"),
    ({"BOT_SHARD_COUNT": "4", "BOT_SHARD_IDS": "0-3"}, "BOT_SHARD_IDS"),
]


@pytest.mark.parametrize(("values", "name"), BAD_VALUES)
def test_a_bad_value_is_a_config_error_naming_its_variable(
    values: dict[str, str], name: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        shards(**values)


def test_the_errors_say_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match="needs BOT_SHARD_COUNT"):
        shards(BOT_SHARD_IDS="0")
    with pytest.raises(ConfigError, match="between 0 and 1"):
        shards(BOT_SHARD_COUNT="2", BOT_SHARD_IDS="2")
    with pytest.raises(ConfigError, match="shard 1 more than once"):
        shards(BOT_SHARD_COUNT="2", BOT_SHARD_IDS="1,0,1")


@pytest.mark.parametrize(("values", "name"), BAD_VALUES)
def test_run_with_a_bad_value_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], values: dict[str, str], name: str
) -> None:
    assert main(["run"], env={"DISCORD_TOKEN": TOKEN, **values}) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert name in line
    assert TOKEN not in line
