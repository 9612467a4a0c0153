"""Fixtures for end-to-end tests: a started fake Discord and a bot running against it.

Reusable for any ``discord.Client`` (the real bot included)::

    async def test_something(fake_discord: FakeDiscord) -> None:
        async with running_bot(MyBot(), fake_discord) as bot:
            handle = await fake_discord.send_slash_command("ask", [option("q", "hi")])
            assert (await handle.callback())["type"] == 4
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord
import pytest
import yarl

from tests.fake_discord import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


def point_discord_py_at(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """Send discord.py's REST calls and gateway connection to ``fake`` for this test.

    discord.py builds every URL from ``Route.BASE`` at request time (interaction
    callbacks and webhooks included) and opens the first gateway connection on
    ``DEFAULT_GATEWAY``; reconnects use the ``resume_gateway_url`` from READY,
    which the fake also points at itself. So nothing leaves 127.0.0.1.
    """
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A started :class:`FakeDiscord` with discord.py pointed at it."""
    async with FakeDiscord() as fake:
        point_discord_py_at(fake, monkeypatch)
        yield fake


@asynccontextmanager
async def running_bot(
    bot: ClientT,
    fake: FakeDiscord,
    *,
    token: str = "fake-token",
    wait_timeout: float = 5.0,
    guild_ready_timeout: float | None = 0.05,
) -> AsyncIterator[ClientT]:
    """Log ``bot`` in to ``fake``, yield it once ready, close it on exit.

    ``bot.start()`` runs as a task and the wait is on both it and
    ``wait_until_ready()``: a login or IDENTIFY failure ends ``start()`` with the
    real exception at once instead of surfacing as a timeout.

    ``guild_ready_timeout`` overrides the client's wait after the last
    GUILD_CREATE before ``on_ready`` (2 s by default in discord.py). It sets the
    private ``_connection.guild_ready_timeout`` because a bot built by production
    code may not let a test pass the constructor option; None leaves it alone.
    """
    if guild_ready_timeout is not None:
        bot._connection.guild_ready_timeout = guild_ready_timeout
    # ``async with bot`` creates the loop-bound objects (the ready event) that
    # ``wait_until_ready`` needs before ``start()`` has logged in.
    async with bot:
        start = asyncio.create_task(bot.start(token), name="bot.start")
        ready = asyncio.create_task(bot.wait_until_ready(), name="bot.wait_until_ready")
        try:
            done, _ = await asyncio.wait(
                {start, ready}, timeout=wait_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if start in done:
                start.result()  # raises the login or connection error
                raise RuntimeError("bot.start() returned before the bot was ready")
            if not done:
                raise TimeoutError(f"bot not ready after {wait_timeout} s")
            await fake.wait_until_identified(wait_timeout)
            yield bot
        finally:
            ready.cancel()
            await bot.close()
            # start() returns once closed; an error it raised while the test ran is
            # reported below, unless the test body is already failing.
            finished, _ = await asyncio.wait({start}, timeout=wait_timeout)
            if not finished:
                start.cancel()
    if start.done() and not start.cancelled() and (error := start.exception()) is not None:
        raise error
