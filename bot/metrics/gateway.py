"""The Discord gateway connection per shard, as the client's events report it.

``bot.discordbot.observability`` feeds it from discord.py's ``connect``, ``resumed`` and
``disconnect`` events (``shard_*`` for a sharded client); this module knows only shard
numbers and a clock, so the health logic is tested without Discord.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class ShardState:
    """One shard's connection: up or down since when, and how often it went down and back."""

    connected: bool
    since: float
    """When it last connected or disconnected (the state's clock, seconds); for a shard
    that has never connected, when it was expected."""
    seen: bool = False
    """Whether it has ever connected (a first connection is not a reconnection)."""
    disconnects: int = 0
    resumes: int = 0
    """Reconnections that resumed the session (nothing missed)."""
    identifies: int = 0
    """Reconnections that had to start a new session (events in between were lost)."""


Latencies = Callable[[], Iterable[tuple[int, float]]]
"""Each shard's heartbeat round trip in seconds (NaN or infinite before the first one)."""


class GatewayState:
    """Every shard's connection, updated by events, read by the health check and metrics.

    ``shards`` are the shards the bot runs, when known beforehand: each is unhealthy until
    it first connects (a shard that never comes up is not silently left out).
    """

    def __init__(
        self,
        latencies: Latencies = lambda: (),
        *,
        shards: Iterable[int] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._latencies = latencies
        self._clock = clock
        self._shards = {shard: ShardState(connected=False, since=clock()) for shard in shards}

    @property
    def shards(self) -> dict[int, ShardState]:
        """The shards expected or seen so far (a copy), by shard number."""
        return dict(self._shards)

    def latencies(self) -> list[tuple[int, float]]:
        """Each shard's latest heartbeat round trip, in seconds, finite ones only."""
        return [(shard, value) for shard, value in self._latencies() if math.isfinite(value)]

    def connected(self, shard: int) -> None:
        """A session started (READY): the first one, or a new one after a lost session."""
        state = self._state(shard)
        if state.seen and not state.connected:
            state.identifies += 1
        self._up(state)

    def resumed(self, shard: int) -> None:
        """The session was resumed after a drop (RESUMED)."""
        state = self._state(shard)
        if state.seen and not state.connected:
            state.resumes += 1
        self._up(state)

    def disconnected(self, shard: int) -> None:
        """The connection closed. discord.py says so again at every failed retry: only
        the first of a run counts."""
        state = self._shards.get(shard)
        if state is None or not state.connected:
            return
        state.connected = False
        state.since = self._clock()
        state.disconnects += 1

    def problems(self) -> list[str]:
        """Why the bot is not fully connected, one sentence per shard; empty when it is."""
        if not self._shards:
            return ["not connected to the Discord gateway yet"]
        now = self._clock()
        return [
            f"Discord gateway shard {shard} disconnected for {now - state.since:.1f} s"
            if state.seen
            else f"Discord gateway shard {shard} not connected yet"
            for shard, state in sorted(self._shards.items())
            if not state.connected
        ]

    def _state(self, shard: int) -> ShardState:
        state = self._shards.get(shard)
        if state is None:
            state = self._shards[shard] = ShardState(connected=False, since=self._clock())
        return state

    def _up(self, state: ShardState) -> None:
        if not state.connected:
            state.connected = True
            state.seen = True
            state.since = self._clock()
