"""The health check: every shard connected and the query log writing, or each reason why not."""

from __future__ import annotations

from pathlib import Path

from bot.metrics import GatewayState, Health
from bot.querylog import QueryLog


class Log:
    def __init__(self, trouble: str | None = None) -> None:
        self.trouble = trouble


def connected() -> GatewayState:
    gateway = GatewayState(clock=lambda: 0.0)
    gateway.connected(0)
    return gateway


def test_healthy_when_connected_and_writing() -> None:
    assert Health(connected(), Log()).problems() == []


def test_every_problem_is_listed() -> None:
    gateway = connected()
    gateway.disconnected(0)

    assert Health(gateway, Log("the query log cannot write: disk I/O error")).problems() == [
        "Discord gateway shard 0 disconnected for 0.0 s",
        "the query log cannot write: disk I/O error",
    ]


def test_not_yet_connected_is_unhealthy() -> None:
    assert Health(GatewayState(), Log()).problems() == ["not connected to the Discord gateway yet"]


async def test_the_real_query_log_is_read_live(tmp_path: Path) -> None:
    query_log = await QueryLog.open(tmp_path / "queries.sqlite3")
    health = Health(connected(), query_log)
    assert health.problems() == []

    await query_log.close()

    assert health.problems() == ["the query log writer is not running"]
