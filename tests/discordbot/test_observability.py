"""Metrics wired to a bot: the gateway followed through discord.py's own events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import discord
from discord.ext import commands

from bot.answering import AnswerService
from bot.discordbot.observability import Observability, watch_gateway
from bot.matching import build_matcher
from bot.querylog import QueryLog
from tests.helpers import shipped_knowledge


async def settle() -> None:
    """Let the listener tasks that ``dispatch`` scheduled run."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_plain_bot_is_shard_0_followed_through_connect_disconnect_resumed() -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    gateway = watch_gateway(bot, clock=lambda: 5.0)
    assert gateway.problems() == ["Discord gateway shard 0 not connected yet"]

    async with bot:  # sets the loop that dispatch schedules listeners on
        bot.dispatch("connect")
        await settle()
        assert gateway.problems() == []
        bot.dispatch("disconnect")
        await settle()
        assert gateway.problems() == ["Discord gateway shard 0 disconnected for 0.0 s"]
        bot.dispatch("resumed")
        await settle()

    state = gateway.shards[0]
    assert (state.connected, state.disconnects, state.resumes) == (True, 1, 1)
    assert gateway.latencies() == []  # never heartbeated: no number to report


async def test_a_sharded_bot_is_followed_per_shard_and_counted_once() -> None:
    bot = commands.AutoShardedBot(
        command_prefix="!", intents=discord.Intents.default(), shard_count=3, shard_ids=[0, 1]
    )
    gateway = watch_gateway(bot)
    assert gateway.problems() == [
        "Discord gateway shard 0 not connected yet",
        "Discord gateway shard 1 not connected yet",
    ]

    async with bot:
        for shard in (0, 1):
            bot.dispatch("connect")  # discord.py sends both kinds; only shard_* are followed
            bot.dispatch("shard_connect", shard)
        bot.dispatch("disconnect")
        bot.dispatch("shard_disconnect", 1)
        await settle()
        assert {shard: state.connected for shard, state in gateway.shards.items()} == {
            0: True,
            1: False,
        }
        bot.dispatch("shard_resumed", 1)
        await settle()
    assert gateway.shards[1].resumes == 1
    assert gateway.problems() == []


async def test_the_server_reports_the_bot_before_it_connects(tmp_path: Path) -> None:
    knowledge = shipped_knowledge()
    observed = Observability.create()
    async with await QueryLog.open(tmp_path / "queries.sqlite3") as query_log:
        service = AnswerService(knowledge, build_matcher(knowledge), observed.sink(query_log))
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
        server = observed.server(bot, service, query_log, host="127.0.0.1", port=0)
        async with bot, server, aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{server.port}"
            async with session.get(f"{base}/healthz") as response:
                health = (response.status, await response.text())
            bot.dispatch("connect")
            await settle()
            async with session.get(f"{base}/healthz") as response:
                healthy = (response.status, await response.text())

    assert health == (503, "Discord gateway shard 0 not connected yet\n")
    assert healthy == (200, "ok\n")
    registry = observed.registry
    assert registry.get_sample_value("ivkb_knowledge_base_claims") == len(knowledge.claims)
    assert registry.get_sample_value("ivkb_gateway_connected", {"shard": "0"}) == 1
    assert registry.get_sample_value("process_resident_memory_bytes") is not None
