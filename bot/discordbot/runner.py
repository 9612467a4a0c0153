"""``python -m bot run`` and ``python -m bot sync``: resources opened here and handed down.

Following discord.py's advanced start-up example, the knowledge base, the query log
and the service are opened in one ``async with`` chain and passed to the bot's
constructor; closing the bot (Ctrl-C, SIGTERM from Docker) flushes the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import discord
import discord.gateway
import discord.http
import yarl
from discord.ext import commands

from bot import heap
from bot.answering import AnswerService
from bot.config import DiscordSettings, Settings
from bot.discordbot.client import EXTENSIONS, MODERATION_EXTENSION, KnowledgeBot
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.writer import KnowledgeWriter
from bot.matching import HybridMatcher, Matcher, build_matcher
from bot.matching.factory import MatcherFactory
from bot.moderation.audit import AuditTrail
from bot.moderation.gate import NO_GATE, ChangeGate
from bot.moderation.service import ModerationService
from bot.querylog import QueryLog
from bot.querylog.retention import purge_forever
from bot.storage.base import StorageUnavailableError
from bot.storage.opening import closing, open_storage

if TYPE_CHECKING:
    from bot.discordbot.observability import Observability
    from bot.metrics import MetricsServer

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
_TOKEN_REJECTED = "error: Discord rejected DISCORD_TOKEN (is it a bot token?)"


def use_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py at a REST proxy or gateway other than Discord's own.

    discord.py reads both from class attributes when it connects, so they are set
    process-wide, once, before the client starts.
    """
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


async def run_bot(
    settings: Settings, discord_settings: DiscordSettings, knowledge: KnowledgeBase
) -> int:
    use_endpoints(discord_settings)
    observed = _observability() if discord_settings.metrics_port is not None else None
    try:
        storage = await open_storage(settings.storage_location)
    except StorageUnavailableError as exc:
        print(f"error: {exc} (BOT_DATABASE_URL)", file=sys.stderr)
        return EXIT_USAGE
    async with closing(storage), await QueryLog.open(storage) as query_log:
        audit = await AuditTrail.open(
            storage, on_change=observed.metrics.moderator_action if observed else None
        )
        retention = (
            asyncio.create_task(purge_forever(query_log, settings.retention_days), name="retention")
            if settings.retention_days
            else None
        )
        try:
            build = _matchers(settings, knowledge)
            if observed is not None:
                observed.metrics.semantic_matching(on=build.semantic is not None)
            matcher = build(knowledge)
            if isinstance(matcher, HybridMatcher):
                embedded = await asyncio.to_thread(matcher.prepare)
                log.info("claims' vectors ready (%d texts embedded now)", embedded)
            sink = observed.sink(query_log) if observed is not None else query_log
            service = AnswerService(knowledge, matcher, sink, user_ids=settings.user_id_policy())
            writer = KnowledgeWriter(knowledge.root)
            rebuild = heap.frozen_after(_prepared(build))
            async with _shared_knowledge(settings, service, writer, rebuild) as gate:
                moderation = ModerationService(
                    service, writer, audit, matcher_factory=rebuild, gate=gate
                )
                heap.settle()
                return await _serve(service, query_log, moderation, discord_settings, observed)
        finally:
            if retention is not None:
                retention.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retention
            await audit.close()


def _observability() -> Observability:
    # Imported only when metrics are served: prometheus_client and aiohttp's server
    # add some 80 ms to every start.
    from bot.discordbot.observability import Observability  # noqa: PLC0415

    return Observability.create()


@contextlib.asynccontextmanager
async def _shared_knowledge(
    settings: Settings,
    service: AnswerService,
    writer: KnowledgeWriter,
    rebuild: Callable[[KnowledgeBase], Matcher],
) -> AsyncIterator[ChangeGate]:
    """With ``BOT_DATABASE_URL``, the cluster's processes share one knowledge base: each
    change goes through PostgreSQL and every process reloads it (bot.moderation.cluster)."""
    if settings.database_url is None:
        yield NO_GATE
        return
    from bot.moderation.cluster import KnowledgeSync  # noqa: PLC0415 - asyncpg, cluster only

    async with KnowledgeSync(settings.database_url, service, writer.lock, rebuild) as sync:
        yield sync


def _matchers(settings: Settings, knowledge: KnowledgeBase) -> MatcherFactory:
    """The process's matcher factory, said once at start-up whether the model is on and why."""
    matchers = MatcherFactory.load(
        settings.cache_dir, knowledge.root, semantic=settings.semantic, verify=True
    )
    (log.info if matchers.semantic is not None else log.warning)("%s", matchers.summary())
    return matchers


def _prepared(build: Callable[[KnowledgeBase], Matcher]) -> Callable[[KnowledgeBase], Matcher]:
    """``build``, then the new matcher's vectors, so a moderator's change is answerable
    by meaning at once (only the texts it changed are embedded)."""

    def build_prepared(knowledge: KnowledgeBase) -> Matcher:
        matcher = build(knowledge)
        if isinstance(matcher, HybridMatcher):
            matcher.prepare()
        return matcher

    return build_prepared


async def _serve(
    service: AnswerService,
    query_log: QueryLog,
    moderation: ModerationService,
    discord_settings: DiscordSettings,
    observed: Observability | None = None,
) -> int:
    extensions = (*EXTENSIONS, MODERATION_EXTENSION)
    async with KnowledgeBot.for_settings(
        service, query_log, discord_settings, moderation=moderation, extensions=extensions
    ) as bot:
        _close_on_sigterm(bot)
        server: MetricsServer | None = None
        if observed is not None and discord_settings.metrics_port is not None:
            server = observed.server(
                bot,
                service,
                query_log,
                host=discord_settings.metrics_host,
                port=discord_settings.metrics_port,
            )
            try:
                await server.start()  # before the bot starts: /healthz says why it is not up yet
            except OSError as exc:
                where = f"{discord_settings.metrics_host}:{discord_settings.metrics_port}"
                print(
                    f"error: cannot serve metrics on {where} (BOT_METRICS_PORT): {exc}",
                    file=sys.stderr,
                )
                return EXIT_FAILURE
        try:
            await bot.start(discord_settings.token)
        except discord.LoginFailure:
            print(_TOKEN_REJECTED, file=sys.stderr)
            return EXIT_USAGE
        except commands.ExtensionError as exc:
            print(
                f"error: extension {exc.name} failed to load: {exc.__cause__ or exc}",
                file=sys.stderr,
            )
            return EXIT_FAILURE
        finally:
            if server is not None:
                await server.close()
    return EXIT_OK


async def sync_commands(
    settings: Settings,
    discord_settings: DiscordSettings,
    knowledge: KnowledgeBase,
    guild_id: int | None,
) -> int:
    """Register the slash commands globally, or in one guild (instant, for development)."""
    use_endpoints(discord_settings)
    service = AnswerService(knowledge, build_matcher(knowledge))
    # Only the command definitions matter here: an in-memory audit trail, no query log.
    audit = await AuditTrail.open(Path(":memory:"))
    moderation = ModerationService(service, KnowledgeWriter(knowledge.root), audit)
    try:
        return await _sync(service, moderation, discord_settings, guild_id)
    finally:
        await audit.close()


async def _sync(
    service: AnswerService,
    moderation: ModerationService,
    discord_settings: DiscordSettings,
    guild_id: int | None,
) -> int:
    extensions = (*EXTENSIONS, MODERATION_EXTENSION)
    async with KnowledgeBot(
        service, _NoLog(), discord_settings, moderation=moderation, extensions=extensions
    ) as bot:
        try:
            await bot.login(discord_settings.token)
        except discord.LoginFailure:
            print(_TOKEN_REJECTED, file=sys.stderr)
            return EXIT_USAGE
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    where = f"in guild {guild_id}" if guild_id else "globally (may take up to an hour to appear)"
    print(f"synced {len(synced)} commands {where}: {', '.join(sorted(c.name for c in synced))}")
    return EXIT_OK


class _NoLog:
    """``sync`` answers no questions, so it opens no query log."""

    def record(self, record: object) -> None:
        return None


def _close_on_sigterm(bot: KnowledgeBot) -> None:
    loop = asyncio.get_running_loop()
    closing: set[asyncio.Task[None]] = set()  # strong references: the loop keeps weak ones

    def close() -> None:
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows / not main thread
        loop.add_signal_handler(signal.SIGTERM, close)
