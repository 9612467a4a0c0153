"""The token and the hashing secret never show up in a repr, an error or a log line, and
members' ids are stored as the privacy setting says (hashed by default).

The logs are checked where they are really written: ``python -m bot run`` as a process
at ``BOT_LOG_LEVEL=DEBUG`` against the fake Discord, with a bad token and a good one,
and the bot in process with ``caplog`` at DEBUG (discord.py's own debug logging included).
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from pathlib import Path

import pytest

from bot.answering import AnswerService
from bot.config import ConfigError, DiscordSettings, Settings
from bot.discordbot.client import KnowledgeBot
from bot.knowledge.loader import KnowledgeBase
from bot.matching import Matcher
from bot.privacy import UserIdMode, UserIdPolicy
from bot.querylog import QueryLog
from tests.e2e.conftest import point_discord_py_at, running_bot
from tests.fake_discord import FakeDiscord, option
from tests.helpers import query_db, start_bot_process

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.the-real-token-never-to-be-seen"
WRONG_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.XxXxXx.a-wrong-token-never-to-be-seen"
SECRET = "the-hashing-secret-never-to-be-seen"
SECRETS = (TOKEN, WRONG_TOKEN, SECRET)
QUESTION = "What did Venezuela import from Iran in 2020?"
PROCESS_TIMEOUT = 30.0

VARIABLES = (
    "BOT_STORE_USER_IDS",
    "BOT_RETENTION_DAYS",
    "BOT_MOD_ROLE_IDS",
    "BOT_DEV_GUILD_ID",
    "BOT_LISTEN_CHANNEL_IDS",
    "BOT_COOLDOWN_QUESTIONS",
    "BOT_COOLDOWN_SECONDS",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
)
"""Every variable whose bad value is an error: a secret pasted into one must not be echoed."""


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def read_all_settings(env: dict[str, str]) -> None:
    Settings.from_env(env)
    DiscordSettings.from_env(env)


def test_no_repr_of_the_configuration_shows_the_token_or_the_secret(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": TOKEN, "BOT_USER_ID_SECRET": SECRET, "BOT_DB": str(tmp_path / "q")}
    settings = Settings.from_env(env)
    discord_settings = DiscordSettings.from_env(env)
    policy = settings.user_id_policy()

    shown = [repr(settings), str(settings), repr(discord_settings), str(discord_settings)]
    shown += [repr(policy), repr(vars(policy).keys())]

    assert leaked("\n".join(shown)) == []
    assert (settings.user_id_secret, discord_settings.token) == (SECRET, TOKEN)  # kept, not shown


@pytest.mark.parametrize("name", VARIABLES)
@pytest.mark.parametrize("pasted", [TOKEN, SECRET])
def test_a_secret_pasted_into_the_wrong_variable_is_not_echoed(name: str, pasted: str) -> None:
    env = {"DISCORD_TOKEN": TOKEN, "BOT_USER_ID_SECRET": SECRET, name: pasted}

    with pytest.raises(ConfigError) as caught:
        read_all_settings(env)

    assert name in str(caught.value)
    assert leaked(str(caught.value)) == []


def test_a_too_short_secret_is_refused_without_being_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"BOT_USER_ID_SECRET": "short-secret"})

    assert "BOT_USER_ID_SECRET" in str(caught.value)
    assert "short-secret" not in str(caught.value)


def test_hashed_ids_are_not_the_raw_id_and_are_stable_for_the_same_secret(tmp_path: Path) -> None:
    raw = "123456789012345678"
    first = Settings(tmp_path, tmp_path / "q.sqlite3", user_id_secret=SECRET).user_id_policy()
    again = Settings(tmp_path, tmp_path / "q.sqlite3", user_id_secret=SECRET).user_id_policy()
    other = UserIdPolicy(UserIdMode.HASHED, b"another-secret-of-enough-bytes")

    stored = first.store(raw)

    assert stored is not None
    assert stored.startswith("h:")
    assert raw not in stored
    assert stored == again.store(raw)
    assert stored != other.store(raw)
    assert stored != first.store("123456789012345679")


def test_without_a_configured_secret_one_is_created_private_and_kept(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "knowledge", tmp_path / "data" / "q.sqlite3")

    stored = settings.user_id_policy().store("42")

    secret_file = tmp_path / "data" / "user-id-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stored == settings.user_id_policy().store("42")  # same file, same hash


# -- the logs of a real run -------------------------------------------------------------------


def bot_env(fake: FakeDiscord, db: Path, token: str) -> dict[str, str]:
    kept = {name: os.environ[name] for name in ("PATH", "LANG") if name in os.environ}
    return kept | {
        "HOME": str(db.parent),
        "DISCORD_TOKEN": token,
        "BOT_USER_ID_SECRET": SECRET,
        "BOT_LOG_LEVEL": "DEBUG",
        "BOT_RETENTION_DAYS": "30",
        "BOT_DB": str(db),
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }


async def test_a_rejected_token_is_reported_without_showing_it(tmp_path: Path) -> None:
    async with FakeDiscord(valid_token=TOKEN) as fake:
        process = await start_bot_process(
            "run", env=bot_env(fake, tmp_path / "q.sqlite3", WRONG_TOKEN), cwd=tmp_path
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)

    output = (stdout + stderr).decode()
    assert process.returncode == 2, output
    assert "error: Discord rejected DISCORD_TOKEN" in output
    assert "DEBUG" in output  # debug logging was on, so there was a chance to leak
    assert leaked(output) == []


async def test_a_debug_run_never_logs_the_token_or_the_secret(tmp_path: Path) -> None:
    db = tmp_path / "data" / "q.sqlite3"
    async with FakeDiscord(valid_token=TOKEN) as fake:
        process = await start_bot_process("run", env=bot_env(fake, db, TOKEN), cwd=tmp_path)
        try:
            identified = asyncio.ensure_future(fake.wait_until_identified(PROCESS_TIMEOUT))
            exited = asyncio.ensure_future(process.wait())
            await asyncio.wait({identified, exited}, return_when=asyncio.FIRST_COMPLETED)
            exited.cancel()
            identified.result()  # fails the test if the bot exited instead
            handle = await fake.send_slash_command("ask", [option("question", QUESTION)])
            body = await handle.callback(timeout=10.0)
        finally:
            if process.returncode is None:
                process.terminate()
            stdout, stderr = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)
        member = fake.default_user.id

    output = (stdout + stderr).decode()
    assert process.returncode == 0, output
    assert body["type"] == 4
    assert "DEBUG discord." in output
    assert leaked(output) == []
    [(stored,)] = query_db(db, "SELECT user_id FROM queries")
    assert stored == UserIdPolicy(UserIdMode.HASHED, SECRET.encode()).store(str(member))
    assert str(member) not in stored
    assert not (db.parent / "user-id-secret").exists()  # the configured secret is used
    for path in db.parent.rglob("*"):  # the log, and the caches beside it
        if path.is_file():
            assert leaked(path.read_bytes().decode("utf-8", "replace")) == [], path


async def test_the_bots_own_debug_logs_hold_no_token_or_secret(
    tmp_path: Path,
    knowledge: KnowledgeBase,
    matcher: Matcher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(tmp_path, tmp_path / "q.sqlite3", user_id_secret=SECRET)
    async with (
        FakeDiscord(valid_token=TOKEN) as fake,
        await QueryLog.open(settings.db_path) as query_log,
    ):
        point_discord_py_at(fake, monkeypatch)
        service = AnswerService(knowledge, matcher, query_log, user_ids=settings.user_id_policy())
        bot = KnowledgeBot(service, query_log, DiscordSettings(token=TOKEN))
        async with running_bot(bot, fake, token=TOKEN):
            handle = await fake.send_slash_command("ask", [option("question", QUESTION)])
            await handle.callback()
            forget = await fake.send_slash_command("forget-me")
            await forget.followup()

    messages = [record.getMessage() for record in caplog.records]
    assert any(record.name.startswith("discord.") for record in caplog.records)
    assert leaked(caplog.text + "\n".join(messages)) == []
