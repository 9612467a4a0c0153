"""The REST half of the fake: Discord's HTTP API under ``/api/v10``.

Every call is recorded (see :class:`RecordedRequest`) before the handler's answer
is sent. Routes the fake does not know answer 404 ``{"message": "Unknown route",
"code": 0}`` so a missing route shows up as a NotFound in the bot and as a
recorded request with status 404, instead of hanging.

JSON answers carry ``Content-Type: application/json`` exactly: discord.py only
decodes a body when the header equals that string, and aiohttp's
``json_response`` appends ``; charset=utf-8``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from . import messages
from .models import FakeChannel, Json, RecordedFile, RecordedRequest
from .payloads import APPLICATION_ID, any_channel_json, application_json, user_json
from .state import FakeState

API_PREFIX = "/api/v10"
SESSION_STARTS_PER_DAY = 1000  # Discord's default session start limit
DAY_MS = 24 * 60 * 60 * 1000


@dataclass
class Call:
    """A parsed request handed to a route handler."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[RecordedFile] = field(default_factory=list)


@dataclass
class Reply:
    """A handler's answer: a status and a JSON body (None means no body)."""

    status: int
    body: Any = None


def error(status: int, message: str, code: int) -> Reply:
    """A Discord-style error body (discord.py puts ``code`` into HTTPException.code)."""
    return Reply(status, {"message": message, "code": code})


Handler = Callable[[Call], Awaitable[Reply]]


class RestApi:
    """Routes REST calls to handlers that read and change the shared :class:`FakeState`."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        add = self._add
        add("GET", "/users/@me", self._get_me)
        add("GET", "/oauth2/applications/@me", self._get_application)
        add("GET", "/gateway", self._get_gateway)
        add("GET", "/gateway/bot", self._get_gateway_bot)
        add("POST", "/interactions/{interaction_id}/{token}/callback", self._callback)
        add("POST", "/webhooks/{app_id}/{token}", self._execute_webhook)
        add("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message)
        add("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message)
        add("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message)
        add("GET", "/channels/{channel_id}", self._get_channel)
        add("POST", "/channels/{channel_id}/messages", self._create_message)
        add("POST", "/channels/{channel_id}/typing", self._no_content)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
        add("PUT", reaction, self._no_content)
        add("DELETE", reaction, self._no_content)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        for scope in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            add("GET", scope + "/commands", self._get_commands)
            add("PUT", scope + "/commands", self._put_commands)

    def _add(self, method: str, template: str, handler: Handler) -> None:
        """Register a route; ``{name}`` in the template matches one path segment."""
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp entry point for every ``/api/v10/...`` request."""
        path = request.rel_url.path.removeprefix(API_PREFIX)
        body, files = await _read_body(request)
        reply = error(404, "Unknown route", 0)
        for method, pattern, handler in self._routes:
            match = pattern.match(path)
            if method == request.method and match:
                call = Call(
                    request.method, path, match.groupdict(), dict(request.query), body, files
                )
                reply = self._check_auth(request, path) or await handler(call)
                break
        self._state.record(
            RecordedRequest(
                method=request.method,
                path=path,
                query=dict(request.query),
                json=body,
                headers=dict(request.headers),
                files=tuple(files),
                status=reply.status,
                response=reply.body,
            )
        )
        if reply.body is None:
            return web.Response(status=reply.status)
        return web.Response(
            status=reply.status,
            body=json.dumps(reply.body).encode(),
            headers={"Content-Type": "application/json"},
        )

    def _check_auth(self, request: web.Request, path: str) -> Reply | None:
        """With ``valid_token`` set, bot-authenticated routes reject other tokens with 401.

        Interaction callbacks and webhooks authenticate by their URL token, as in Discord.
        """
        expected = self._state.valid_token
        if expected is None or path.startswith(("/interactions/", "/webhooks/")):
            return None
        if request.headers.get("Authorization") == f"Bot {expected}":
            return None
        return error(401, "401: Unauthorized", 0)

    # -- login and gateway discovery ---------------------------------------------------

    async def _get_me(self, call: Call) -> Reply:
        me = user_json(self._state.world.bot_user)
        return Reply(200, me | {"verified": True, "mfa_enabled": False, "locale": "en-US"})

    async def _get_application(self, call: Call) -> Reply:
        return Reply(200, application_json(self._state.world))

    async def _get_gateway(self, call: Call) -> Reply:
        return Reply(200, {"url": self._state.gateway_url})

    async def _get_gateway_bot(self, call: Call) -> Reply:
        """The URL, the recommended shard count and the session start limit, whose
        ``remaining`` counts down with every IDENTIFY since the fake started."""
        state = self._state
        if state.first_identify_at is None:
            reset_after = 0
        else:
            elapsed_ms = int((time.monotonic() - state.first_identify_at) * 1000)
            reset_after = max(DAY_MS - elapsed_ms, 0)
        limit = {
            "total": SESSION_STARTS_PER_DAY,
            "remaining": max(SESSION_STARTS_PER_DAY - len(state.identified), 0),
            "reset_after": reset_after,
            "max_concurrency": state.max_concurrency,
        }
        return Reply(
            200,
            {
                "url": state.gateway_url,
                "shards": state.recommended_shards,
                "session_start_limit": limit,
            },
        )

    # -- interactions and their webhook -----------------------------------------------

    async def _callback(self, call: Call) -> Reply:
        record = self._state.interactions.get(int(call.params["interaction_id"]))
        if record is None or record.token != call.params["token"]:
            return error(404, "Unknown interaction", 10062)
        if record.acknowledged:
            return error(400, "Interaction has already been acknowledged.", 40060)
        record.acknowledged = True
        result = messages.apply_callback(self._state, record, call.json or {}, call.files)
        return (
            Reply(200, result) if call.query.get("with_response") in ("1", "true") else Reply(204)
        )

    async def _execute_webhook(self, call: Call) -> Reply:
        record = self._state.interaction_for_token(call.params["token"])
        if call.params["app_id"] != str(APPLICATION_ID) or record is None:
            return error(404, "Unknown Webhook", 10015)
        if not record.acknowledged:
            # Discord only accepts followups once the interaction has been answered.
            return error(404, "Unknown Webhook", 10015)
        message = messages.create_followup(self._state, record, call.json or {}, call.files)
        return Reply(200, message) if call.query.get("wait") in ("1", "true") else Reply(204)

    async def _webhook_message(self, call: Call) -> Reply:
        token = call.params["token"]
        record = self._state.interaction_for_token(token)
        if call.params["app_id"] != str(APPLICATION_ID) or record is None:
            return error(404, "Unknown Webhook", 10015)
        raw_id = call.params["message_id"]
        if raw_id == "@original":
            message_id = self._state.originals.get(token, record.source_message_id)
        else:
            message_id = int(raw_id) if raw_id.isdigit() else None
        return self._message_action(call, message_id)

    # -- channels and messages -----------------------------------------------------------

    def _known_channel(self, call: Call) -> FakeChannel | None:
        raw_id = call.params["channel_id"]
        return self._state.channel(int(raw_id)) if raw_id.isdigit() else None

    async def _get_channel(self, call: Call) -> Reply:
        channel = self._known_channel(call)
        if channel is None:
            return error(404, "Unknown Channel", 10003)
        return Reply(200, any_channel_json(channel))

    async def _create_message(self, call: Call) -> Reply:
        channel = self._known_channel(call)
        if channel is None:
            return error(404, "Unknown Channel", 10003)
        body = call.json or {}
        if not (body.get("content") or body.get("embeds") or body.get("components") or call.files):
            return error(400, "Cannot send an empty message", 50006)
        if messages.reference_is_missing(self._state, body):
            return error(400, "Invalid Form Body: Unknown message", 50035)
        return Reply(200, messages.create_bot_message(self._state, channel, body, call.files))

    async def _channel_message(self, call: Call) -> Reply:
        if self._known_channel(call) is None:
            return error(404, "Unknown Channel", 10003)
        raw_id = call.params["message_id"]
        return self._message_action(call, int(raw_id) if raw_id.isdigit() else None)

    def _message_action(self, call: Call, message_id: int | None) -> Reply:
        """GET, PATCH or DELETE one stored message."""
        message = self._state.messages.get(message_id) if message_id is not None else None
        if message_id is None or message is None:
            return error(404, "Unknown Message", 10008)
        if call.method == "DELETE":
            del self._state.messages[message_id]
            return Reply(204)
        if call.method == "PATCH":
            message = messages.edit_message(self._state, message_id, call.json or {}, call.files)
        return Reply(200, message)

    async def _no_content(self, call: Call) -> Reply:
        return Reply(204)

    async def _get_member(self, call: Call) -> Reply:
        world = self._state.world
        user = world.find_user(int(call.params["user_id"]))
        raw_guild = call.params["guild_id"]
        if not raw_guild.isdigit() or world.guild(int(raw_guild)) is None or user is None:
            return error(404, "Unknown Member", 10007)
        return Reply(200, messages.member(self._state, user))

    # -- application commands ------------------------------------------------------------

    async def _get_commands(self, call: Call) -> Reply:
        scope = int(call.params["guild_id"]) if "guild_id" in call.params else None
        return Reply(200, self._state.commands.get(scope, []))

    async def _put_commands(self, call: Call) -> Reply:
        if call.params["app_id"] != str(APPLICATION_ID):
            return error(403, "Missing Access", 50001)
        scope = int(call.params["guild_id"]) if "guild_id" in call.params else None
        body: list[Json] = call.json or []
        self._state.registered_commands = body
        return Reply(200, messages.register_commands(self._state, scope, body))


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    """Parse a JSON body, or a multipart body's ``payload_json`` part plus its files."""
    if request.content_type == "multipart/form-data":
        payload: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader):
                continue  # a nested multipart: Discord's clients never send one
            data = await part.read()
            if part.name == "payload_json":
                payload = json.loads(data)
            else:
                content_type = part.headers.get("Content-Type")
                files.append(RecordedFile(part.name or "", part.filename, len(data), content_type))
        return payload, files
    raw = await request.read()
    if raw and request.content_type == "application/json":
        return json.loads(raw), []
    return None, []
