"""Value types shared by the fake Discord server and the tests that drive it.

Everything here is plain data: the server fills these in, tests read them. Ids are
ints on the Python side and strings on the wire, exactly as Discord does it.
"""

# ruff: noqa: ASYNC109 -- waits take a per-call ``timeout`` by design (the tests' API).

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
"""A decoded JSON object as Discord sends or receives it."""

DISCORD_EPOCH_MS = 1_420_070_400_000


class Permission(enum.IntFlag):
    """Discord permission bits the fake's roles use (see Discord's "Permissions" docs).

    Only the bits a bot commonly checks are named; the values are Discord's, so
    ``discord.Permissions(int(Permission.MANAGE_GUILD)).manage_guild`` is true.
    """

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40


ALL_PERMISSIONS = (1 << 51) - 1
"""What Discord reports for administrators and the guild owner: every bit set."""


def shard_for(guild_id: int | None, shard_count: int) -> int:
    """The shard Discord sends a guild's events to: ``(guild_id >> 22) % shard_count``.

    Events without a guild (direct messages) go to shard 0, as on Discord.
    """
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


class Snowflakes:
    """Hands out unique, increasing snowflake ids whose timestamp is "now".

    discord.py derives ``created_at`` from the id, so realistic timestamps keep
    age-based logic in the bot (cooldowns, "message too old") behaving as live.
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a new id, strictly greater than every id handed out before."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A new id that :func:`shard_for` sends to ``shard_id`` of ``shard_count``.

        The timestamp part is moved at most ``shard_count - 1`` milliseconds ahead,
        so the id is still "now" and every later id is still greater.
        """
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"shard {shard_id} is not one of {shard_count} shards")
        candidate = self.next()
        while shard_for(candidate, shard_count) != shard_id:
            candidate = ((candidate >> 22) + 1) << 22  # the first id of the next millisecond
        self._last = candidate
        return candidate


@dataclass(frozen=True)
class FakeRole:
    """A guild role. ``permissions`` is the raw bit field Discord sends as a string."""

    id: int
    name: str
    permissions: int
    position: int
    managed: bool = False
    bot_id: int | None = None
    color: int = 0


@dataclass(frozen=True)
class FakeUser:
    """A user who can act in the fake guild (run commands, click, post messages).

    ``permissions=None`` means "compute from the guild's roles", which is what
    Discord does; pass an int to force a value (it is then sent verbatim in the
    interaction member's ``permissions`` string).
    """

    id: int
    username: str
    roles: tuple[int, ...] = ()
    permissions: int | None = None
    bot: bool = False
    global_name: str | None = None
    nick: str | None = None


@dataclass(frozen=True)
class FakeChannel:
    """Where users talk to the bot: a guild's text channel, or a direct-message
    channel (``guild_id`` None) with one ``recipient``."""

    id: int
    name: str | None = None
    guild_id: int | None = None
    recipient: FakeUser | None = None


@dataclass(frozen=True)
class FakeGuild:
    """A guild the bot is in, with one text channel; every guild has the same members
    and roles (only ``@everyone``, whose id is the guild's, differs)."""

    id: int
    name: str
    channel_id: int
    channel_name: str = "general"

    @property
    def channel(self) -> FakeChannel:
        """The guild's text channel."""
        return FakeChannel(self.channel_id, self.channel_name, self.id)

    def shard_id(self, shard_count: int) -> int:
        """The shard of ``shard_count`` that Discord sends this guild's events to."""
        return shard_for(self.id, shard_count)


@dataclass(frozen=True)
class RecordedFile:
    """One file part of a multipart request: form field name, file name, size in bytes."""

    field_name: str
    filename: str | None
    size: int
    content_type: str | None


@dataclass(frozen=True)
class RecordedRequest:
    """One REST call the bot made, as the fake received and answered it.

    ``path`` excludes the ``/api/v10`` prefix. ``json`` is the parsed JSON body, or
    the parsed ``payload_json`` part of a multipart body (then ``files`` lists the
    file parts). ``status`` and ``response`` are what the fake sent back, so a
    test can see 404s for routes the fake does not know.
    """

    method: str
    path: str
    query: Mapping[str, str]
    json: Any
    headers: Mapping[str, str]
    files: tuple[RecordedFile, ...] = ()
    status: int = 200
    response: Any = None


RequestPredicate = Callable[[RecordedRequest], bool]
RequestWaiter = Callable[[RequestPredicate, float], Awaitable[RecordedRequest]]


@dataclass(frozen=True)
class InteractionHandle:
    """An interaction the fake dispatched, with waits for the bot's answers to it.

    Discord answers an interaction in two steps: one callback POST (which decides
    what the user sees first) and then optional followups or edits through the
    interaction's webhook token. The handle waits for each of them.
    """

    id: int
    token: str
    application_id: int
    payload: Json = field(repr=False)
    _wait: RequestWaiter = field(repr=False, compare=False)

    @property
    def callback_path(self) -> str:
        """The REST path of this interaction's callback."""
        return f"/interactions/{self.id}/{self.token}/callback"

    @property
    def webhook_path(self) -> str:
        """The REST path prefix of followups and edits for this interaction."""
        return f"/webhooks/{self.application_id}/{self.token}"

    async def callback(self, timeout: float = 5.0) -> Json:
        """Wait for the callback POST and return its body (``type`` plus ``data``)."""
        path = self.callback_path
        request = await self._wait(lambda r: r.method == "POST" and r.path == path, timeout)
        body: Json = request.json
        return body

    async def followup(self, timeout: float = 5.0) -> Json:
        """Wait for the first followup POST or edit of ``@original``; return its body."""
        base = self.webhook_path

        def is_followup(r: RecordedRequest) -> bool:
            return (r.method == "POST" and r.path == base) or (
                r.method == "PATCH" and r.path == f"{base}/messages/@original"
            )

        request = await self._wait(is_followup, timeout)
        body: Json = request.json
        return body


def option(
    name: str,
    value: str | int | float | bool,
    *,
    option_type: int | None = None,
    focused: bool = False,
) -> Json:
    """Build one slash-command option as Discord sends it in interaction data.

    The type is inferred from the Python value (str 3, int 4, bool 5, float 10)
    because discord.py's namespace parsing reads ``type`` to decide how to
    convert ``value``. Pass ``option_type`` for users (6), channels (7), roles
    (8) and the like; those also need ``resolved`` data on the interaction.
    """
    if option_type is None:
        if isinstance(value, bool):
            option_type = 5
        elif isinstance(value, int):
            option_type = 4
        elif isinstance(value, float):
            option_type = 10
        else:
            option_type = 3
    result: Json = {"name": name, "type": option_type, "value": value}
    if focused:
        result["focused"] = True
    return result
