"""The ``/kb`` cog's commands, called directly over a real ModerationService in ``tmp_path``.

A direct ``.callback()`` skips the group's ``interaction_check``, so the permission gate
has its own tests first. Modal submissions and button clicks are in
``test_moderation_flow.py``; history, misses and stats in ``test_moderation_reports.py``.
The ``kb`` fixture (conftest) is a cog over the one-claim knowledge base of
``tests.helpers.make_knowledge``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from discord import app_commands

from bot.discordbot.cogs.moderation import REFUSAL, ModerationCog
from bot.knowledge.base import claim_version
from bot.moderation.audit import Actor
from bot.moderation.service import ClaimFields
from tests.discordbot.doubles import invoke, sent_kwargs, sent_text
from tests.discordbot.moderation_doubles import (
    TREASURY_FIELDS,
    Moderation,
    alice,
    bob,
    kb_interaction,
    mallory,
    open_moderation,
)
from tests.helpers import claim_data, write_claim

ALICE = Actor("1001", "alice")
INPUTS = ["statement", "quotes", "sources", "questions", "topics"]


async def claim_choices(kb: Moderation, user: MagicMock, current: str) -> list[Any]:
    """The edit/remove ``id`` autocomplete, called as discord.py calls it."""
    callback = cast(Any, ModerationCog.claim_choices)
    choices: list[app_commands.Choice[str]] = await callback(kb.cog, kb_interaction(user), current)
    return choices


def shown_modal(interaction: MagicMock) -> discord.ui.Modal:
    interaction.response.send_modal.assert_awaited_once()
    modal = interaction.response.send_modal.await_args.args[0]
    assert isinstance(modal, discord.ui.Modal)
    return modal


def inputs(modal: discord.ui.Modal) -> dict[str, discord.ui.TextInput[Any]]:
    return {
        str(item.custom_id): item
        for item in modal.children
        if isinstance(item, discord.ui.TextInput)
    }


def followup_text(interaction: MagicMock) -> str:
    return sent_text(interaction.followup.send)


# -- the permission gate ----------------------------------------------------------------


@pytest.mark.parametrize("moderator", [alice, bob], ids=["manage-server", "moderator-role"])
async def test_manage_server_or_a_moderator_role_passes_the_gate(
    kb: Moderation, moderator: Callable[[], MagicMock]
) -> None:
    interaction = kb_interaction(moderator(), command="kb add")

    assert await kb.cog.interaction_check(interaction) is True
    interaction.response.send_message.assert_not_awaited()
    assert await kb.refusals() == []


async def test_anyone_else_is_refused_privately_and_the_attempt_is_recorded(
    kb: Moderation,
) -> None:
    interaction = kb_interaction(mallory(), command="kb remove")

    assert await kb.cog.interaction_check(interaction) is False

    assert sent_text(interaction.response.send_message) == REFUSAL
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True
    [refusal] = await kb.refusals()
    assert (refusal.actor_id, refusal.actor_name, refusal.detail) == (
        "1003",
        "mallory",
        "kb remove: not a moderator",
    )


async def test_the_moderator_role_counts_only_inside_a_guild(kb: Moderation) -> None:
    interaction = kb_interaction(bob(), command="kb add")
    interaction.guild = None

    assert await kb.cog.interaction_check(interaction) is False
    assert len(await kb.refusals()) == 1


async def test_autocomplete_offers_nothing_to_a_non_moderator(kb: Moderation) -> None:
    assert await claim_choices(kb, mallory(), "tankers") == []
    assert await claim_choices(kb, alice(), "tankers") != []


async def test_autocomplete_offers_moderators_at_most_25_claims(tmp_path: Path) -> None:
    claims = {
        f"claim-{n:02d}": claim_data(f"claim-{n:02d}", questions=(f"Question {n}?",))
        for n in range(30)
    }
    async with open_moderation(tmp_path, claims=claims) as kb:
        everything = await claim_choices(kb, bob(), "")
        typed = await claim_choices(kb, bob(), "claim-07")

    assert len(everything) == 25
    assert all(len(choice.name) <= 100 for choice in everything)
    assert typed[0].value == "claim-07"
    assert typed[0].name.startswith("claim-07: The source says")


# -- /kb add, /kb edit ------------------------------------------------------------------


async def test_add_opens_an_empty_five_input_modal(kb: Moderation) -> None:
    interaction = kb_interaction(alice())

    await invoke(kb.cog.add, kb.cog, interaction)

    modal = shown_modal(interaction)
    assert modal.custom_id == "kb:add"
    fields = inputs(modal)
    assert list(fields) == INPUTS
    assert [field.default for field in fields.values()] == [None] * 5
    assert [field.required for field in fields.values()] == [True, True, True, True, False]


async def test_edit_prefills_the_modal_and_carries_the_claim_version(kb: Moderation) -> None:
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    interaction = kb_interaction(alice())

    await invoke(kb.cog.edit, kb.cog, interaction, id="tankers-sent")

    modal = shown_modal(interaction)
    assert modal.custom_id == f"kb:edit:{claim_version(claim)}:tankers-sent"
    assert {name: field.default for name, field in inputs(modal).items()} == {
        "statement": claim.statement,
        "quotes": "Iran sent five tankers of gasoline to Venezuela in 2020.",
        "sources": "tiny-source",
        "questions": "How many tankers did Iran send?",
        "topics": "energy",
    }


async def test_edit_of_an_unknown_claim_says_so_and_opens_nothing(kb: Moderation) -> None:
    interaction = kb_interaction(alice())

    await invoke(kb.cog.edit, kb.cog, interaction, id="no-such-claim")

    assert sent_text(interaction.response.send_message) == "There is no claim `no-such-claim`."
    interaction.response.send_modal.assert_not_awaited()


# -- /kb revert -----------------------------------------------------------------------


async def test_revert_restores_the_exact_previous_text(kb: Moderation) -> None:
    path = kb.root / "claims" / "tankers-sent.yaml"
    path.write_text("# curated by hand\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    original = path.read_text(encoding="utf-8")
    await kb.service.reload(ALICE)  # change #1, so the edit is #2
    fields = {
        **TREASURY_FIELDS,
        "statement": "The source says five tankers sailed.",
        "quotes": "Iran sent five tankers of gasoline to Venezuela in 2020.",
    }
    edit = await kb.service.apply(
        kb.service.draft(ClaimFields(**fields), editing="tankers-sent"), ALICE
    )
    assert path.read_text(encoding="utf-8") != original
    interaction = kb_interaction(bob())

    await invoke(kb.cog.revert, kb.cog, interaction, change=edit)

    assert sent_text(interaction.response.send_message) == (
        f"Reverted change #{edit} (recorded as #{edit + 1})."
    )
    assert path.read_text(encoding="utf-8") == original
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    assert (
        claim.statement
        == "The source says: Iran sent five tankers of gasoline to Venezuela in 2020."
    )
    [revert, *_] = await kb.changes()
    assert (revert.action, revert.actor_name, revert.reverts) == ("revert", "bob", edit)


async def test_revert_of_something_that_is_not_a_claim_change_is_refused(kb: Moderation) -> None:
    reload = await kb.service.audit.record(ALICE, "reload", None)
    interaction = kb_interaction(bob())

    await invoke(kb.cog.revert, kb.cog, interaction, change=reload)

    assert sent_text(interaction.response.send_message) == (
        f"Change #{reload} is not a change to a claim that can be reverted."
    )


# -- /kb reload ---------------------------------------------------------------------------


async def test_reload_of_a_broken_file_keeps_the_running_knowledge_and_lists_the_problem(
    kb: Moderation,
) -> None:
    before = kb.answers.knowledge
    broken = write_claim(kb.root, "broken", claim_data("broken", quote="Words nowhere in it."))
    line = next(
        n
        for n, text in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1)
        if "quote:" in text
    )
    interaction = kb_interaction(alice())

    await invoke(kb.cog.reload, kb.cog, interaction)

    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    header, problem = followup_text(interaction).splitlines()
    assert header == "Reload refused; still serving the previous knowledge base."
    assert problem.startswith(
        f"• `broken.yaml`:{line} quote is not word for word in source 'tiny-source'"
    )
    assert problem.endswith("[broken]")
    assert kb.answers.knowledge is before
    assert await kb.changes() == []


async def test_reload_reports_what_was_added_changed_and_removed(kb: Moderation) -> None:
    write_claim(kb.root, "treasury", claim_data("treasury", quote=TREASURY_FIELDS["quotes"]))
    write_claim(kb.root, "tankers-sent", claim_data(questions=("How many tankers sailed?",)))
    interaction = kb_interaction(alice())

    await invoke(kb.cog.reload, kb.cog, interaction)

    version = kb.answers.knowledge.version
    assert followup_text(interaction).splitlines() == [
        f"Reloaded (version {version}): 1 added, 1 changed, 0 removed.",
        "added: `treasury`",
        "changed: `tankers-sent`",
    ]
    assert kb.answers.claim("treasury") is not None
    [reload] = await kb.changes()
    assert (reload.action, reload.detail) == ("reload", f"+1 ~1 -0 -> {version}")


# -- /kb source-add -----------------------------------------------------------------------


def attachment(filename: str, data: bytes, size: int | None = None) -> MagicMock:
    file = MagicMock(spec=discord.Attachment)
    file.filename = filename
    file.size = len(data) if size is None else size
    file.read = AsyncMock(return_value=data)
    return file


@pytest.mark.parametrize(
    ("file", "refusal"),
    [
        (
            attachment("log.pdf", b"%PDF-1.7"),
            "Attach a plain-text (.txt) or markdown (.md) file.",
        ),
        (
            attachment("log.txt", b"big", size=1_000_001),
            "The file is 1,000,001 bytes; the limit is 1,000,000.",
        ),
    ],
    ids=["wrong-extension", "too-big"],
)
async def test_source_add_refuses_before_downloading(
    kb: Moderation, file: MagicMock, refusal: str
) -> None:
    interaction = kb_interaction(alice())

    await invoke(kb.cog.source_add, kb.cog, interaction, file=file, title="Log", id="log")

    assert sent_text(interaction.response.send_message) == refusal
    file.read.assert_not_awaited()
    assert sorted(p.name for p in (kb.root / "sources").iterdir()) == [
        "tiny-source.txt",
        "tiny-source.yaml",
    ]


async def test_source_add_refuses_a_file_that_is_not_utf8(kb: Moderation) -> None:
    interaction = kb_interaction(alice())
    file = attachment("log.txt", "Año".encode("latin-1"))

    await invoke(kb.cog.source_add, kb.cog, interaction, file=file, title="Log", id="log")

    assert followup_text(interaction) == "The file is not UTF-8 text (byte 1)."
    assert not (kb.root / "sources" / "log.txt").exists()
    assert await kb.changes() == []


async def test_source_add_writes_the_text_and_its_metadata(kb: Moderation) -> None:
    interaction = kb_interaction(alice())
    file = attachment("harbour.md", b"The harbour was closed in May.\n")

    await invoke(
        kb.cog.source_add, kb.cog, interaction, file=file, title="Harbour Log", id="Harbour Log"
    )

    # The id is made a slug, and the reply names the id claims must cite.
    assert followup_text(interaction) == "Added source `harbour-log`: claims can now cite it."
    sources = kb.root / "sources"
    assert (sources / "harbour-log.txt").read_text(encoding="utf-8") == (
        "The harbour was closed in May.\n"
    )
    meta = (sources / "harbour-log.yaml").read_text(encoding="utf-8")
    assert 'title: "Harbour Log"' in meta
    assert "Uploaded to Discord by alice on " in meta
    assert "as harbour.md." in meta
    assert "harbour-log" in kb.answers.knowledge.sources
    [added] = await kb.changes()
    assert (added.action, added.target, added.after) == ("add-source", "harbour-log", meta)
