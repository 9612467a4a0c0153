"""``/metrics`` and ``/healthz`` over HTTP on 127.0.0.1 (a port the OS picks)."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import MetricsServer


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def test_metrics_come_from_the_registry_given_and_health_from_the_problems() -> None:
    registry = CollectorRegistry()
    Gauge("ivkb_things", "Things.", registry=registry).set(3)
    problems: list[str] = []
    async with MetricsServer(registry, lambda: problems, host="127.0.0.1", port=0) as server:
        base = f"http://127.0.0.1:{server.port}"

        status, content_type, text = await get(f"{base}/metrics")
        assert (status, content_type) == (200, "text/plain; version=0.0.4; charset=utf-8")
        [family] = text_string_to_metric_families(text)
        assert [(s.name, s.value) for s in family.samples] == [("ivkb_things", 3)]

        assert await get(f"{base}/healthz") == (200, "text/plain; charset=utf-8", "ok\n")
        problems.extend(["not connected to the Discord gateway yet", "the log is stuck"])
        assert await get(f"{base}/healthz") == (
            503,
            "text/plain; charset=utf-8",
            "not connected to the Discord gateway yet\nthe log is stuck\n",
        )
        status, _, _ = await get(f"{base}/other")
        assert status == 404


async def test_a_port_in_use_raises_and_leaves_nothing_running() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        server = MetricsServer(CollectorRegistry(), list, host="127.0.0.1", port=port)

        with pytest.raises(OSError, match="address already in use"):
            await server.start()
