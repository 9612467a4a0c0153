"""What users do in the fake guild: run commands, click, submit modals, post messages.

A mixin of :class:`~tests.fake_discord.server.FakeDiscord`, kept in its own module
so the payload rules for each kind of interaction read together.
"""

# ruff: noqa: ASYNC109 -- waits take a per-call ``timeout`` by design (the tests' API).

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from .gateway import Gateway
from .models import (
    FakeChannel,
    FakeGuild,
    FakeUser,
    InteractionHandle,
    Json,
    RecordedRequest,
    RequestPredicate,
    option,
)
from .payloads import (
    APPLICATION_ID,
    BOT_USER_ID,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    interaction_json,
    member_json,
    message_json,
    user_json,
)
from .state import FakeState, InteractionRecord


class UserActions:
    """Dispatches the gateway events that a user's actions cause.

    Each verb registers what it creates in the shared state *before* dispatching,
    so a bot that answers instantly is never ahead of the fake.
    """

    _state: FakeState
    _gateway: Gateway
    _command_ids: dict[tuple[str, int], int]

    async def wait_for_request(
        self, predicate: RequestPredicate, timeout: float = 5.0
    ) -> RecordedRequest:
        """The first recorded REST call matching ``predicate``, including calls made
        before this wait started (so a fast bot cannot race the test)."""
        requests = self._state.requests

        def find() -> RecordedRequest | None:
            return next((r for r in requests if predicate(r)), None)

        try:
            return await self._state.changes.wait_until(find, timeout, "a matching REST call")
        except TimeoutError as exc:
            seen = "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in requests[-15:])
            raise TimeoutError(f"{exc}; last requests:\n{seen or '  (none)'}") from None

    def _where(self, guild: FakeGuild | None, dm: bool, user: FakeUser | None) -> FakeChannel:
        """The channel a verb acts in: ``guild``'s (the default guild's if None), or the
        DM channel between the bot and the acting user when ``dm``."""
        if dm:
            if guild is not None:
                raise ValueError("a direct message happens in no guild: pass guild or dm, not both")
            return self._state.dm_channel(user or self._state.world.default_user)
        return (guild or self._state.world.default_guild).channel

    # -- interactions --------------------------------------------------------------------

    def _command_data(
        self,
        name: str,
        command_type: int,
        guild_command: bool | None,
        channel: FakeChannel | None = None,
    ) -> Json:
        """``data`` for an application command: the synced id, and ``guild_id`` for a
        guild command (discord.py looks guild commands up by it). ``guild_command=None``
        decides from the last sync; pass True for a guild-only command never synced."""
        found = self._state.command_lookup(name, command_type)
        if found is not None:
            command_id = int(found[1]["id"])
        else:
            key = (name, command_type)
            command_id = self._command_ids.setdefault(key, self._state.snowflakes.next())
        if guild_command is None:
            guild_command = found is not None and found[0] is not None
        data: Json = {"id": str(command_id), "name": name, "type": command_type}
        guild_id = (channel or self._state.world.default_guild.channel).guild_id
        if guild_command and guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data

    async def _interaction(
        self,
        interaction_type: int,
        data: Json,
        user: FakeUser | None,
        *,
        message_type: int,
        channel: FakeChannel,
        message: Json | None = None,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Register and dispatch one INTERACTION_CREATE in ``channel``; registered first
        so that a callback arriving before this returns is already recognised."""
        actor = user or self._state.world.default_user
        interaction_id = self._state.snowflakes.next()
        token = f"interaction-token-{interaction_id}"
        source = int(message["id"]) if message is not None else None
        record = InteractionRecord(
            interaction_id,
            token,
            interaction_type,
            actor,
            message_type,
            channel,
            source_message_id=source,
        )
        self._state.interactions[interaction_id] = record
        payload = interaction_json(
            self._state.world,
            interaction_id=interaction_id,
            token=token,
            interaction_type=interaction_type,
            data=data,
            user=actor,
            message=message,
            channel=channel,
        )
        await self._gateway.dispatch(
            "INTERACTION_CREATE", payload, timeout, guild_id=channel.guild_id
        )
        return InteractionHandle(
            interaction_id, token, APPLICATION_ID, payload, self.wait_for_request
        )

    @staticmethod
    def _options(options: Sequence[Json] | None, subcommand: str | None) -> list[Json]:
        """Fill in missing option types; nest under ``"sub"`` or ``"group sub"``."""
        result = [
            o if "type" in o else option(o["name"], o["value"], focused=bool(o.get("focused")))
            for o in options or []
        ]
        parts = (subcommand or "").split()
        if len(parts) > 2:
            raise ValueError(f"subcommand must be 'name' or 'group name', got {subcommand!r}")
        for depth, part in enumerate(reversed(parts)):
            result = [{"type": 1 if depth == 0 else 2, "name": part, "options": result}]
        return result

    async def send_slash_command(
        self,
        name: str,
        options: Sequence[Json] | None = None,
        *,
        user: FakeUser | None = None,
        subcommand: str | None = None,
        resolved: Json | None = None,
        guild_command: bool | None = None,
        guild: FakeGuild | None = None,
        dm: bool = False,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Run ``/name`` (``options`` as Discord sends them; see :func:`option`) in
        ``guild`` (the default guild if None), or in a DM with the bot when ``dm``.

        ``subcommand`` is ``"sub"`` or ``"group sub"``. ``resolved`` is passed through
        for user/role/channel/attachment options.
        """
        channel = self._where(guild, dm, user)
        data = self._command_data(name, 1, guild_command, channel)
        opts = self._options(options, subcommand)
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        return await self._interaction(
            2, data, user, message_type=20, channel=channel, timeout=timeout
        )

    async def send_autocomplete(
        self,
        name: str,
        options: Sequence[Json],
        *,
        user: FakeUser | None = None,
        subcommand: str | None = None,
        guild_command: bool | None = None,
        guild: FakeGuild | None = None,
        dm: bool = False,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Ask for autocomplete choices; exactly one option must have ``focused``."""
        if sum(bool(o.get("focused")) for o in options) != 1:
            raise ValueError("autocomplete needs exactly one option with focused=True")
        channel = self._where(guild, dm, user)
        data = self._command_data(name, 1, guild_command, channel)
        data["options"] = self._options(options, subcommand)
        return await self._interaction(
            4, data, user, message_type=20, channel=channel, timeout=timeout
        )

    async def send_message_context_command(
        self,
        name: str,
        target_content: str,
        *,
        user: FakeUser | None = None,
        target_author: FakeUser | None = None,
        guild_command: bool | None = None,
        guild: FakeGuild | None = None,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Run a message context-menu command on a new message with ``target_content``
        in ``guild`` (the default guild if None)."""
        channel = self._where(guild, False, user)
        target_id = self._state.snowflakes.next()
        author = target_author or self._state.world.default_user
        target = message_json(
            self._state.world,
            message_id=target_id,
            author=author,
            content=target_content,
            channel=channel,
        )
        self._state.messages[target_id] = target
        data = self._command_data(name, 3, guild_command, channel)
        data["target_id"] = str(target_id)
        data["resolved"] = {"messages": {str(target_id): target}}
        return await self._interaction(
            2, data, user, message_type=23, channel=channel, timeout=timeout
        )

    async def click_button(
        self,
        custom_id: str,
        *,
        message_id: int | None = None,
        user: FakeUser | None = None,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Click a button. Without ``message_id`` the newest stored message carrying
        ``custom_id`` is used, or a bot message with just that button (enough for a
        persistent view registered with ``bot.add_view``)."""
        return await self._component(
            custom_id, 2, values=None, message_id=message_id, user=user, timeout=timeout
        )

    async def choose_select(
        self,
        custom_id: str,
        values: Sequence[str],
        *,
        message_id: int | None = None,
        user: FakeUser | None = None,
        component_type: int = 3,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Pick ``values`` in a select menu (type 3 string select by default)."""
        return await self._component(
            custom_id,
            component_type,
            values=list(values),
            message_id=message_id,
            user=user,
            timeout=timeout,
        )

    async def _component(
        self,
        custom_id: str,
        component_type: int,
        *,
        values: list[str] | None,
        message_id: int | None,
        user: FakeUser | None,
        timeout: float,
    ) -> InteractionHandle:
        if message_id is not None:
            message = self._state.messages.get(message_id)
            if message is None:
                raise LookupError(f"the fake has no message {message_id}")
        else:
            message = self._state.find_message_with_component(custom_id) or self._button_message(
                custom_id
            )
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        channel = self._state.channel(int(message["channel_id"]))
        return await self._interaction(
            3,
            data,
            user,
            message_type=0,
            channel=channel or self._state.world.default_guild.channel,
            message=message,
            timeout=timeout,
        )

    def _button_message(self, custom_id: str) -> Json:
        message_id = self._state.snowflakes.next()
        button = {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}
        extra = {"components": [{"type": 1, "components": [button]}]}
        message = message_json(
            self._state.world, message_id=message_id, author=self._state.world.bot_user, extra=extra
        )
        self._state.messages[message_id] = message
        return message

    async def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str | Sequence[str]],
        *,
        user: FakeUser | None = None,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Submit a modal the bot showed (a type 9 callback), with text ``fields`` by
        input ``custom_id`` (a list of values for a select inside a label). It is
        submitted where the interaction that showed it happened."""
        request = next(
            (
                r
                for r in reversed(self._state.requests)
                if r.path.endswith("/callback")
                and isinstance(r.json, dict)
                and r.json.get("type") == 9
                and r.json.get("data", {}).get("custom_id") == custom_id
            ),
            None,
        )
        if request is None:
            raise LookupError(f"the bot never showed a modal with custom_id {custom_id!r}")
        shown: Json = request.json["data"]
        components, known = _modal_answer(shown.get("components") or [], fields)
        if unknown := set(fields) - known:
            raise ValueError(f"modal {custom_id!r} has no inputs {sorted(unknown)}")
        data: Json = {"custom_id": custom_id, "components": components}
        opener = self._state.interactions.get(int(request.path.split("/")[2]))
        channel = opener.channel if opener else self._state.world.default_guild.channel
        return await self._interaction(
            5, data, user, message_type=0, channel=channel, timeout=timeout
        )

    # -- messages ------------------------------------------------------------------------

    async def send_message(
        self,
        content: str,
        *,
        user: FakeUser | None = None,
        mentions_bot: bool = False,
        reply_to_message_id: int | None = None,
        author_is_bot: bool = False,
        guild: FakeGuild | None = None,
        dm: bool = False,
        timeout: float = 5.0,
    ) -> int:
        """Post a message (MESSAGE_CREATE) in ``guild``'s channel (the default guild's if
        None), or in a DM to the bot when ``dm``; returns its id.

        ``mentions_bot`` puts the bot in ``mentions`` and, unless the message is a
        reply (where the ping comes from the reply), prefixes ``<@bot_id>`` to the
        content. As on Discord, without the message content intent the bot gets
        empty content for guild messages that do not mention it (DMs always carry
        theirs), and nothing at all without the guild (or direct) messages intent.
        """
        world = self._state.world
        channel = self._where(guild, dm, user)
        author = user or self._state.world.default_user
        if author_is_bot:
            author = dataclasses.replace(author, bot=True)
        mention = f"<@{BOT_USER_ID}>"
        if mentions_bot and reply_to_message_id is None and mention not in content:
            content = f"{mention} {content}"
        extra: Json = {"mentions": []}
        if mentions_bot:
            bot = world.bot_user
            mentioned = user_json(bot)
            if channel.guild_id is not None:
                mentioned["member"] = member_json(world, bot, with_user=False)
            extra["mentions"] = [mentioned]
        message_type = 0
        if reply_to_message_id is not None:
            referenced = self._state.messages.get(reply_to_message_id)
            if referenced is None:
                raise LookupError(f"the fake has no message {reply_to_message_id}")
            extra["message_reference"] = {
                "type": 0,
                "message_id": str(reply_to_message_id),
                "channel_id": str(channel.id),
            }
            if channel.guild_id is not None:
                extra["message_reference"]["guild_id"] = str(channel.guild_id)
            extra["referenced_message"] = referenced
            message_type = 19
        message_id = self._state.snowflakes.next()
        message = message_json(
            world,
            message_id=message_id,
            author=author,
            content=content,
            with_member=True,
            message_type=message_type,
            extra=extra,
            channel=channel,
        )
        self._state.messages[message_id] = message
        in_dm = channel.guild_id is None

        def for_intents(intents: int) -> Json | None:
            if not intents & (INTENT_DIRECT_MESSAGES if in_dm else INTENT_GUILD_MESSAGES):
                return None
            if intents & INTENT_MESSAGE_CONTENT or mentions_bot or in_dm:
                return message
            return message | {"content": "", "embeds": [], "attachments": [], "components": []}

        await self._gateway.dispatch(
            "MESSAGE_CREATE", for_intents, timeout, guild_id=channel.guild_id
        )
        return message_id


def _modal_answer(
    components: Sequence[Json], fields: Mapping[str, str | Sequence[str]]
) -> tuple[list[Json], set[str]]:
    """Mirror a shown modal's layout (action rows or labels) with submitted values."""
    answer: list[Json] = []
    known: set[str] = set()

    def submitted(component: Json) -> Json:
        custom_id = str(component.get("custom_id"))
        known.add(custom_id)
        value = fields.get(custom_id, "")
        if component.get("type") == 4:
            return {"type": 4, "custom_id": custom_id, "value": str(value)}
        values = ([value] if value else []) if isinstance(value, str) else list(value)
        return {"type": component.get("type"), "custom_id": custom_id, "values": values}

    for component in components:
        if component.get("type") == 1:
            row = [submitted(c) for c in component.get("components") or []]
            answer.append({"type": 1, "components": row})
        elif component.get("type") == 18:
            answer.append({"type": 18, "component": submitted(component["component"])})
    return answer, known
