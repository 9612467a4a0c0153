"""The gateway state: shards up and down as the events say, and what the health check reads."""

from __future__ import annotations

import math

from bot.metrics import GatewayState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_shard_has_connected_yet() -> None:
    assert GatewayState().problems() == ["not connected to the Discord gateway yet"]
    assert GatewayState().shards == {}


def test_a_drop_is_a_problem_until_the_session_is_resumed() -> None:
    clock = Clock()
    gateway = GatewayState(clock=clock)
    gateway.connected(0)
    assert gateway.problems() == []

    clock.now = 110.0
    gateway.disconnected(0)
    gateway.disconnected(0)  # discord.py says so again at each failed retry
    clock.now = 112.5
    assert gateway.problems() == ["Discord gateway shard 0 disconnected for 2.5 s"]

    gateway.resumed(0)
    assert gateway.problems() == []
    state = gateway.shards[0]
    assert (state.connected, state.disconnects, state.resumes, state.identifies) == (
        True,
        1,
        1,
        0,
    )
    assert state.since == 112.5


def test_a_new_session_after_a_drop_is_a_reconnect_by_identify() -> None:
    gateway = GatewayState()
    gateway.connected(0)
    gateway.disconnected(0)
    gateway.connected(0)
    gateway.resumed(0)  # already up: nothing more to count

    state = gateway.shards[0]
    assert (state.disconnects, state.resumes, state.identifies) == (1, 0, 1)


def test_each_shard_is_followed_on_its_own() -> None:
    clock = Clock()
    gateway = GatewayState(clock=clock)
    for shard in (0, 1, 2):
        gateway.connected(shard)
    gateway.disconnected(2)
    gateway.disconnected(1)
    clock.now = 101.0

    assert gateway.problems() == [
        "Discord gateway shard 1 disconnected for 1.0 s",
        "Discord gateway shard 2 disconnected for 1.0 s",
    ]
    assert [s.connected for _, s in sorted(gateway.shards.items())] == [True, False, False]


def test_expected_shards_are_unhealthy_until_they_first_connect() -> None:
    gateway = GatewayState(shards=[0, 1])
    assert gateway.problems() == [
        "Discord gateway shard 0 not connected yet",
        "Discord gateway shard 1 not connected yet",
    ]

    gateway.connected(0)
    gateway.connected(1)

    assert gateway.problems() == []
    assert [(s.disconnects, s.identifies) for s in gateway.shards.values()] == [(0, 0), (0, 0)]


def test_a_disconnect_before_any_connect_is_not_counted() -> None:
    gateway = GatewayState()
    gateway.disconnected(0)

    assert gateway.shards == {}


def test_latencies_before_the_first_heartbeat_are_left_out() -> None:
    gateway = GatewayState(lambda: [(0, 0.042), (1, math.nan), (2, math.inf)])

    assert gateway.latencies() == [(0, 0.042)]
