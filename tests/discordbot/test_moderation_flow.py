"""What follows a ``/kb`` modal or button: previews, Save/Cancel, removal, misses to phrasings.

Modal submissions go through the cog's raw ``on_interaction`` listener with ``data`` as
Discord sends it; clicks go through the dynamic items' templates (``click``), so a forged
``custom_id`` takes the same path as a real one. Every path re-checks the permission.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import discord
import pytest

from bot.answering import Asker
from bot.discordbot.cogs.moderation import REFUSAL
from bot.discordbot.embeds import answer_embed
from bot.discordbot.moderation_ui import AttachSelect, ConfirmButton, RemoveButton
from bot.knowledge.base import claim_version
from bot.matching import Outcome
from tests.discordbot.doubles import invoke, sent_embed, sent_kwargs, sent_text
from tests.discordbot.moderation_doubles import (
    TREASURY_FIELDS,
    Asked,
    Moderation,
    alice,
    bob,
    click,
    kb_interaction,
    mallory,
    modal_submission,
    seed_queries,
)

TREASURY_ID = "source-u-s-treasury-sanctioned-shipping-firms"
"""The id ``/kb add`` derives from TREASURY_FIELDS' statement."""
NOT_YOURS = "This preview has expired or is not yours; start again."


async def submit(kb: Moderation, user: MagicMock, custom_id: str, **fields: str) -> MagicMock:
    interaction = modal_submission(user, custom_id, {**TREASURY_FIELDS, **fields})
    await kb.cog.on_interaction(interaction)
    return interaction


def save_and_cancel(interaction: MagicMock) -> tuple[str, str]:
    """The custom_ids of a preview's Save and Cancel buttons."""
    view = sent_kwargs(interaction.response.send_message)["view"]
    save, cancel = view.children
    assert isinstance(save, ConfirmButton)
    assert isinstance(cancel, ConfirmButton)
    assert (save.item.label, cancel.item.label) == ("Save", "Cancel")
    return save.custom_id, cancel.custom_id


def edited(interaction: MagicMock) -> str:
    """The content a click replaced its message with."""
    content = sent_kwargs(interaction.response.edit_message)["content"]
    assert isinstance(content, str)
    return content


# -- the preview --------------------------------------------------------------------------


async def test_a_moderators_modal_shows_the_answer_embed_with_save_and_cancel(
    kb: Moderation,
) -> None:
    interaction = await submit(kb, bob(), "kb:add")

    assert sent_text(interaction.response.send_message) == (
        f"Preview: add `{TREASURY_ID}`. Members will see this:"
    )
    assert sent_kwargs(interaction.response.send_message)["ephemeral"] is True
    embed = sent_embed(interaction.response.send_message)
    assert embed.title == "Q: What did the Treasury do to the shippers?"
    assert embed.description == TREASURY_FIELDS["statement"]
    assert [(f.name, f.value) for f in embed.fields] == [
        ("Source: A Tiny Source About Tankers", f"> {TREASURY_FIELDS['quotes']}")
    ]
    save, cancel = save_and_cancel(interaction)
    assert save.startswith("kb:ok:")
    assert cancel == save.replace("kb:ok:", "kb:no:")
    assert kb.claim_files() == ["tankers-sent.yaml"]  # nothing written before Save
    assert await kb.changes() == []


async def test_a_near_duplicate_is_flagged_in_the_preview(kb: Moderation) -> None:
    interaction = await submit(
        kb,
        alice(),
        "kb:add",
        statement="The source says: Iran sent five tankers of gasoline to Venezuela in 2020.",
        quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
    )

    assert "⚠️ Looks like an existing claim: `tankers-sent` (100)" in sent_text(
        interaction.response.send_message
    )


async def test_an_invalid_quote_is_refused_with_the_loaders_message(kb: Moderation) -> None:
    interaction = await submit(
        kb, alice(), "kb:add", quotes="The Treasury responded with harsh sanctions."
    )

    text = sent_text(interaction.response.send_message)
    assert text.startswith(
        "That claim is not valid:\n• quote is not word for word in source 'tiny-source': "
        "'The Treasury responded with harsh sanctions.'"
    )
    assert "view" not in sent_kwargs(interaction.response.send_message)
    assert kb.claim_files() == ["tankers-sent.yaml"]


@pytest.mark.parametrize(
    ("custom_id", "target"),
    [("kb:add", None), ("kb:edit:000000000000:tankers-sent", "tankers-sent")],
    ids=["add", "edit"],
)
async def test_a_forged_modal_from_a_non_moderator_is_refused_and_recorded(
    kb: Moderation, custom_id: str, target: str | None
) -> None:
    interaction = await submit(kb, mallory(), custom_id)

    assert sent_text(interaction.response.send_message) == REFUSAL
    [refusal] = await kb.refusals()
    assert (refusal.actor_name, refusal.target, refusal.detail) == (
        "mallory",
        target,
        "modal: not a moderator",
    )
    assert kb.claim_files() == ["tankers-sent.yaml"]
    assert await kb.changes() == []


async def test_other_modals_are_left_alone(kb: Moderation) -> None:
    interaction = modal_submission(mallory(), "feedback:form", TREASURY_FIELDS)

    await kb.cog.on_interaction(interaction)

    interaction.response.send_message.assert_not_awaited()
    assert await kb.refusals() == []


# -- Save / Cancel ------------------------------------------------------------------------


async def test_save_writes_the_claim_and_members_get_exactly_the_preview(
    kb: Moderation,
) -> None:
    preview = await submit(kb, alice(), "kb:add")
    save, _ = save_and_cancel(preview)

    clicked = await click(kb, save, alice())

    assert edited(clicked) == (f"Saved `{TREASURY_ID}` (change #1); members can ask about it now.")
    assert (kb.root / "claims" / f"{TREASURY_ID}.yaml").exists()
    answer = kb.answers.answer("What did the Treasury do to the shippers?", Asker("test"))
    assert answer.outcome is Outcome.ANSWERED
    assert answer.best is not None
    assert answer.best.claim.id == TREASURY_ID
    shown = sent_embed(preview.response.send_message).to_dict()
    assert answer_embed(answer, kb.answers.knowledge).to_dict() == shown
    [change] = await kb.changes()
    assert (change.action, change.target, change.actor_name) == ("add", TREASURY_ID, "alice")


async def test_cancel_writes_nothing_and_the_token_is_spent(kb: Moderation) -> None:
    save, cancel = save_and_cancel(await submit(kb, alice(), "kb:add"))

    cancelled = await click(kb, cancel, alice())
    late_save = await click(kb, save, alice())

    assert edited(cancelled) == "Cancelled; nothing was changed."
    assert sent_text(late_save.response.send_message) == NOT_YOURS
    assert kb.claim_files() == ["tankers-sent.yaml"]


async def test_a_save_click_from_a_non_moderator_is_refused_and_recorded(
    kb: Moderation,
) -> None:
    save, _ = save_and_cancel(await submit(kb, alice(), "kb:add"))

    forged = await click(kb, "kb:ok:0123456789abcdef", mallory())
    stolen = await click(kb, save, mallory())

    assert sent_text(forged.response.send_message) == REFUSAL
    assert sent_text(stolen.response.send_message) == REFUSAL
    assert [r.detail for r in await kb.refusals()] == ["confirm: not a moderator"] * 2
    assert kb.claim_files() == ["tankers-sent.yaml"]
    # The preview still belongs to alice.
    assert edited(await click(kb, save, alice())).startswith(f"Saved `{TREASURY_ID}`")


async def test_another_moderator_cannot_save_someone_elses_preview(kb: Moderation) -> None:
    save, _ = save_and_cancel(await submit(kb, alice(), "kb:add"))

    clicked = await click(kb, save, bob())

    assert sent_text(clicked.response.send_message) == NOT_YOURS
    assert kb.claim_files() == ["tankers-sent.yaml"]
    assert await kb.refusals() == []


async def test_the_edit_modal_submitted_unchanged_saves_the_same_claim(kb: Moderation) -> None:
    before = kb.answers.claim("tankers-sent")
    opened = kb_interaction(alice())
    await invoke(kb.cog.edit, kb.cog, opened, id="tankers-sent")
    modal = opened.response.send_modal.await_args.args[0]
    prefilled = {
        str(item.custom_id): str(item.default)
        for item in modal.children
        if isinstance(item, discord.ui.TextInput)
    }

    preview = await submit(kb, alice(), modal.custom_id, **prefilled)
    saved = await click(kb, save_and_cancel(preview)[0], alice())

    assert sent_text(preview.response.send_message).startswith("Preview: edit `tankers-sent`.")
    assert edited(saved).startswith("Saved `tankers-sent` (change #1)")
    assert kb.answers.claim("tankers-sent") == before


async def test_an_edit_opened_before_someone_elses_save_is_refused_naming_them(
    kb: Moderation,
) -> None:
    opened = kb_interaction(alice())
    await invoke(kb.cog.edit, kb.cog, opened, id="tankers-sent")
    stale_id = opened.response.send_modal.await_args.args[0].custom_id
    tankers = {
        "quotes": "Iran sent five tankers of gasoline to Venezuela in 2020.",
        "questions": "How many tankers did Iran send?",
    }
    bobs = await submit(
        kb, bob(), stale_id, statement="The source says five tankers went.", **tankers
    )
    await click(kb, save_and_cancel(bobs)[0], bob())
    [bobs_change] = await kb.changes()

    alices = await submit(kb, alice(), stale_id, statement="The source says: tankers.", **tankers)

    text = sent_text(alices.response.send_message)
    assert text == (
        f"`tankers-sent` was changed by bob at {bobs_change.at:%Y-%m-%d %H:%M} UTC; "
        "reopen it to see the change, then edit again."
    )
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    assert claim.statement == "The source says five tankers went."


async def test_a_preview_saved_after_someone_elses_edit_is_refused_naming_them(
    kb: Moderation,
) -> None:
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    custom_id = f"kb:edit:{claim_version(claim)}:tankers-sent"
    tankers = {"quotes": "Iran sent five tankers of gasoline to Venezuela in 2020."}
    alices = await submit(kb, alice(), custom_id, statement="The source says: tankers.", **tankers)
    bobs = await submit(kb, bob(), custom_id, statement="The source says five tankers.", **tankers)
    await click(kb, save_and_cancel(bobs)[0], bob())
    [bobs_change] = await kb.changes()

    clicked = await click(kb, save_and_cancel(alices)[0], alice())

    assert sent_text(clicked.response.send_message) == (
        f"`tankers-sent` was changed by bob at {bobs_change.at:%Y-%m-%d %H:%M} UTC; "
        "reopen it to see the change, then edit again."
    )
    path = kb.root / "claims" / "tankers-sent.yaml"
    assert path.read_text(encoding="utf-8") == bobs_change.after


# -- /kb remove ---------------------------------------------------------------------------


async def test_remove_asks_first_then_removes_keeping_the_text_in_the_history(
    kb: Moderation,
) -> None:
    path = kb.root / "claims" / "tankers-sent.yaml"
    original = path.read_text(encoding="utf-8")
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    asked = kb_interaction(alice())

    await invoke(kb.cog.remove, kb.cog, asked, id="tankers-sent")

    assert sent_text(asked.response.send_message).startswith("Remove `tankers-sent`?\n> ")
    [button] = sent_kwargs(asked.response.send_message)["view"].children
    assert isinstance(button, RemoveButton)
    assert button.custom_id == f"kb:rm:{claim_version(claim)}:tankers-sent"
    assert path.exists()

    clicked = await click(kb, button.custom_id, bob())

    assert edited(clicked) == (
        "Removed `tankers-sent` (change #1; `/kb revert change:1` brings it back)."
    )
    assert not path.exists()
    assert kb.answers.claim("tankers-sent") is None
    [removal] = await kb.changes()
    assert (removal.action, removal.before, removal.after) == ("remove", original, None)


async def test_a_remove_click_from_a_non_moderator_is_refused_and_recorded(
    kb: Moderation,
) -> None:
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None

    clicked = await click(kb, f"kb:rm:{claim_version(claim)}:tankers-sent", mallory())

    assert sent_text(clicked.response.send_message) == REFUSAL
    [refusal] = await kb.refusals()
    assert (refusal.target, refusal.detail) == ("tankers-sent", "remove: not a moderator")
    assert (kb.root / "claims" / "tankers-sent.yaml").exists()
    assert kb.answers.claim("tankers-sent") is not None


# -- misses to phrasings ------------------------------------------------------------------


async def test_attach_offers_the_closest_claims_and_adds_the_wording_as_a_phrasing(
    kb: Moderation,
) -> None:
    [miss] = await seed_queries(kb.db_path, [Asked("how many oil tankers went to venezuela")])

    offered = await click(kb, f"kb:attach:{miss}", alice())

    assert sent_text(offered.response.send_message) == (
        "Attach “how many oil tankers went to venezuela” as a phrasing of:"
    )
    [select] = sent_kwargs(offered.response.send_message)["view"].children
    assert isinstance(select, AttachSelect)
    assert select.custom_id == f"kb:to:{miss}"
    assert [option.value for option in select.item.options] == ["tankers-sent"]

    chosen = await click(kb, select.custom_id, alice(), values=["tankers-sent"])

    assert edited(chosen) == "Added the phrasing to `tankers-sent` (change #1)."
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    assert claim.questions == (
        "How many tankers did Iran send?",
        "how many oil tankers went to venezuela",
    )
    assert "how many oil tankers went to venezuela" in (
        kb.root / "claims" / "tankers-sent.yaml"
    ).read_text(encoding="utf-8")
    [change] = await kb.changes()
    assert (change.action, change.target, change.actor_name) == (
        "add-question",
        "tankers-sent",
        "alice",
    )


async def test_new_claim_from_a_miss_opens_the_add_modal_with_its_wording(
    kb: Moderation,
) -> None:
    [miss] = await seed_queries(kb.db_path, [Asked("Who owns the shipping firms?")])

    clicked = await click(kb, f"kb:new:{miss}", bob())

    modal = clicked.response.send_modal.await_args.args[0]
    assert modal.custom_id == "kb:add"
    defaults: dict[str, Any] = {
        str(item.custom_id): item.default
        for item in modal.children
        if isinstance(item, discord.ui.TextInput)
    }
    assert defaults["questions"] == "Who owns the shipping firms?"
    assert defaults["statement"] is None


async def test_attach_to_the_claim_members_picked_adds_the_phrasing_in_one_click(
    kb: Moderation,
) -> None:
    [miss] = await seed_queries(
        kb.db_path, [Asked("how many oil tankers went to venezuela", picked=("tankers-sent",))]
    )

    clicked = await click(kb, f"kb:attach:{miss}:tankers-sent", bob())

    assert sent_text(clicked.response.send_message) == (
        "Added the phrasing to `tankers-sent` (change #1)."
    )
    assert sent_kwargs(clicked.response.send_message)["ephemeral"] is True
    clicked.response.edit_message.assert_not_awaited()  # the misses list stays
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    assert claim.questions[-1] == "how many oil tankers went to venezuela"
    [change] = await kb.changes()
    assert (change.action, change.target, change.actor_name) == (
        "add-question",
        "tankers-sent",
        "bob",
    )

    again = await click(kb, f"kb:attach:{miss}:tankers-sent", bob())

    assert sent_text(again.response.send_message) == "That claim already has this phrasing."


async def test_attach_to_a_claim_since_removed_says_so(kb: Moderation) -> None:
    [miss] = await seed_queries(kb.db_path, [Asked("who sank the tanker")])

    clicked = await click(kb, f"kb:attach:{miss}:gone-claim", alice())

    assert sent_text(clicked.response.send_message) == "That question or claim no longer exists."


@pytest.mark.parametrize(
    ("verb", "values", "action"),
    [
        ("attach", None, "misses"),
        ("new", None, "misses"),
        ("to", ["tankers-sent"], "attach"),
        ("attach", None, "attach"),  # to the claim members picked
    ],
)
async def test_misses_buttons_refuse_non_moderators(
    kb: Moderation, verb: str, values: list[str] | None, action: str
) -> None:
    [miss] = await seed_queries(kb.db_path, [Asked("how many oil tankers went to venezuela")])
    target = ":tankers-sent" if action == "attach" and values is None else ""

    clicked = await click(kb, f"kb:{verb}:{miss}{target}", mallory(), values=values)

    assert sent_text(clicked.response.send_message) == REFUSAL
    clicked.response.send_modal.assert_not_awaited()
    [refusal] = await kb.refusals()
    assert refusal.detail == f"{action}: not a moderator"
    claim = kb.answers.claim("tankers-sent")
    assert claim is not None
    assert claim.questions == ("How many tankers did Iran send?",)
