"""End-to-end tests of the fake Discord server, driving a tiny real discord.py bot.

They prove the fake is faithful enough for discord.py 2.7.1's own code paths
(login, gateway, command tree, views, modals, webhooks, reconnects), so the real
bot's end-to-end tests can rely on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.e2e.conftest import point_discord_py_at, running_bot
from tests.fake_discord import FakeDiscord, RecordedRequest, option

PING_ID = "e2e:ping"
FEEDBACK_ID = "e2e:feedback"
FEEDBACK_TEXT_ID = "e2e:feedback:text"
FRUITS = ("apple", "apricot", "banana", "cherry")


class PingView(discord.ui.View):
    """Persistent (no timeout, fixed custom_id), so clicks work on any message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.clicked_by: list[int] = []

    @discord.ui.button(label="Ping", style=discord.ButtonStyle.primary, custom_id=PING_ID)
    async def ping(
        self, interaction: discord.Interaction, button: discord.ui.Button[PingView]
    ) -> None:
        self.clicked_by.append(interaction.user.id)
        await interaction.response.send_message("pong", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your feedback", custom_id=FEEDBACK_TEXT_ID
    )

    def __init__(self) -> None:
        super().__init__(custom_id=FEEDBACK_ID)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


@app_commands.command(name="echo", description="Repeat text in an embed")
@app_commands.describe(text="The text to repeat")
async def echo(interaction: discord.Interaction, text: str) -> None:
    assert isinstance(interaction.client, TinyBot)
    embed = discord.Embed(title="Echo", description=text)
    await interaction.response.send_message(embed=embed, view=interaction.client.ping_view)


@app_commands.command(name="slow", description="Defer, then answer in a followup")
async def slow(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("done slowly")


@app_commands.command(name="secret", description="Moderators only")
@app_commands.default_permissions(manage_guild=True)
@app_commands.checks.has_permissions(manage_guild=True)
async def secret(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("the secret", ephemeral=True)


@app_commands.command(name="fruit", description="Pick a fruit")
async def fruit(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(f"you picked {name}")


@fruit.autocomplete("name")
async def fruit_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)]


@app_commands.command(name="feedback", description="Open the feedback form")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(FeedbackModal())


@app_commands.context_menu(name="Quote")
async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"> {message.content}")


class TinyTree(app_commands.CommandTree[discord.Client]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.MissingPermissions):
            await interaction.response.send_message("denied", ephemeral=True)
            return
        await super().on_error(interaction, error)


class TinyBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
            help_command=None,
            tree_cls=TinyTree,
        )
        self.ping_view = PingView()

    async def setup_hook(self) -> None:
        self.add_view(self.ping_view)
        self.tree.add_command(echo)
        self.tree.add_command(slow)
        self.tree.add_command(secret)
        self.tree.add_command(fruit)
        self.tree.add_command(feedback)
        self.tree.add_command(quote)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No-op: discord.py sleeps 5 s before every IDENTIFY but the first."""

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user is None:
            return
        if self.user in message.mentions:
            await message.reply(f"hello {message.author.display_name}")


@pytest.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[TinyBot]:
    async with running_bot(TinyBot(), fake_discord) as running:
        yield running


def posts_to_channel(fake: FakeDiscord) -> list[RecordedRequest]:
    path = f"/channels/{fake.channel_id}/messages"
    return [r for r in fake.requests if r.method == "POST" and r.path == path]


async def test_slash_command_replies_with_embed(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    handle = await fake_discord.send_slash_command("echo", [option("text", "hi there")])

    body = await handle.callback()

    assert body["type"] == 4
    assert body["data"]["embeds"][0]["description"] == "hi there"
    assert body["data"]["allowed_mentions"] == {"parse": []}
    buttons = body["data"]["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == [PING_ID]
    assert [r.path for r in fake_discord.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake_discord.unknown_route_requests == []


async def test_button_click_reaches_view_callback(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    echoed = await fake_discord.send_slash_command("echo", [option("text", "x")])
    await echoed.callback()
    moderator = fake_discord.make_moderator()

    click = await fake_discord.click_button(PING_ID, user=moderator)

    body = await click.callback()
    assert body["type"] == 4
    assert body["data"]["content"] == "pong"
    assert body["data"]["flags"] == 64  # ephemeral
    assert bot.ping_view.clicked_by == [moderator.id]
    echo_reply = next(m for m in fake_discord.messages.values() if m["embeds"])
    assert click.payload["message"]["id"] == echo_reply["id"]


async def test_mention_gets_a_reply_and_plain_message_does_not(
    fake_discord: FakeDiscord, bot: TinyBot
) -> None:
    await fake_discord.send_message("no ping here")
    message_id = await fake_discord.send_message("are you there?", mentions_bot=True)

    request = await fake_discord.wait_for_request(lambda r: r in posts_to_channel(fake_discord))

    assert request.json["content"] == "hello member"
    assert request.json["message_reference"]["message_id"] == message_id
    assert request.json["allowed_mentions"]["parse"] == []
    assert len(posts_to_channel(fake_discord)) == 1  # events arrive in order: no reply to the first
    reply = request.response
    assert reply["referenced_message"]["content"] == f"<@{fake_discord.bot_user_id}> are you there?"


async def test_tree_sync_payload_is_recorded(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    synced = await bot.tree.sync()

    by_name = {c["name"]: c for c in fake_discord.registered_commands}
    assert set(by_name) == {"echo", "slow", "secret", "fruit", "feedback", "Quote"}
    assert by_name["echo"]["options"][0]["description"] == "The text to repeat"
    assert by_name["secret"]["default_member_permissions"] == 32  # Manage Guild
    assert by_name["Quote"]["type"] == 3
    parsed = {c.name: c for c in synced}  # discord.py parsed the fake's answer
    assert set(parsed) == set(by_name)
    permissions = parsed["secret"].default_member_permissions
    assert permissions is not None
    assert permissions.manage_guild

    guild = discord.Object(fake_discord.guild_id)
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    path = f"/applications/{fake_discord.application_id}/guilds/{fake_discord.guild_id}/commands"
    assert fake_discord.requests[-1].path == path
    handle = await fake_discord.send_slash_command("fruit", [option("name", "kiwi")])
    assert handle.payload["data"]["guild_id"] == str(fake_discord.guild_id)
    assert (await handle.callback())["data"]["content"] == "you picked kiwi"


async def test_resume_after_dropped_gateway(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    await fake_discord.drop_gateway()
    await fake_discord.wait_until_resumed()

    handle = await fake_discord.send_slash_command("echo", [option("text", "still here")])

    assert (await handle.callback())["data"]["embeds"][0]["description"] == "still here"
    assert (fake_discord.identify_count, fake_discord.resume_count) == (1, 1)
    resume = next(f for f in fake_discord.gateway_frames if f.op == 6)
    assert resume.data["seq"] == 2  # READY and GUILD_CREATE
    assert resume.data["token"] == "fake-token"


async def test_reidentify_after_invalidated_session(
    fake_discord: FakeDiscord, bot: TinyBot
) -> None:
    await fake_discord.drop_gateway(resumable=False)
    await fake_discord.wait_until_identified()

    handle = await fake_discord.send_slash_command("echo", [option("text", "new session")])

    assert (await handle.callback())["type"] == 4
    assert (fake_discord.identify_count, fake_discord.resume_count) == (2, 0)
    ops = [f.op for f in fake_discord.gateway_frames if f.op != 1]
    assert ops == [2, 6, 2]  # IDENTIFY, RESUME refused with op 9, IDENTIFY


async def test_deferred_command_sends_followup(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    handle = await fake_discord.send_slash_command("slow")

    assert (await handle.callback())["type"] == 5
    assert (await handle.followup())["content"] == "done slowly"


async def test_permission_check_uses_member_permissions(
    fake_discord: FakeDiscord, bot: TinyBot
) -> None:
    denied = await fake_discord.send_slash_command("secret")
    allowed = await fake_discord.send_slash_command("secret", user=fake_discord.make_moderator())

    assert (await denied.callback())["data"]["content"] == "denied"
    assert (await allowed.callback())["data"]["content"] == "the secret"


async def test_autocomplete_returns_choices(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    handle = await fake_discord.send_autocomplete("fruit", [option("name", "ap", focused=True)])

    body = await handle.callback()

    assert body["type"] == 8
    assert [c["value"] for c in body["data"]["choices"]] == ["apple", "apricot"]


async def test_modal_round_trip(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    opened = await fake_discord.send_slash_command("feedback")
    assert (await opened.callback())["type"] == 9

    submitted = await fake_discord.submit_modal(FEEDBACK_ID, {FEEDBACK_TEXT_ID: "great"})

    assert (await submitted.callback())["data"]["content"] == "thanks: great"


async def test_message_context_menu(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    handle = await fake_discord.send_message_context_command("Quote", "to be quoted")

    assert (await handle.callback())["data"]["content"] == "> to be quoted"


async def test_bad_token_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(valid_token="right-token") as fake:
        point_discord_py_at(fake, monkeypatch)
        with pytest.raises(discord.LoginFailure):
            async with running_bot(TinyBot(), fake, token="wrong-token"):
                pass
