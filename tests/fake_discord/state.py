"""Mutable state shared by the REST side and the gateway side of the fake.

Both halves run on the test's event loop, so plain attributes are enough; the
only synchronisation needed is a way to wake tests waiting for something to
happen (a request, an IDENTIFY, a RESUME), which :class:`Changes` provides.
"""

# ruff: noqa: ASYNC109 -- waits take a per-call ``timeout`` by design (the tests' API).

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from .models import FakeChannel, FakeUser, Json, RecordedRequest, Snowflakes
from .payloads import World

T = TypeVar("T")


class Changes:
    """Wakes every waiter whenever the fake's observable state changes.

    Waiters re-check their condition on each change instead of sleeping, so a
    test waits exactly as long as the bot takes and no longer.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters (they re-check their condition)."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """Return ``check()`` as soon as it is not None; TimeoutError after ``timeout`` s."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = check()
                    if result is not None:
                        return result
                    await self._event.wait()
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}") from None


@dataclass
class InteractionRecord:
    """What the fake remembers about an interaction it dispatched.

    ``source_message_id`` is the message a component was clicked on: Discord
    treats it as ``@original`` until the interaction posts a message of its own.
    """

    id: int
    token: str
    interaction_type: int
    user: FakeUser
    message_type: int
    channel: FakeChannel
    """Where it happened: a guild's channel or a DM channel."""
    acknowledged: bool = False
    source_message_id: int | None = None


@dataclass
class FakeState:
    """Everything the fake knows: the world, recorded traffic, messages, commands."""

    world: World = field(default_factory=World)
    snowflakes: Snowflakes = field(default_factory=Snowflakes)
    changes: Changes = field(default_factory=Changes)
    valid_token: str | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[int, Json] = field(default_factory=dict)
    interactions: dict[int, InteractionRecord] = field(default_factory=dict)
    originals: dict[str, int] = field(default_factory=dict)
    commands: dict[int | None, list[Json]] = field(default_factory=dict)
    registered_commands: list[Json] = field(default_factory=list)
    gateway_url: str = ""
    http_base: str = ""
    recommended_shards: int = 1
    """``shards`` in GET /gateway/bot."""
    max_concurrency: int = 1
    """``session_start_limit.max_concurrency`` in GET /gateway/bot."""
    identified: list[tuple[int, int]] = field(default_factory=list)
    """The ``[shard_id, shard_count]`` of every completed IDENTIFY, in order ((0, 1)
    for a connection that sent no ``shard``, as Discord treats it)."""
    first_identify_at: float | None = None
    """``time.monotonic()`` of the first IDENTIFY: the session start limit's window."""
    dm_channels: dict[int, FakeChannel] = field(default_factory=dict)

    def channel(self, channel_id: int) -> FakeChannel | None:
        """A guild's text channel or a DM channel the fake knows, by id."""
        for guild in self.world.guilds:
            if guild.channel_id == channel_id:
                return guild.channel
        return self.dm_channels.get(channel_id)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and ``user`` (made on first use)."""
        for channel in self.dm_channels.values():
            if channel.recipient is not None and channel.recipient.id == user.id:
                return channel
        channel = FakeChannel(self.snowflakes.next(), recipient=user)
        self.dm_channels[channel.id] = channel
        return channel

    def record(self, request: RecordedRequest) -> None:
        """Append a REST call to the log and wake waiters."""
        self.requests.append(request)
        self.changes.notify()

    def interaction_for_token(self, token: str) -> InteractionRecord | None:
        """The interaction whose webhook token this is (followups and edits use it)."""
        return next((i for i in self.interactions.values() if i.token == token), None)

    def iter_components(self, message: Json) -> Iterator[Json]:
        """Every component in a message, depth first (rows, containers, sections, ...)."""
        stack = list(reversed(message.get("components") or []))
        while stack:
            component = stack.pop()
            yield component
            children: list[Json] = list(component.get("components") or [])
            if isinstance(component.get("component"), dict):
                children.append(component["component"])
            if isinstance(component.get("accessory"), dict):
                children.append(component["accessory"])
            stack.extend(reversed(children))

    def find_message_with_component(self, custom_id: str) -> Json | None:
        """The newest stored message that has a component with this ``custom_id``."""
        for message in reversed(self.messages.values()):
            if any(c.get("custom_id") == custom_id for c in self.iter_components(message)):
                return message
        return None

    def command_lookup(self, name: str, command_type: int) -> tuple[int | None, Json] | None:
        """Find a synced command by name and type: (guild id or None, command), guild first."""
        for scope in sorted(self.commands, key=lambda s: s is None):
            for command in self.commands[scope]:
                if command["name"] == name and command.get("type", 1) == command_type:
                    return scope, command
        return None
