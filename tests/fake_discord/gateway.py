"""The gateway half of the fake: a websocket speaking Discord's gateway protocol v10.

Only text frames are sent, so discord.py never needs its zlib-stream decompressor
even though it asks for ``compress=zlib-stream`` in the URL.

Protocol as implemented (and as discord.py 2.7.1 drives it):
HELLO (op 10) -> the client heartbeats at once (op 1, answered with op 11) and
sends IDENTIFY (op 2) -> READY + GUILD_CREATE dispatches (op 0). A reconnecting
client sends RESUME (op 6) instead and gets RESUMED, or INVALID_SESSION (op 9,
``d: false``) when the session is gone, after which it IDENTIFYs again.
"""

# ruff: noqa: ASYNC109 -- waits take a per-call ``timeout`` by design (the tests' API).

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .models import Json
from .payloads import GUILD_ID, guild_create_json, member_json, ready_json
from .state import FakeState

HEARTBEAT_INTERVAL_MS = 41_250
CLOSE_UNKNOWN_ERROR = 4000  # Discord's "reconnect and resume" close code
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_SESSION_TIMED_OUT = 4009  # "reconnect and start a new session"

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
    seq: int = 0
    invalid: bool = False

    def next_seq(self) -> int:
        """The sequence number of the next dispatch (op 0) in this session."""
        self.seq += 1
        return self.seq


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


class Gateway:
    """Accepts bot connections and dispatches events to the live one."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self._connections: set[Connection] = set()
        self._sessions: dict[str, Session] = {}
        self.current: Connection | None = None
        self.frames: list[GatewayFrame] = []
        self.accepting = asyncio.Event()
        """Cleared, new connections wait (unanswered, as behind a dead network) until set."""
        self.accepting.set()
        self.identify_count = 0
        self.resume_count = 0

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
            if self.current is conn:
                self.current = None
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
        session = Session(uuid.uuid4().hex, int(data.get("intents") or 0))
        self._sessions[session.id] = session
        world = self._state.world
        ready = ready_json(
            world,
            session_id=session.id,
            resume_gateway_url=self._state.gateway_url,
            shard=data.get("shard"),
        )
        await conn.send(0, ready, event="READY", seq=session.next_seq())
        guild = guild_create_json(world)
        await conn.send(0, guild, event="GUILD_CREATE", seq=session.next_seq())
        conn.session = session
        self.current = conn
        self.identify_count += 1

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
        self.current = conn
        self.resume_count += 1

    async def _request_members(self, conn: Connection, data: Json) -> None:
        """REQUEST_GUILD_MEMBERS (op 8, used by ``guild.chunk()``): one chunk with everyone."""
        if conn.session is None:
            return
        world = self._state.world
        user_ids = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "")
        found = [
            u
            for u in world.members
            if (not user_ids or u.id in user_ids) and u.username.startswith(query)
        ]
        chunk = {
            "guild_id": str(GUILD_ID),
            "members": [member_json(world, u) for u in found],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await conn.send(0, chunk, event="GUILD_MEMBERS_CHUNK", seq=conn.session.next_seq())

    def _live(self) -> Connection | None:
        conn = self.current
        return conn if conn is not None and not conn.ws.closed else None

    async def dispatch(self, event: str, data: Json | EventBuilder, timeout: float) -> bool:
        """Send an op 0 event to the live connection, waiting up to ``timeout`` s for one.

        ``data`` may be a builder taking the session's intents, for events Discord
        filters or redacts by intent. Returns False when the builder withheld it.
        """
        conn = await self._state.changes.wait_until(self._live, timeout, "a connected bot")
        assert conn.session is not None
        payload = data(conn.session.intents) if callable(data) else data
        if payload is None:
            return False
        await conn.send(0, payload, event=event, seq=conn.session.next_seq())
        return True

    async def drop(self, *, resumable: bool) -> None:
        """Close the live connection the way Discord does when it drops a bot.

        Resumable: close code 4000, so the client reconnects to
        ``resume_gateway_url`` and RESUMEs. Not resumable: the session is
        forgotten and the close code is 4009, so the client's RESUME gets
        INVALID_SESSION and it IDENTIFYs again.
        """
        conn = self._live()
        if conn is None:
            raise RuntimeError("no bot is connected to the fake gateway")
        self.current = None
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
