"""``python -m bot run`` and ``python -m bot sync`` as real processes against the fake Discord.

The fake runs in the test's event loop; the bot reads its REST base and gateway URL
from ``DISCORD_API_BASE`` and ``DISCORD_GATEWAY_URL``, as it would behind a proxy.
These are the slowest tests of the suite (a fresh interpreter imports discord.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.discordbot.doubles import ANSWERED_CLAIM_ID, ANSWERED_QUESTION
from tests.fake_discord import FakeDiscord, option
from tests.helpers import query_db, start_bot_process

STARTUP_TIMEOUT = 20.0
ANSWERED_QUOTE = "In 2020, Venezuela imported gasoline and other refined products from Iran"


def base_env() -> dict[str, str]:
    """Only what a fresh interpreter needs: no DISCORD_* leaks in from the developer's shell."""
    return {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}


def bot_env(fake: FakeDiscord, db: Path) -> dict[str, str]:
    return base_env() | {
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "BOT_DB": str(db),
    }


async def until_identified(fake: FakeDiscord, process: asyncio.subprocess.Process) -> None:
    """Wait for the bot to log in, failing at once (with its stderr) if it exits instead."""
    identified = asyncio.ensure_future(fake.wait_until_identified(timeout=STARTUP_TIMEOUT))
    exited = asyncio.ensure_future(process.wait())
    done, _ = await asyncio.wait({identified, exited}, return_when=asyncio.FIRST_COMPLETED)
    if identified not in done:
        identified.cancel()
        _, stderr = await process.communicate()
        pytest.fail(f"the bot exited with {process.returncode}: {stderr.decode()}")
    exited.cancel()
    identified.result()


async def test_run_answers_ask_and_exits_0_on_sigterm_with_the_answer_logged(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    db = tmp_path / "data" / "queries.sqlite3"
    process = await start_bot_process("run", env=bot_env(fake_discord, db), cwd=tmp_path)
    try:
        await until_identified(fake_discord, process)
        handle = await fake_discord.send_slash_command(
            "ask", [option("question", ANSWERED_QUESTION)]
        )
        body = await handle.callback(timeout=10.0)
    finally:
        if process.returncode is None:
            process.terminate()  # SIGTERM, as Docker and systemd stop it
        _, stderr = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)

    assert process.returncode == 0, stderr.decode()
    assert body["type"] == 4
    assert body["data"]["allowed_mentions"] == {"parse": []}
    embed = body["data"]["embeds"][0]
    assert embed["fields"][0]["value"].startswith(f"> {ANSWERED_QUOTE}")
    assert query_db(db, "SELECT adapter, question, outcome, claim_id FROM queries") == [
        ("discord", ANSWERED_QUESTION, "answered", ANSWERED_CLAIM_ID)
    ]
    assert b"Traceback" not in stderr
    identify = next(frame for frame in fake_discord.gateway_frames if frame.op == 2)
    assert identify.data["token"] == "fake-token"
    assert identify.data["intents"] & (1 << 15) == 0  # no message-content intent by default


async def test_sync_registers_the_commands_in_the_given_guild(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    guild = fake_discord.guild_id
    process = await start_bot_process(
        "sync",
        "--guild",
        str(guild),
        env=bot_env(fake_discord, tmp_path / "queries.sqlite3"),
        cwd=tmp_path,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)

    assert process.returncode == 0, stderr.decode()
    assert stdout.decode() == (
        f"synced 8 commands in guild {guild}: "
        "Ask the knowledge base, ask, claim, forget-me, help, kb, search, sources\n"
    )
    [put] = [r for r in fake_discord.requests if r.method == "PUT"]
    assert put.path == f"/applications/{fake_discord.application_id}/guilds/{guild}/commands"
    commands = {(c["name"], c["type"]): c for c in fake_discord.registered_commands}
    assert set(commands) == {
        ("ask", 1),
        ("search", 1),
        ("claim", 1),
        ("sources", 1),
        ("help", 1),
        ("forget-me", 1),
        ("kb", 1),
        ("Ask the knowledge base", 3),
    }
    kb = commands["kb", 1]
    assert {o["name"] for o in kb["options"]} == {
        "add",
        "edit",
        "remove",
        "history",
        "revert",
        "reload",
        "source-add",
        "misses",
        "stats",
    }
    assert int(kb["default_member_permissions"]) == 1 << 5  # Manage Server: hidden from members
    assert kb["dm_permission"] is False
    assert commands["ask", 1]["description"] == (
        "Ask a question; the answer quotes the source it comes from."
    )
    assert all(c["description"] for (_, kind), c in commands.items() if kind == 1)
    assert fake_discord.gateway_frames == []  # sync never connects to the gateway


def test_run_without_a_token_exits_2_at_once_with_one_line_naming_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=base_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "DISCORD_TOKEN" in line
    assert "Traceback" not in result.stderr
