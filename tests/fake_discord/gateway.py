"""The gateway half of the fake: a websocket speaking Discord's gateway protocol v10.

Only text frames are sent, so discord.py never needs its zlib-stream decompressor
even though it asks for ``compress=zlib-stream`` in the URL.

Protocol as implemented (and as discord.py 2.7.1 drives it):
HELLO (op 10) -> the client heartbeats at once (op 1, answered with op 11) and
sends IDENTIFY (op 2) -> READY + GUILD_CREATE dispatches (op 0). A reconnecting
client sends RESUME (op 6) instead and gets RESUMED, or INVALID_SESSION (op 9,
``d: false``) when the session is gone, after which it IDENTIFYs again.

Sharding as Discord does it: IDENTIFY's ``shard`` ``[shard_id, shard_count]`` (absent
means ``[0, 1]``) decides which guilds the session gets in READY and GUILD_CREATE, and
where each event goes: a guild's events to the live session whose shard is
``(guild_id >> 22) % shard_count``, events without a guild (DMs) to shard 0. Several
connections, from one client or many processes, can be live at once.
"""

# ruff: noqa: ASYNC109 -- waits take a per-call ``timeout`` by design (the tests' API).

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .models import Json, shard_for
from .payloads import guild_create_json, member_json, ready_json
from .state import FakeState

HEARTBEAT_INTERVAL_MS = 41_250
CLOSE_UNKNOWN_ERROR = 4000  # Discord's "reconnect and resume" close code
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_SESSION_TIMED_OUT = 4009  # "reconnect and start a new session"
CLOSE_INVALID_SHARD = 4010

EventBuilder = Callable[[int], Json | None]
"""Builds a dispatch's ``d`` from the session's intents; None means "not delivered"."""


@dataclass(frozen=True)
class GatewayFrame:
    """One frame the bot sent to the gateway (heartbeats included)."""

    op: int
    data: Any


@dataclass
class Session:
    """A gateway session: what RESUME refers to and what numbers the dispatches."""

    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)
    """``(shard_id, shard_count)`` from IDENTIFY."""
    seq: int = 0
    invalid: bool = False

    def next_seq(self) -> int:
        """The sequence number of the next dispatch (op 0) in this session."""
        self.seq += 1
        return self.seq

    def owns(self, guild_id: int | None) -> bool:
        """Whether Discord sends this guild's events (None: DMs) to this session."""
        shard_id, shard_count = self.shard
        return shard_for(guild_id, shard_count) == shard_id


@dataclass(eq=False)
class Connection:
    """One websocket; ``session`` is set once it has IDENTIFYed or RESUMEd."""

    ws: web.WebSocketResponse
    session: Session | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(
        self, op: int, data: Any, *, event: str | None = None, seq: int | None = None
    ) -> None:
        """Send one frame; the lock keeps frames from concurrent tasks whole and ordered."""
        async with self.lock:
            await self.ws.send_str(json.dumps({"op": op, "d": data, "s": seq, "t": event}))


def parse_shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's ``shard``: ``(shard_id, shard_count)``, ``(0, 1)`` when absent, None
    when invalid (Discord closes such a connection with 4010)."""
    if value is None:
        return (0, 1)
    if not isinstance(value, list) or len(value) != 2:
        return None
    shard_id, shard_count = value
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        return None
    return (shard_id, shard_count) if 0 <= shard_id < shard_count else None


class Gateway:
    """Accepts bot connections and dispatches each event to the live connection whose
    shard owns it (the newest such connection, if several do)."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self._connections: set[Connection] = set()
        self._sessions: dict[str, Session] = {}
        self._live: list[Connection] = []
        """Connections with a session, oldest first (IDENTIFY or RESUME order)."""
        self.frames: list[GatewayFrame] = []
        self.accepting = asyncio.Event()
        """Cleared, new connections wait (unanswered, as behind a dead network) until set."""
        self.accepting.set()
        self.resume_count = 0

    @property
    def identify_count(self) -> int:
        """How many IDENTIFYs completed (READY sent), all shards together."""
        return len(self._state.identified)

    @property
    def current(self) -> Connection | None:
        """The newest live connection, if any."""
        live = self.live_connections()
        return live[-1] if live else None

    def live_connections(self) -> list[Connection]:
        """Open connections with a session, oldest first."""
        return [c for c in self._live if not c.ws.closed and c.session is not None]

    def connection_for(self, guild_id: int | None) -> Connection | None:
        """The live connection Discord would send this guild's events to (None: DMs)."""
        owners = [c for c in self.live_connections() if c.session and c.session.owns(guild_id)]
        return owners[-1] if owners else None

    def connection_for_shard(self, shard_id: int | None) -> Connection | None:
        """The newest live connection for shard ``shard_id`` (any, if None)."""
        live = [
            c
            for c in self.live_connections()
            if shard_id is None or (c.session is not None and c.session.shard[0] == shard_id)
        ]
        return live[-1] if live else None

    def _go_live(self, conn: Connection) -> None:
        if conn in self._live:
            self._live.remove(conn)
        self._live.append(conn)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp entry point for ``/gateway``: one bot connection, until it closes."""
        await self.accepting.wait()
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws)
        self._connections.add(conn)
        try:
            await conn.send(10, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(message.data))
        finally:
            self._connections.discard(conn)
            if conn in self._live:
                self._live.remove(conn)
            self._state.changes.notify()
        return ws

    async def _on_frame(self, conn: Connection, frame: Json) -> None:
        op, data = frame.get("op"), frame.get("d")
        self.frames.append(GatewayFrame(int(op or 0), data))
        if op == 1:
            await conn.send(11, None)
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op == 8:
            await self._request_members(conn, data or {})
        self._state.changes.notify()

    async def _identify(self, conn: Connection, data: Json) -> None:
        valid = self._state.valid_token
        if valid is not None and data.get("token") != valid:
            await conn.ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        if conn.session is not None:
            await conn.ws.close(code=CLOSE_ALREADY_AUTHENTICATED, message=b"Already authenticated.")
            return
        shard = parse_shard(data.get("shard"))
        if shard is None:
            await conn.ws.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
            return
        session = Session(uuid.uuid4().hex, int(data.get("intents") or 0), shard)
        self._sessions[session.id] = session
        world = self._state.world
        guilds = [g for g in world.guilds if session.owns(g.id)]
        ready = ready_json(
            world,
            session_id=session.id,
            resume_gateway_url=self._state.gateway_url,
            shard=data.get("shard"),
            guilds=guilds,
        )
        await conn.send(0, ready, event="READY", seq=session.next_seq())
        for guild in guilds:
            payload = guild_create_json(world, guild)
            await conn.send(0, payload, event="GUILD_CREATE", seq=session.next_seq())
        conn.session = session
        self._go_live(conn)
        if self._state.first_identify_at is None:
            self._state.first_identify_at = time.monotonic()
        self._state.identified.append(shard)

    async def _resume(self, conn: Connection, data: Json) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        valid = self._state.valid_token
        if session is None or session.invalid or (valid is not None and data.get("token") != valid):
            # Discord answers an unknown session with op 9 d=false: start a new one.
            await conn.send(9, False)
            return
        # Nothing is replayed: the fake only dispatches to a live connection.
        conn.session = session
        await conn.send(0, {}, event="RESUMED", seq=session.next_seq())
        self._go_live(conn)
        self.resume_count += 1

    async def _request_members(self, conn: Connection, data: Json) -> None:
        """REQUEST_GUILD_MEMBERS (op 8, used by ``guild.chunk()``): one chunk with everyone."""
        if conn.session is None:
            return
        world = self._state.world
        guild_id = str(data.get("guild_id"))
        user_ids = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "")
        found = [
            u
            for u in world.members
            if (not user_ids or u.id in user_ids) and u.username.startswith(query)
        ]
        chunk = {
            "guild_id": guild_id,
            "members": [member_json(world, u) for u in found],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await conn.send(0, chunk, event="GUILD_MEMBERS_CHUNK", seq=conn.session.next_seq())

    async def dispatch(
        self, event: str, data: Json | EventBuilder, timeout: float, *, guild_id: int | None
    ) -> bool:
        """Send an op 0 event to the connection that owns ``guild_id`` (None: a DM, shard
        0), waiting up to ``timeout`` s for one to be live.

        ``data`` may be a builder taking the session's intents, for events Discord
        filters or redacts by intent. Returns False when the builder withheld it.
        """
        where = "a connected bot" if guild_id is None else f"a bot connected for guild {guild_id}"
        conn = await self._state.changes.wait_until(
            lambda: self.connection_for(guild_id), timeout, where
        )
        assert conn.session is not None
        payload = data(conn.session.intents) if callable(data) else data
        if payload is None:
            return False
        await conn.send(0, payload, event=event, seq=conn.session.next_seq())
        return True

    async def drop(self, *, resumable: bool, shard_id: int | None = None) -> None:
        """Close the newest live connection (of shard ``shard_id``, if given) the way
        Discord does when it drops a bot.

        Resumable: close code 4000, so the client reconnects to
        ``resume_gateway_url`` and RESUMEs. Not resumable: the session is
        forgotten and the close code is 4009, so the client's RESUME gets
        INVALID_SESSION and it IDENTIFYs again.
        """
        conn = self.connection_for_shard(shard_id)
        if conn is None:
            raise RuntimeError("no bot is connected to the fake gateway")
        self._live.remove(conn)
        code = CLOSE_UNKNOWN_ERROR
        if not resumable:
            code = CLOSE_SESSION_TIMED_OUT
            if conn.session is not None:
                conn.session.invalid = True
        await conn.ws.close(code=code, message=b"dropped by the fake")
        self._state.changes.notify()

    async def close(self) -> None:
        """Close every connection (code 1001, "going away") before the server stops."""
        self.accepting.set()  # a held connection attempt must not hold up the shutdown
        for conn in list(self._connections):
            await conn.ws.close(code=1001, message=b"fake server stopping")
