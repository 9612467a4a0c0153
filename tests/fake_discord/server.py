"""``FakeDiscord``: the object tests hold. Starts the server and acts as the users.

The REST side (``rest.py``) and the gateway side (``gateway.py``) share one
:class:`FakeState`; this module adds the test-facing verbs: run a slash command,
click a button, post a message, drop the connection, wait for the bot's answer.
"""

# ruff: noqa: ASYNC109 -- waits take a per-call ``timeout`` by design (the tests' API).

from __future__ import annotations

import socket
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from aiohttp import web

from .actions import UserActions
from .gateway import Gateway, GatewayFrame
from .models import FakeGuild, FakeUser, Json, RecordedRequest
from .payloads import (
    APPLICATION_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ROLE_ID,
    MODERATOR_ROLE_ID,
    World,
)
from .rest import API_PREFIX, RestApi
from .state import FakeState

HOST = "127.0.0.1"


class FakeDiscord(UserActions):
    """In-process fake of Discord's REST API and gateway for one bot user, in one guild
    with one text channel unless :meth:`add_guild` adds more.

    Use ``async with FakeDiscord() as fake:``; point discord.py at ``fake.api_base``
    (``discord.http.Route.BASE``) and ``fake.gateway_url``
    (``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``). ``valid_token`` makes
    login and IDENTIFY reject any other token, to test a bad-token path.
    ``recommended_shards`` and ``max_concurrency`` are what GET /gateway/bot tells a
    client that asks how many shards to run and how many may IDENTIFY at once.
    """

    application_id = APPLICATION_ID
    bot_user_id = BOT_USER_ID
    guild_id = GUILD_ID
    channel_id = CHANNEL_ID
    member_role_id = MEMBER_ROLE_ID
    moderator_role_id = MODERATOR_ROLE_ID

    def __init__(
        self,
        *,
        valid_token: str | None = None,
        guild_name: str = "Fake Guild",
        channel_name: str = "general",
        recommended_shards: int = 1,
        max_concurrency: int = 1,
    ) -> None:
        world = World(guild_name=guild_name, channel_name=channel_name)
        self._state = FakeState(
            world=world,
            valid_token=valid_token,
            recommended_shards=recommended_shards,
            max_concurrency=max_concurrency,
        )
        self._rest = RestApi(self._state)
        self._gateway = Gateway(self._state)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._drop_marks = (0, 0)  # (identify_count, resume_count) at the last drop
        self._command_ids: dict[tuple[str, int], int] = {}

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port (the OS picks it, so tests can run in parallel)."""
        app = web.Application()
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest.handle)
        app.router.add_get("/gateway", self._gateway.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((HOST, 0))
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self._port = int(sock.getsockname()[1])
        self._state.gateway_url = self.gateway_url
        self._state.http_base = f"http://{HOST}:{self._port}"

    async def close(self) -> None:
        """Close gateway connections, then stop the server."""
        if self._runner is None:
            return
        await self._gateway.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- what tests read -----------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """REST base URL to assign to ``discord.http.Route.BASE``."""
        return f"http://{HOST}:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Gateway URL for ``DiscordWebSocket.DEFAULT_GATEWAY`` (also the resume URL)."""
        return f"ws://{HOST}:{self._port}/gateway"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST call so far, in arrival order."""
        return self._state.requests

    @property
    def unknown_route_requests(self) -> list[RecordedRequest]:
        """REST calls that hit no route (answered 404 "Unknown route")."""
        return [
            r for r in self._state.requests if r.response == {"message": "Unknown route", "code": 0}
        ]

    @property
    def registered_commands(self) -> list[Json]:
        """The last body PUT to the global or guild bulk-overwrite commands route."""
        return self._state.registered_commands

    @property
    def messages(self) -> dict[int, Json]:
        """Every message the fake knows (sent by users or the bot), by id, oldest first."""
        return self._state.messages

    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        """Every frame the bot sent on the gateway (heartbeats, IDENTIFY, RESUME, ...)."""
        return self._gateway.frames

    @property
    def identify_count(self) -> int:
        """How many IDENTIFYs completed (READY sent), all shards together."""
        return self._gateway.identify_count

    @property
    def identified_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every completed IDENTIFY, in order; a client
        that sends no ``shard`` counts as ``(0, 1)``, as on Discord."""
        return list(self._state.identified)

    @property
    def connected_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every live session, oldest first."""
        return [c.session.shard for c in self._gateway.live_connections() if c.session]

    @property
    def resume_count(self) -> int:
        """How many RESUMEs completed (RESUMED sent)."""
        return self._gateway.resume_count

    @property
    def bot_user(self) -> FakeUser:
        """The bot's own user."""
        return self._state.world.bot_user

    @property
    def default_user(self) -> FakeUser:
        """The member who acts when a verb gets no ``user``: has only the Member role."""
        return self._state.world.default_user

    def make_user(
        self,
        username: str,
        *,
        roles: Sequence[int] = (),
        permissions: int | None = None,
        bot: bool = False,
        nick: str | None = None,
    ) -> FakeUser:
        """A new guild member. Without ``permissions`` they follow from the roles."""
        user = FakeUser(
            self._state.snowflakes.next(),
            username,
            roles=tuple(roles),
            permissions=permissions,
            bot=bot,
            nick=nick,
        )
        self._state.world.extra_users.append(user)
        return user

    def make_moderator(self, username: str = "moderator") -> FakeUser:
        """A member with the Moderator role, whose permissions include Manage Guild."""
        return self.make_user(username, roles=(MEMBER_ROLE_ID, MODERATOR_ROLE_ID))

    @property
    def default_guild(self) -> FakeGuild:
        """The guild every verb acts in unless given another (``guild_id``, ``channel_id``)."""
        return self._state.world.default_guild

    @property
    def guilds(self) -> list[FakeGuild]:
        """Every guild the bot is in, the default one first."""
        return self._state.world.guilds

    def add_guild(
        self, name: str, *, shard: tuple[int, int] | None = None, channel_name: str = "general"
    ) -> FakeGuild:
        """Put the bot in one more guild (same members and roles as the default one).

        ``shard=(shard_id, shard_count)`` picks an id that Discord's formula sends to
        that shard. Add guilds before the bot connects: a session learns its guilds
        when it IDENTIFYs (the fake sends no GUILD_CREATE for a guild joined later).
        """
        snowflakes = self._state.snowflakes
        guild_id = snowflakes.next() if shard is None else snowflakes.next_on_shard(*shard)
        guild = FakeGuild(guild_id, name, snowflakes.next(), channel_name)
        self._state.world.extra_guilds.append(guild)
        return guild

    # -- waiting -------------------------------------------------------------------------

    async def wait_until_identified(
        self, timeout: float = 5.0, *, shard_id: int | None = None, since: int | None = None
    ) -> None:
        """Wait until the bot has IDENTIFYed (and got READY + GUILD_CREATE) and is still
        connected: for shard ``shard_id`` (any shard if None), counting only IDENTIFYs
        after the first ``since`` (default: those before the last ``drop_gateway()``;
        pass ``identify_count`` read earlier to wait for a new one)."""
        start = self._drop_marks[0] if since is None else since
        identified = self._state.identified

        def done() -> bool | None:
            new = any(shard_id is None or s[0] == shard_id for s in identified[start:])
            return (new and self._gateway.connection_for_shard(shard_id) is not None) or None

        what = "the bot to IDENTIFY" + ("" if shard_id is None else f" shard {shard_id}")
        await self._state.changes.wait_until(done, timeout, what)

    async def wait_until_disconnected(
        self, timeout: float = 5.0, *, shard_id: int | None = None
    ) -> None:
        """Wait until no live connection holds shard ``shard_id`` (none at all if None),
        e.g. after a bot process was killed."""

        def done() -> bool | None:
            return self._gateway.connection_for_shard(shard_id) is None or None

        what = "the bot to disconnect" + ("" if shard_id is None else f" shard {shard_id}")
        await self._state.changes.wait_until(done, timeout, what)

    async def wait_until_resumed(self, timeout: float = 5.0) -> None:
        """Wait until the bot has RESUMEd since the last ``drop_gateway()``."""
        marks = self._drop_marks[1]

        def done() -> bool | None:
            resumed = self._gateway.resume_count > marks
            return (resumed and self._gateway.current is not None) or None

        await self._state.changes.wait_until(done, timeout, "the bot to RESUME")

    async def drop_gateway(
        self, *, resumable: bool = True, stay_down: bool = False, shard_id: int | None = None
    ) -> None:
        """Close the bot's websocket (shard ``shard_id``'s, if given) as Discord does;
        see :meth:`Gateway.drop`.

        discord.py sleeps 5 s in ``Client.before_identify_hook`` before any
        IDENTIFY but the first, so a test of the non-resumable path should give
        its bot a hook that does not sleep.

        ``stay_down`` leaves the bot's reconnection attempts unanswered (the
        connection neither opens nor fails) until :meth:`restore_gateway`, so a
        test can look at the bot while it is disconnected.
        """
        self._drop_marks = (self._gateway.identify_count, self._gateway.resume_count)
        if stay_down:
            self._gateway.accepting.clear()
        await self._gateway.drop(resumable=resumable, shard_id=shard_id)

    def restore_gateway(self) -> None:
        """Answer the connection attempts held since ``drop_gateway(stay_down=True)``."""
        self._gateway.accepting.set()
