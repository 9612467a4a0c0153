"""``/metrics`` and ``/healthz`` over HTTP, served by aiohttp on the bot's own event loop.

Why the event loop and not prometheus_client's ``start_http_server`` thread: the health
check must say whether the *bot* works, and the bot is the event loop. A thread would
answer 200 while the loop is blocked and no question is answered; served from the loop,
a stalled loop stops answering ``/healthz`` and the container's health check fails, as
it should. The state it reads (the gateway's, the query log's) belongs to the loop too,
so it is read without locks. aiohttp is already there: discord.py is built on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler


class MetricsServer:
    """Serves ``registry`` at ``/metrics`` and ``problems()`` at ``/healthz``.

    ``/healthz`` is 200 ``ok`` when ``problems()`` is empty, else 503 with one problem a
    line. :meth:`start` raises ``OSError`` when the address cannot be bound.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        problems: Callable[[], Sequence[str]],
        *,
        host: str,
        port: int,
    ) -> None:
        self.host = host
        self.port = port
        """The port asked for; after :meth:`start`, the one bound (differs only for 0)."""
        self._problems = problems
        app = web.Application()
        app.router.add_get("/metrics", make_aiohttp_handler(registry))
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            raise
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _healthz(self, request: web.Request) -> web.Response:
        problems = self._problems()
        headers = {"Cache-Control": "no-store"}
        if problems:
            return web.Response(status=503, text="\n".join(problems) + "\n", headers=headers)
        return web.Response(text="ok\n", headers=headers)
