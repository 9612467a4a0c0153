"""``KnowledgeBot``: intents, mentions, and what ``setup_hook`` wires together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar, cast
from unittest.mock import patch

import discord
import pytest
from discord.ext import commands

from bot.answering import AnswerService
from bot.config import DiscordSettings
from bot.discordbot.client import EXTENSIONS, KnowledgeBot, intents_for
from bot.discordbot.cogs.ask import AskCog
from bot.discordbot.cogs.mentions import MentionCog
from bot.discordbot.errors import on_app_command_error
from bot.discordbot.moderation_ui import AttachSelect, ConfirmButton, MissButton, RemoveButton
from bot.discordbot.views import ChoiceButton, FeedbackButton
from tests.discordbot.doubles import RecordingSink

SETTINGS = DiscordSettings(token="fake-token")
CogT = TypeVar("CogT", bound=commands.Cog)


def loaded_cog(bot: commands.Bot, name: str, cls: type[CogT]) -> CogT:
    """The cog ``name``, checked to be a ``cls`` by module and name: ``load_extension``
    executes the extension's module anew, so its classes are not the ones imported here."""
    cog = bot.get_cog(name)
    assert cog is not None, f"no {name} cog loaded"
    assert (type(cog).__module__, type(cog).__qualname__) == (cls.__module__, cls.__qualname__)
    return cast(CogT, cog)


def make_bot(
    service: AnswerService,
    settings: DiscordSettings = SETTINGS,
    extensions: tuple[str, ...] = EXTENSIONS,
) -> KnowledgeBot:
    return KnowledgeBot(service, RecordingSink(), settings, extensions=extensions)


@pytest.fixture
async def bot(service: AnswerService) -> AsyncIterator[KnowledgeBot]:
    async with make_bot(service) as knowledge_bot:
        yield knowledge_bot


def test_no_privileged_intent_by_default() -> None:
    intents = intents_for(SETTINGS)

    assert intents.message_content is False
    assert intents.members is False
    assert intents.presences is False
    assert intents.guild_messages  # mentions and replies to the bot still arrive


def test_listening_to_channels_asks_for_message_content() -> None:
    intents = intents_for(DiscordSettings(token="t", listen_channel_ids=frozenset({1})))

    assert intents.message_content is True


def test_the_bot_allows_no_mentions_at_all(service: AnswerService) -> None:
    allowed = make_bot(service).allowed_mentions

    assert allowed is not None
    assert dict(allowed.to_dict()) == {"parse": []}
    assert not allowed.replied_user


def test_the_bot_uses_the_settings_intents(service: AnswerService) -> None:
    listening = DiscordSettings(token="t", listen_channel_ids=frozenset({1}))

    assert make_bot(service).intents.message_content is False
    assert make_bot(service, listening).intents.message_content is True


async def test_setup_hook_loads_both_extensions(bot: KnowledgeBot) -> None:
    await bot.setup_hook()

    assert (
        set(bot.extensions)
        == set(EXTENSIONS)
        == {
            "bot.discordbot.cogs.ask",
            "bot.discordbot.cogs.mentions",
        }
    )
    loaded_cog(bot, "Ask", AskCog)
    loaded_cog(bot, "Mentions", MentionCog)
    slash = {
        command.name for command in bot.tree.get_commands(type=discord.AppCommandType.chat_input)
    }
    assert slash == {"ask", "search", "claim", "sources", "help", "forget-me"}
    menu = bot.tree.get_command("Ask the knowledge base", type=discord.AppCommandType.message)
    assert menu is not None


async def test_setup_hook_installs_the_error_handler_and_the_buttons(bot: KnowledgeBot) -> None:
    with patch.object(bot, "add_dynamic_items", wraps=bot.add_dynamic_items) as add_dynamic_items:
        await bot.setup_hook()

    add_dynamic_items.assert_called_once_with(
        FeedbackButton, ChoiceButton, ConfirmButton, RemoveButton, MissButton, AttachSelect
    )
    assert bot.tree.on_error is on_app_command_error


async def test_the_cogs_share_the_bots_service_log_and_cooldown(service: AnswerService) -> None:
    settings = DiscordSettings(token="t", listen_channel_ids=frozenset({42}))
    async with make_bot(service, settings) as bot:
        await bot.setup_hook()
        ask = loaded_cog(bot, "Ask", AskCog)
        mentions = loaded_cog(bot, "Mentions", MentionCog)

    assert ask.service is mentions.service is service
    assert ask.cooldown is mentions.cooldown is bot.cooldown  # one budget however they ask
    assert mentions.listen_channel_ids == {42}
    assert (bot.cooldown.rate, bot.cooldown.per) == (
        settings.cooldown_questions,
        settings.cooldown_seconds,
    )


async def test_a_failing_extension_stops_the_start(service: AnswerService) -> None:
    async with make_bot(service, extensions=("tests.discordbot.broken_extension",)) as bot:
        with pytest.raises(commands.ExtensionFailed) as failed:
            await bot.setup_hook()

    assert failed.value.name == "tests.discordbot.broken_extension"
    assert isinstance(failed.value.original, RuntimeError)


async def test_a_missing_extension_stops_the_start(service: AnswerService) -> None:
    async with make_bot(service, extensions=("bot.discordbot.cogs.no_such_cog",)) as bot:
        with pytest.raises(commands.ExtensionNotFound):
            await bot.setup_hook()


async def test_the_cogs_refuse_a_bot_that_brings_no_service() -> None:
    async with commands.Bot(command_prefix="!", intents=discord.Intents.none()) as plain:
        for name in EXTENSIONS:
            with pytest.raises(commands.ExtensionFailed) as failed:
                await plain.load_extension(name)
            assert isinstance(failed.value.original, TypeError)
