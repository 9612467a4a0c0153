"""The fake guild and the JSON payloads Discord would send about it.

Payloads carry every key discord.py 2.7.1 reads with ``data[...]`` (a missing one
raises KeyError deep inside its parsers and the event is silently lost), plus the
optional keys real Discord sends, so bot code that reads them sees real values.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import (
    ALL_PERMISSIONS,
    DISCORD_EPOCH_MS,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    Json,
    Permission,
)

# Fixed ids make failures readable and let a bot under test hard-code role ids.
APPLICATION_ID = 1_300_000_000_000_000_001
BOT_USER_ID = APPLICATION_ID  # Discord gives a bot user the id of its application.
GUILD_ID = 1_300_000_000_000_000_100
CHANNEL_ID = 1_300_000_000_000_000_200
MEMBER_ROLE_ID = 1_300_000_000_000_000_101
MODERATOR_ROLE_ID = 1_300_000_000_000_000_102
BOT_ROLE_ID = 1_300_000_000_000_000_103
OWNER_USER_ID = 1_300_000_000_000_000_300
DEFAULT_USER_ID = 1_300_000_000_000_000_301

EVERYONE_PERMISSIONS = (
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.SEND_MESSAGES_IN_THREADS
)
MODERATOR_PERMISSIONS = (
    Permission.MANAGE_GUILD
    | Permission.MANAGE_MESSAGES
    | Permission.KICK_MEMBERS
    | Permission.BAN_MEMBERS
    | Permission.MODERATE_MEMBERS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | Permission.MANAGE_MESSAGES

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024  # an unboosted guild's upload limit
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15


def iso_time(snowflake: int) -> str:
    """The ISO 8601 timestamp encoded in a snowflake (what Discord puts in ``timestamp``)."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC).isoformat()


@dataclass
class World:
    """The guilds the fake serves: the default one (``GUILD_ID``) and any
    ``extra_guilds``, all with the same roles and members; and the bot's users."""

    guild_name: str = "Fake Guild"
    channel_name: str = "general"
    bot_user: FakeUser = field(
        default_factory=lambda: FakeUser(BOT_USER_ID, "fake-bot", roles=(BOT_ROLE_ID,), bot=True)
    )
    owner: FakeUser = field(default_factory=lambda: FakeUser(OWNER_USER_ID, "guild-owner"))
    default_user: FakeUser = field(
        default_factory=lambda: FakeUser(DEFAULT_USER_ID, "member", roles=(MEMBER_ROLE_ID,))
    )
    extra_users: list[FakeUser] = field(default_factory=list)
    extra_guilds: list[FakeGuild] = field(default_factory=list)
    joined_at: str = "2024-01-01T00:00:00+00:00"

    @property
    def default_guild(self) -> FakeGuild:
        """The guild every verb acts in unless told otherwise."""
        return FakeGuild(GUILD_ID, self.guild_name, CHANNEL_ID, self.channel_name)

    @property
    def guilds(self) -> list[FakeGuild]:
        """Every guild the bot is in, the default one first."""
        return [self.default_guild, *self.extra_guilds]

    def guild(self, guild_id: int) -> FakeGuild | None:
        """The guild with this id, if the bot is in it."""
        return next((g for g in self.guilds if g.id == guild_id), None)

    @property
    def roles(self) -> list[FakeRole]:
        """The default guild's roles (see :meth:`roles_in`)."""
        return self.roles_in(GUILD_ID)

    def roles_in(self, guild_id: int) -> list[FakeRole]:
        """@everyone (id = guild id, as in Discord), Member, Moderator and the bot's own role."""
        return [
            FakeRole(guild_id, "@everyone", int(EVERYONE_PERMISSIONS), 0),
            FakeRole(MEMBER_ROLE_ID, "Member", 0, 1),
            FakeRole(MODERATOR_ROLE_ID, "Moderator", int(MODERATOR_PERMISSIONS), 2),
            FakeRole(BOT_ROLE_ID, "fake-bot", int(BOT_PERMISSIONS), 3, True, BOT_USER_ID),
        ]

    @property
    def members(self) -> list[FakeUser]:
        """Everyone in the guild, bot first; GUILD_CREATE lists all of them."""
        return [self.bot_user, self.owner, self.default_user, *self.extra_users]

    def find_user(self, user_id: int) -> FakeUser | None:
        """The member with this id, if the guild has one."""
        return next((u for u in self.members if u.id == user_id), None)

    def permissions_of(self, user: FakeUser) -> int:
        """Permissions as Discord computes them without channel overwrites."""
        if user.permissions is not None:
            return user.permissions
        if user.id == OWNER_USER_ID:
            return ALL_PERMISSIONS
        value = 0
        for role in self.roles:
            if role.id == GUILD_ID or role.id in user.roles:
                value |= role.permissions
        return ALL_PERMISSIONS if value & Permission.ADMINISTRATOR else value


def user_json(user: FakeUser) -> Json:
    """A user object; ``discriminator`` "0" marks the post-2023 unique usernames."""
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
    }


def member_json(
    world: World, user: FakeUser, *, with_user: bool = True, with_permissions: bool = False
) -> Json:
    """A guild member; discord.py 2.7.1 needs ``flags`` (KeyError without it)."""
    data: Json = {
        "nick": user.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in user.roles],
        "joined_at": world.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_json(user)
    if with_permissions:
        data["permissions"] = str(world.permissions_of(user))
    return data


def role_json(role: FakeRole) -> Json:
    """A role object with Discord's 2025 ``colors`` block next to the legacy ``color``."""
    data: Json = {
        "id": str(role.id),
        "name": role.name,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.bot_id is not None:
        data["tags"] = {"bot_id": str(role.bot_id)}
    return data


def channel_json(name: str, *, channel_id: int = CHANNEL_ID, guild_id: int = GUILD_ID) -> Json:
    """A guild's only text channel (type 0), with no permission overwrites."""
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "last_message_id": None,
        "flags": 0,
    }


def dm_channel_json(channel: FakeChannel) -> Json:
    """A direct-message channel (type 1) between the bot and ``channel.recipient``."""
    recipients = [user_json(channel.recipient)] if channel.recipient is not None else []
    return {
        "id": str(channel.id),
        "type": 1,
        "last_message_id": None,
        "recipients": recipients,
        "flags": 0,
    }


def any_channel_json(channel: FakeChannel) -> Json:
    """The payload of a guild text channel or of a DM channel."""
    if channel.guild_id is None:
        return dm_channel_json(channel)
    return channel_json(channel.name or "", channel_id=channel.id, guild_id=channel.guild_id)


def guild_create_json(world: World, guild: FakeGuild | None = None) -> Json:
    """GUILD_CREATE for ``guild`` (the default guild if None).

    ``member_count`` equals the members sent: with the members intent a mismatch
    makes discord.py request chunks and stall startup for about five seconds.
    """
    guild = guild or world.default_guild
    members = [member_json(world, u) for u in world.members]
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(OWNER_USER_ID),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": str(guild.channel_id),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "application_id": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "features": [],
        "roles": [role_json(r) for r in world.roles_in(guild.id)],
        "emojis": [],
        "stickers": [],
        "channels": [
            channel_json(guild.channel_name, channel_id=guild.channel_id, guild_id=guild.id)
        ],
        "threads": [],
        "members": members,
        "member_count": len(members),
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "large": False,
        "lazy": True,
        "unavailable": False,
        "joined_at": world.joined_at,
    }


def ready_json(
    world: World,
    *,
    session_id: str,
    resume_gateway_url: str,
    shard: Any,
    guilds: Sequence[FakeGuild] | None = None,
) -> Json:
    """READY: the session's guilds (all by default) arrive unavailable here and in full
    in the GUILD_CREATEs that follow; ``shard`` is echoed when IDENTIFY sent one."""
    listed = world.guilds if guilds is None else guilds
    data: Json = {
        "v": 10,
        "user": user_json(world.bot_user) | {"verified": True, "mfa_enabled": False},
        "guilds": [{"id": str(g.id), "unavailable": True} for g in listed],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": str(APPLICATION_ID), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "geo_ordered_rtc_regions": [],
    }
    if shard is not None:
        data["shard"] = shard
    return data


def application_json(world: World) -> Json:
    """GET /oauth2/applications/@me: the keys discord.py's AppInfo reads with ``data[...]``."""
    return {
        "id": str(APPLICATION_ID),
        "name": world.bot_user.username,
        "icon": None,
        "description": "",
        "summary": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user_json(world.owner),
        "team": None,
        "flags": 0,
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "install_params": None,
        "integration_types_config": {"0": {}},
        "approximate_guild_count": 1,
        "bot": user_json(world.bot_user),
    }


def message_json(
    world: World,
    *,
    message_id: int,
    author: FakeUser,
    content: str = "",
    with_member: bool = False,
    message_type: int = 0,
    extra: Json | None = None,
    channel: FakeChannel | None = None,
) -> Json:
    """A message in ``channel`` (the default guild's channel if None).

    ``with_member`` adds the partial ``member`` that gateway MESSAGE_CREATE events
    carry in guilds (REST responses, webhook messages and DMs have none). ``extra``
    sets any other key (embeds, components, message_reference, flags, webhook_id, ...).
    """
    channel = channel or world.default_guild.channel
    data: Json = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "author": user_json(author),
        "content": content,
        "timestamp": iso_time(message_id),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "reactions": [],
        "pinned": False,
        "type": message_type,
        "flags": 0,
    }
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    if with_member and channel.guild_id is not None:
        data["member"] = member_json(world, author, with_user=False)
    if extra:
        data.update(extra)
    return data


def interaction_json(
    world: World,
    *,
    interaction_id: int,
    token: str,
    interaction_type: int,
    data: Json,
    user: FakeUser,
    message: Json | None = None,
    channel: FakeChannel | None = None,
) -> Json:
    """INTERACTION_CREATE from ``channel`` (the default guild's channel if None).

    discord.py 2.7.1 reads ``attachment_size_limit``, ``version`` and ``token``
    unconditionally; ``app_permissions`` and the member's ``permissions`` feed
    ``Interaction.app_permissions`` / ``Interaction.permissions`` (what
    ``app_commands.checks.has_permissions`` looks at). From a DM channel, as on
    Discord: ``user`` instead of ``member``, no guild, context 1 (bot DM), and the
    guild installation's owner given as ``"0"``.
    """
    channel = channel or world.default_guild.channel
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(APPLICATION_ID),
        "type": interaction_type,
        "data": data,
        "channel_id": str(channel.id),
        "channel": any_channel_json(channel),
        "token": token,
        "version": 1,
        "app_permissions": str(world.permissions_of(world.bot_user)),
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if channel.guild_id is None:
        payload["user"] = user_json(user)
        payload["authorizing_integration_owners"] = {"0": "0"}
        payload["context"] = 1
    else:
        guild_id = str(channel.guild_id)
        payload["guild_id"] = guild_id
        payload["guild"] = {"id": guild_id, "locale": "en-US", "features": []}
        payload["member"] = member_json(world, user, with_permissions=True)
        payload["guild_locale"] = "en-US"
        payload["authorizing_integration_owners"] = {"0": guild_id}
        payload["context"] = 0
    if message is not None:
        payload["message"] = message
    return payload
