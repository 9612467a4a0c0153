"""The command tree's error handler: a private notice for the member, the traceback for
the operator, and never an exception of its own."""

from __future__ import annotations

import logging
from unittest.mock import MagicMock

import pytest
from discord import app_commands

from bot.discordbot.errors import APOLOGY, on_app_command_error, send_ephemeral
from tests.discordbot.doubles import http_error, make_interaction, sent_kwargs, sent_text


def raised(error: Exception) -> Exception:
    """``error`` with a traceback, as the tree hands it over."""
    try:
        raise error
    except Exception as caught:
        return caught


def ask_command() -> MagicMock:
    command = MagicMock(spec=app_commands.Command)
    command.name = command.qualified_name = "ask"
    return command


def invoke_error(original: Exception) -> app_commands.CommandInvokeError:
    command = ask_command()
    return app_commands.CommandInvokeError(command, raised(original))


async def test_a_cooldown_tells_the_member_how_long_to_wait_privately() -> None:
    interaction = make_interaction()
    error = app_commands.CommandOnCooldown(app_commands.Cooldown(5, 60.0), 41.6)

    await on_app_command_error(interaction, error)

    assert sent_text(interaction.response.send_message) == (
        "You're asking quickly! Please wait 42 s before the next question."
    )
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True


async def test_a_failed_check_gets_a_private_notice(caplog: pytest.LogCaptureFixture) -> None:
    interaction = make_interaction()

    await on_app_command_error(interaction, app_commands.CheckFailure("not here"))

    assert sent_text(interaction.response.send_message) == "You can't use this command here."
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_any_other_error_gets_an_apology_and_its_traceback_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    interaction = make_interaction()
    interaction.command = ask_command()
    error = invoke_error(RuntimeError("the matcher broke"))

    with caplog.at_level(logging.ERROR, logger="bot.discordbot.errors"):
        await on_app_command_error(interaction, error)

    assert sent_text(interaction.response.send_message) == APOLOGY
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True
    [record] = [r for r in caplog.records if r.name == "bot.discordbot.errors"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "command /ask failed"
    assert record.exc_info is not None
    assert record.exc_info[1] is error.original  # the cause, not discord.py's wrapper
    assert "Traceback (most recent call last)" in caplog.text
    assert "RuntimeError: the matcher broke" in caplog.text
    assert "the matcher broke" not in sent_text(interaction.response.send_message)


async def test_an_error_outside_any_command_is_logged_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    interaction = make_interaction()  # interaction.command is None

    with caplog.at_level(logging.ERROR, logger="bot.discordbot.errors"):
        await on_app_command_error(interaction, app_commands.AppCommandError("odd"))

    assert sent_text(interaction.response.send_message) == APOLOGY
    assert [r.getMessage() for r in caplog.records] == ["command /? failed"]


async def test_an_error_after_the_reply_was_sent_goes_to_a_followup() -> None:
    interaction = make_interaction(responded=True)

    await on_app_command_error(interaction, invoke_error(RuntimeError("late")))

    interaction.response.send_message.assert_not_awaited()
    assert sent_text(interaction.followup.send) == APOLOGY
    assert sent_kwargs(interaction.followup.send)["ephemeral"] is True


@pytest.mark.parametrize("responded", [False, True])
async def test_the_handler_never_raises_when_the_notice_cannot_be_sent(
    caplog: pytest.LogCaptureFixture, responded: bool
) -> None:
    interaction = make_interaction(responded=responded)
    interaction.response.send_message.side_effect = http_error()
    interaction.followup.send.side_effect = http_error()

    await on_app_command_error(interaction, invoke_error(RuntimeError("boom")))
    await on_app_command_error(
        interaction, app_commands.CommandOnCooldown(app_commands.Cooldown(1, 60.0), 5.0)
    )

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("could not tell the member" in r.getMessage() for r in warnings)


async def test_send_ephemeral_answers_the_interaction_when_nothing_was_sent_yet() -> None:
    interaction = make_interaction()

    await send_ephemeral(interaction, "hello")

    interaction.response.send_message.assert_awaited_once_with("hello", ephemeral=True)
    interaction.followup.send.assert_not_awaited()
