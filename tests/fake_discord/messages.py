"""What the bot's REST calls do to the fake's world: messages, edits, command syncs.

Kept apart from the routing in ``rest.py`` so the rules (what Discord echoes back,
what a deferred response looks like, which message ``@original`` is) read in one
place.
"""

from __future__ import annotations

import datetime
from typing import Any

from .models import FakeChannel, FakeUser, Json, RecordedFile
from .payloads import APPLICATION_ID, member_json, message_json, user_json
from .state import FakeState, InteractionRecord

EPHEMERAL = 1 << 6
LOADING = 1 << 7  # the "Bot is thinking..." state of a deferred response
CONTENT_KEYS = ("content", "embeds", "components", "tts", "allowed_mentions", "poll", "flags")


def member(state: FakeState, user: FakeUser) -> Json:
    """GET /guilds/{id}/members/{id}: a member with its user object."""
    return member_json(state.world, user)


def _attachments(
    state: FakeState, channel: FakeChannel, body: Json, files: list[RecordedFile]
) -> list[Json]:
    """Attachment objects for the files uploaded with a message.

    discord.py names file parts ``files[N]`` and lists ``{"id": N, ...}`` in the
    payload's ``attachments``; existing attachments kept on an edit carry their
    real (snowflake) id and are passed through.
    """
    by_field = {f.field_name: f for f in files}
    result: list[Json] = []
    for item in body.get("attachments") or []:
        upload = by_field.get(f"files[{item.get('id')}]")
        if upload is None:
            result.append(item)
            continue
        attachment_id = state.snowflakes.next()
        filename = upload.filename or item.get("filename") or "file"
        # A URL on the fake itself: nothing a bot does with an attachment leaves 127.0.0.1.
        url = f"{state.http_base}/attachments/{channel.id}/{attachment_id}/{filename}"
        result.append(
            {
                "id": str(attachment_id),
                "filename": filename,
                "size": upload.size,
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
                "description": item.get("description"),
            }
        )
    return result


def _content(state: FakeState, channel: FakeChannel, body: Json, files: list[RecordedFile]) -> Json:
    """The message keys a send or edit body sets, echoed as Discord would."""
    fields = {key: body[key] for key in CONTENT_KEYS if key in body}
    if "attachments" in body or files:
        fields["attachments"] = _attachments(state, channel, body, files)
    if "flags" in fields:
        fields["flags"] = int(fields["flags"] or 0)
    return fields


def _store(state: FakeState, message: Json) -> Json:
    state.messages[int(message["id"])] = message
    return message


def _interaction_message(
    state: FakeState, record: InteractionRecord, body: Json, files: list[RecordedFile], flags: int
) -> Json:
    """A message posted through an interaction: authored by the bot via its app webhook."""
    message_id = state.snowflakes.next()
    channel = record.channel
    extra = _content(state, channel, body, files)
    extra["flags"] = flags | int(extra.get("flags", 0))
    extra["webhook_id"] = str(APPLICATION_ID)
    extra["application_id"] = str(APPLICATION_ID)
    extra["interaction_metadata"] = {
        "id": str(record.id),
        "type": record.interaction_type,
        "user": user_json(record.user),
        "authorizing_integration_owners": {"0": str(channel.guild_id or 0)},
    }
    message = message_json(
        state.world,
        message_id=message_id,
        author=state.world.bot_user,
        content=str(extra.pop("content", "") or ""),
        message_type=record.message_type,
        extra=extra,
        channel=channel,
    )
    return _store(state, message)


def apply_callback(
    state: FakeState, record: InteractionRecord, body: Json, files: list[RecordedFile]
) -> Json:
    """Apply an interaction callback and build the ``with_response=1`` answer.

    discord.py 2.7.1 always asks ``with_response`` and reads
    ``interaction.response_message_id`` from the answer: that is the message id it
    binds a view to, so it must match the stored message a later click refers to.
    """
    callback_type = body.get("type")
    data: Json = body.get("data") or {}
    interaction: Json = {"id": str(record.id), "type": record.interaction_type}
    result: Json = {"interaction": interaction}
    message: Json | None = None
    if callback_type in (4, 5):
        flags = int(data.get("flags") or 0) | (LOADING if callback_type == 5 else 0)
        content_body = data if callback_type == 4 else {}
        message = _interaction_message(state, record, content_body, files, flags)
        state.originals[record.token] = int(message["id"])
        interaction["response_message_loading"] = callback_type == 5
        interaction["response_message_ephemeral"] = bool(flags & EPHEMERAL)
    elif callback_type == 7 and record.source_message_id in state.messages:
        assert record.source_message_id is not None
        message = edit_message(state, record.source_message_id, data, files)
    if message is not None:
        interaction["response_message_id"] = message["id"]
        result["resource"] = {"type": callback_type, "message": message}
    return result


def create_followup(
    state: FakeState, record: InteractionRecord, body: Json, files: list[RecordedFile]
) -> Json:
    """POST /webhooks/{app}/{token}: a followup message; the first one becomes
    ``@original`` if the callback posted no message (e.g. a deferred update)."""
    message = _interaction_message(state, record, body, files, 0)
    state.originals.setdefault(record.token, int(message["id"]))
    return message


def edit_message(state: FakeState, message_id: int, body: Json, files: list[RecordedFile]) -> Json:
    """Apply an edit: only keys present in the body change; editing ends "thinking"."""
    message = state.messages[message_id]
    channel = state.channel(int(message["channel_id"])) or state.world.default_guild.channel
    message.update(_content(state, channel, body, files))
    message["flags"] = int(message.get("flags") or 0) & ~LOADING
    message["edited_timestamp"] = datetime.datetime.now(tz=datetime.UTC).isoformat()
    return message


def create_bot_message(
    state: FakeState, channel: FakeChannel, body: Json, files: list[RecordedFile]
) -> Json:
    """POST /channels/{id}/messages: echo the message as Discord stores it.

    A reply's ``message_reference`` gets its channel and guild filled in and the
    referenced message attached as ``referenced_message``, as in Discord's answer.
    """
    message_id = state.snowflakes.next()
    extra = _content(state, channel, body, files)
    extra["nonce"] = body.get("nonce")
    message_type = 0
    reference: Json | None = body.get("message_reference")
    if reference is not None:
        given: Json = {k: str(v) if k.endswith("_id") else v for k, v in reference.items()}
        defaults: Json = {"type": 0, "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            defaults["guild_id"] = str(channel.guild_id)
        reference = defaults | given
        referenced = state.messages.get(int(reference.get("message_id") or 0))
        extra["message_reference"] = reference
        extra["referenced_message"] = referenced
        message_type = 19
    message = message_json(
        state.world,
        message_id=message_id,
        author=state.world.bot_user,
        content=str(extra.pop("content", "") or ""),
        message_type=message_type,
        extra=extra,
        channel=channel,
    )
    return _store(state, message)


def reference_is_missing(state: FakeState, body: Json) -> bool:
    """True when a reply points at an unknown message and asked to fail in that case."""
    reference: Json | None = body.get("message_reference")
    if not reference or reference.get("fail_if_not_exists") is False:
        return False
    return int(reference.get("message_id") or 0) not in state.messages


def register_commands(state: FakeState, scope: int | None, body: list[Json]) -> list[Json]:
    """Bulk overwrite: echo each command with ids, keeping the id of a same-named one.

    Discord fills ``description`` with "" for context-menu commands; discord.py's
    AppCommand reads it unconditionally.
    """
    previous = {(c["name"], c.get("type", 1)): c["id"] for c in state.commands.get(scope, [])}
    echoed: list[Json] = []
    for command in body:
        key = (command["name"], command.get("type", 1))
        defaults: dict[str, Any] = {
            "id": previous.get(key) or str(state.snowflakes.next()),
            "application_id": str(APPLICATION_ID),
            "version": str(state.snowflakes.next()),
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "integration_types": [0],
            "contexts": None,
        }
        if scope is not None:
            defaults["guild_id"] = str(scope)
        echo = defaults | {k: v for k, v in command.items() if v is not None}
        if echo["default_member_permissions"] is not None:  # sent as an int, answered as a string
            echo["default_member_permissions"] = str(echo["default_member_permissions"])
        echoed.append(echo)
    state.commands[scope] = echoed
    return echoed
