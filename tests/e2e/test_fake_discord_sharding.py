"""The fake Discord shards as Discord does: per-connection ``shard`` from IDENTIFY,
READY and GUILD_CREATE for that shard's guilds only, events routed by
``(guild_id >> 22) % shard_count`` with DMs on shard 0, and GET /gateway/bot.

First at the protocol level (a bare websocket), then with real discord.py
AutoShardedBots, in this process, each holding some of the shards.
"""

# ruff: noqa: ASYNC109 -- helpers take a per-call ``timeout``, like the fake's own API.

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.e2e.conftest import point_discord_py_at, running_bot
from tests.fake_discord import FakeDiscord, FakeGuild, Json, RecordedRequest

TOKEN = "fake-token"
INTENTS = 1 | 1 << 9 | 1 << 12  # guilds, guild messages, direct messages


# -- a bare websocket client -------------------------------------------------------------


class RawShard:
    """One gateway connection driven by hand: what discord.py does, minus discord.py."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ready: Json = {}
        self.guild_creates: list[Json] = []

    async def next_dispatch(self, timeout: float = 5.0) -> Json:
        """The next op 0 frame (heartbeat ACKs skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                frame: Json = await self.ws.receive_json()
                if frame["op"] == 0:
                    return frame


@asynccontextmanager
async def raw_shard(fake: FakeDiscord, shard: list[int] | None) -> AsyncIterator[RawShard]:
    """Connect, IDENTIFY with ``shard`` (none if None), read READY and its GUILD_CREATEs."""
    async with aiohttp.ClientSession() as session, session.ws_connect(fake.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        identify: Json = {"token": TOKEN, "intents": INTENTS, "properties": {}}
        if shard is not None:
            identify["shard"] = shard
        await ws.send_json({"op": 2, "d": identify})
        connection = RawShard(ws)
        ready = await connection.next_dispatch()
        assert ready["t"] == "READY"
        connection.ready = ready["d"]
        for _ in ready["d"]["guilds"]:
            created = await connection.next_dispatch()
            assert created["t"] == "GUILD_CREATE"
            connection.guild_creates.append(created["d"])
        yield connection


@pytest.fixture
def guilds(fake_discord: FakeDiscord) -> tuple[FakeGuild, FakeGuild]:
    """Two guilds of two shards: one on shard 0, one on shard 1."""
    return (
        fake_discord.add_guild("Shard Zero Guild", shard=(0, 2)),
        fake_discord.add_guild("Shard One Guild", shard=(1, 2)),
    )


def guild_ids(connection: RawShard) -> list[int]:
    return [int(g["id"]) for g in connection.guild_creates]


async def test_add_guild_picks_an_id_on_the_asked_shard(fake_discord: FakeDiscord) -> None:
    for shard_count in (1, 2, 3, 16):
        for shard_id in range(shard_count):
            guild = fake_discord.add_guild("g", shard=(shard_id, shard_count))
            assert (guild.id >> 22) % shard_count == shard_id
            assert guild.shard_id(shard_count) == shard_id
    ids = [g.id for g in fake_discord.guilds]
    assert len(set(ids)) == len(ids)


async def test_each_shard_gets_ready_and_guild_create_for_its_own_guilds_only(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    zero, one = guilds
    default = fake_discord.default_guild
    on_zero = sorted(g.id for g in (default, zero) if g.shard_id(2) == 0)

    async with raw_shard(fake_discord, [0, 2]) as shard0, raw_shard(fake_discord, [1, 2]) as shard1:
        assert shard0.ready["shard"] == [0, 2]
        assert shard1.ready["shard"] == [1, 2]
        assert sorted(int(g["id"]) for g in shard0.ready["guilds"]) == on_zero
        assert all(g["unavailable"] for g in shard0.ready["guilds"])
        assert sorted(guild_ids(shard0)) == on_zero
        assert guild_ids(shard1) == [one.id]
        created = shard1.guild_creates[0]
        assert created["name"] == "Shard One Guild"
        assert created["channels"][0]["id"] == str(one.channel_id)
        assert created["channels"][0]["guild_id"] == str(one.id)
        assert {r["id"] for r in created["roles"]} >= {str(one.id)}  # @everyone = guild id
        assert sorted(fake_discord.connected_shards) == [(0, 2), (1, 2)]

    assert fake_discord.identified_shards == [(0, 2), (1, 2)]


async def test_a_connection_without_shard_is_shard_0_of_1_and_gets_every_guild(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    async with raw_shard(fake_discord, None) as only:
        assert "shard" not in only.ready  # Discord echoes ``shard`` only when IDENTIFY sent one
        assert sorted(guild_ids(only)) == sorted(g.id for g in fake_discord.guilds)

    assert fake_discord.identified_shards == [(0, 1)]


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], [0, 2, 1], ["0", "2"]])
async def test_an_invalid_shard_is_closed_with_4010(
    fake_discord: FakeDiscord, shard: list[Any]
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(fake_discord.gateway_url) as ws,
    ):
        await ws.receive_json()  # HELLO
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "shard": shard}})
        message = await ws.receive()

    assert message.type is aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 4010
    assert fake_discord.identified_shards == []


async def test_guild_events_go_to_the_guild_s_shard_and_dms_to_shard_0(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    zero, one = guilds
    async with raw_shard(fake_discord, [0, 2]) as shard0, raw_shard(fake_discord, [1, 2]) as shard1:
        await fake_discord.send_slash_command("ask", guild=one)
        await fake_discord.send_message("hello shard one", guild=one)
        await fake_discord.send_slash_command("ask", guild=zero)
        await fake_discord.send_slash_command("help", dm=True)
        await fake_discord.send_message("hello in a DM", dm=True)

        one_events = [await shard1.next_dispatch() for _ in range(2)]
        zero_events = [await shard0.next_dispatch() for _ in range(3)]

    assert [(e["t"], e["d"].get("guild_id")) for e in one_events] == [
        ("INTERACTION_CREATE", str(one.id)),
        ("MESSAGE_CREATE", str(one.id)),
    ]
    assert [(e["t"], e["d"].get("guild_id")) for e in zero_events] == [
        ("INTERACTION_CREATE", str(zero.id)),
        ("INTERACTION_CREATE", None),
        ("MESSAGE_CREATE", None),
    ]
    dm_interaction, dm_message = zero_events[1]["d"], zero_events[2]["d"]
    assert "member" not in dm_interaction
    assert dm_interaction["user"]["id"] == str(fake_discord.default_user.id)
    assert dm_interaction["channel"]["type"] == 1
    assert dm_interaction["context"] == 1
    assert dm_message["content"] == "hello in a DM"  # DMs carry content without the intent
    assert dm_message["channel_id"] == dm_interaction["channel_id"]
    assert one_events[0]["d"]["channel_id"] == str(one.channel_id)
    # Each connection numbers its own dispatches: READY, GUILD_CREATE(s), then events.
    assert [e["s"] for e in one_events] == [3, 4]


async def test_an_event_for_a_shard_nobody_holds_waits_for_that_shard(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    _, one = guilds
    async with raw_shard(fake_discord, [0, 2]):
        with pytest.raises(TimeoutError, match=f"guild {one.id}"):
            await fake_discord.send_slash_command("ask", guild=one, timeout=0.2)


async def test_gateway_bot_gives_the_url_the_recommended_shards_and_the_start_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with (
        FakeDiscord(recommended_shards=3, max_concurrency=2) as fake,
        aiohttp.ClientSession() as session,
    ):

        async def gateway_bot() -> Json:
            headers = {"Authorization": f"Bot {TOKEN}"}
            async with session.get(f"{fake.api_base}/gateway/bot", headers=headers) as r:
                body: Json = await r.json(content_type=None)
                return body

        before = await gateway_bot()
        async with raw_shard(fake, [0, 3]), raw_shard(fake, [1, 3]):
            after = await gateway_bot()

    assert before == {
        "url": fake.gateway_url,
        "shards": 3,
        "session_start_limit": {
            "total": 1000,
            "remaining": 1000,
            "reset_after": 0,
            "max_concurrency": 2,
        },
    }
    limit = after["session_start_limit"]
    assert limit["remaining"] == 998  # every IDENTIFY starts a session
    assert 0 < limit["reset_after"] <= 24 * 60 * 60 * 1000


# -- real discord.py AutoShardedBots -----------------------------------------------------


@app_commands.command(name="where", description="Which bot and shard answered")
async def where(interaction: discord.Interaction) -> None:
    client = interaction.client
    assert isinstance(client, ShardBot)
    shard = interaction.guild.shard_id if interaction.guild is not None else 0
    await interaction.response.send_message(f"{client.name}: shard {shard}")


class ShardBot(commands.AutoShardedBot):
    """A named AutoShardedBot that says who answered, for telling two of them apart."""

    def __init__(self, name: str, shard_ids: Sequence[int] | None, shard_count: int | None) -> None:
        shards: dict[str, Any] = {"shard_count": shard_count}
        if shard_ids is not None:
            shards["shard_ids"] = list(shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
            help_command=None,
            **shards,
        )
        self.name = name

    async def setup_hook(self) -> None:
        self.tree.add_command(where)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No-op: discord.py waits 5 s between a process's IDENTIFYs (the fake has no limit)."""

    async def on_message(self, message: discord.Message) -> None:
        """Reply to mentions in guilds and to every DM, saying who heard it."""
        if message.author.bot or self.user is None:
            return
        if message.guild is None or self.user in message.mentions:
            await message.reply(f"{self.name} heard {message.content.split()[-1]}")


@asynccontextmanager
async def two_processes(fake: FakeDiscord) -> AsyncIterator[tuple[ShardBot, ShardBot]]:
    """Two bots as two processes would run them: shard 0 and shard 1 of 2."""
    async with AsyncExitStack() as stack:
        zero = await stack.enter_async_context(running_bot(ShardBot("bot-0", [0], 2), fake))
        one = await stack.enter_async_context(running_bot(ShardBot("bot-1", [1], 2), fake))
        await fake.wait_until_identified(shard_id=1)
        yield zero, one


def answer_to(callback: Json) -> str:
    return str(callback["data"]["content"])


async def test_two_bots_each_answer_the_guilds_of_their_own_shard(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    zero, one = guilds
    async with two_processes(fake_discord) as (bot0, bot1):
        assert {g.id for g in bot1.guilds} == {one.id}
        assert zero.id in {g.id for g in bot0.guilds}
        on_zero = await fake_discord.send_slash_command("where", guild=zero)
        on_one = await fake_discord.send_slash_command("where", guild=one)
        in_dm = await fake_discord.send_slash_command("where", dm=True)

        assert answer_to(await on_zero.callback()) == "bot-0: shard 0"
        assert answer_to(await on_one.callback()) == "bot-1: shard 1"
        assert answer_to(await in_dm.callback()) == "bot-0: shard 0"


async def test_mentions_are_answered_by_the_bot_holding_the_guild_or_dm(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    zero, one = guilds

    async def reply_to(label: str) -> Json:
        def is_reply(r: RecordedRequest) -> bool:
            content = r.json.get("content", "") if isinstance(r.json, dict) else ""
            return r.method == "POST" and str(content).endswith(f"heard {label}")

        request = await fake_discord.wait_for_request(is_reply)
        body: Json = request.json
        return body | {"path": request.path}

    async with two_processes(fake_discord):
        replies: dict[str, Json] = {}
        await fake_discord.send_message("hi one", mentions_bot=True, guild=one)
        replies["one"] = await reply_to("one")
        await fake_discord.send_message("hi zero", mentions_bot=True, guild=zero)
        replies["zero"] = await reply_to("zero")
        await fake_discord.send_message("hi dm", dm=True)
        replies["dm"] = await reply_to("dm")

    assert replies["one"]["content"] == "bot-1 heard one"
    assert replies["one"]["path"] == f"/channels/{one.channel_id}/messages"
    assert replies["zero"]["content"] == "bot-0 heard zero"
    assert replies["dm"]["content"] == "bot-0 heard dm"


async def test_a_dropped_shard_resumes_while_the_other_keeps_answering(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    zero, one = guilds
    async with two_processes(fake_discord):
        await fake_discord.drop_gateway(shard_id=1)
        on_zero = await fake_discord.send_slash_command("where", guild=zero)
        assert answer_to(await on_zero.callback()) == "bot-0: shard 0"

        await fake_discord.wait_until_resumed()
        on_one = await fake_discord.send_slash_command("where", guild=one)
        assert answer_to(await on_one.callback()) == "bot-1: shard 1"

    resume = next(f for f in fake_discord.gateway_frames if f.op == 6)
    assert resume.data["seq"] == 2  # shard 1's own READY and one GUILD_CREATE
    assert fake_discord.identified_shards == [(0, 2), (1, 2)]


async def test_one_bot_can_hold_every_shard(
    fake_discord: FakeDiscord, guilds: tuple[FakeGuild, FakeGuild]
) -> None:
    one = guilds[1]
    async with running_bot(ShardBot("all", None, 2), fake_discord) as bot:
        await fake_discord.wait_until_identified(shard_id=1)
        assert {g.id for g in bot.guilds} == {g.id for g in fake_discord.guilds}
        on_one = await fake_discord.send_slash_command("where", guild=one)
        assert answer_to(await on_one.callback()) == "all: shard 1"

    assert sorted(fake_discord.identified_shards) == [(0, 2), (1, 2)]


async def test_without_a_count_discord_py_asks_gateway_bot_how_many_shards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeDiscord(recommended_shards=2) as fake:
        point_discord_py_at(fake, monkeypatch)
        async with running_bot(ShardBot("auto", None, None), fake) as bot:
            await fake.wait_until_identified(shard_id=1)
            assert bot.shard_count == 2

        assert any(r.path == "/gateway/bot" for r in fake.requests)
        assert sorted(fake.identified_shards) == [(0, 2), (1, 2)]
