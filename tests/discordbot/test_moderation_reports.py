"""The ``/kb`` reports, called directly: history of changes, misses and statistics.

The query log rows are written by a real QueryLog into the audit trail's SQLite file,
as the bot does.
"""

from __future__ import annotations

import threading

import discord
import pytest

import bot.discordbot.cogs.moderation as moderation_cog
from bot.discordbot import limits
from bot.discordbot.moderation_ui import MissButton
from bot.moderation.audit import Actor
from bot.moderation.service import ClaimFields
from bot.querylog.chart import COLOURS, HEIGHT, WIDTH
from bot.querylog.stats import DayCounts, Stats
from tests.discordbot.doubles import invoke, sent_kwargs, sent_text
from tests.discordbot.moderation_doubles import (
    TREASURY_FIELDS,
    Asked,
    Moderation,
    alice,
    bob,
    kb_interaction,
    mallory,
    seed_queries,
)
from tests.querylog.test_chart import decode, near

ALICE = Actor("1001", "alice")


# -- /kb history ----------------------------------------------------------------------


async def test_history_lists_changes_and_refusals_newest_first(kb: Moderation) -> None:
    change = await kb.service.apply(kb.service.draft(ClaimFields(**TREASURY_FIELDS)), ALICE)
    await kb.cog.interaction_check(kb_interaction(mallory(), command="kb add"))
    [added] = await kb.changes()
    interaction = kb_interaction(bob())

    await invoke(kb.cog.history, kb.cog, interaction)

    first, second = sent_text(interaction.response.send_message).splitlines()
    assert first.startswith(f"`#{change + 1}` ")
    assert first.endswith("**refused** `-` by mallory (kb add: not a moderator)")
    assert second.startswith(f"`#{change}` {added.at:%Y-%m-%d %H:%M} ")
    assert second.endswith(f"**add** `{added.target}` by alice")


async def test_history_of_one_claim_lists_only_its_changes(kb: Moderation) -> None:
    await kb.service.apply(kb.service.draft(ClaimFields(**TREASURY_FIELDS)), ALICE)
    phrasing = kb.service.with_question("tankers-sent", "Did the tankers reach Venezuela?")
    change = await kb.service.apply(phrasing, ALICE, action="add-question")
    interaction = kb_interaction(bob())

    await invoke(kb.cog.history, kb.cog, interaction, id="tankers-sent")

    [line] = sent_text(interaction.response.send_message).splitlines()
    assert line.startswith(f"`#{change}` ")
    assert line.endswith("**add-question** `tankers-sent` by alice")


async def test_history_with_nothing_recorded_says_so(kb: Moderation) -> None:
    interaction = kb_interaction(bob())

    await invoke(kb.cog.history, kb.cog, interaction)

    assert sent_text(interaction.response.send_message) == "No changes recorded yet."


# -- /kb misses, /kb stats ----------------------------------------------------------------


async def test_misses_groups_near_duplicates_most_frequent_first_with_buttons(
    kb: Moderation,
) -> None:
    ids = await seed_queries(
        kb.db_path,
        [
            Asked("Who owns the shipping firms?", hours_ago=5),
            Asked("How many ships sailed to Caracas?", hours_ago=4),
            Asked("How many ship sailed to Caracas", hours_ago=3),
            Asked("How many ships sailed to Caracas?", hours_ago=2),
            Asked("Did Iran send tankers?", outcome="answered", helpful=False),
            Asked("How many tankers did Iran send?", outcome="answered", helpful=True),
            Asked("Who sank the tanker?", hours_ago=24 * 40),  # before the 30 days
        ],
    )
    interaction = kb_interaction(alice())

    await invoke(kb.cog.misses, kb.cog, interaction, days=30)

    assert sent_text(interaction.response.send_message).splitlines() == [
        "**1.** How many ships sailed to Caracas? ×3",
        "**2.** Did Iran send tankers? ×1 (1 👎)",
        "**3.** Who owns the shipping firms? ×1",
    ]
    # Ties in count go newest first; each button carries the newest asking of its wording.
    view = sent_kwargs(interaction.response.send_message)["view"]
    assert all(isinstance(item, MissButton) for item in view.children)
    assert [(item.custom_id, item.item.label) for item in view.children] == [
        (f"kb:attach:{ids[3]}", "1: attach to a claim"),
        (f"kb:new:{ids[3]}", "1: new claim"),
        (f"kb:attach:{ids[4]}", "2: attach to a claim"),
        (f"kb:new:{ids[4]}", "2: new claim"),
        (f"kb:attach:{ids[0]}", "3: attach to a claim"),
        (f"kb:new:{ids[0]}", "3: new claim"),
    ]


async def test_misses_show_what_members_picked_and_attach_to_it_in_one_click(
    kb: Moderation,
) -> None:
    ids = await seed_queries(
        kb.db_path,
        [
            Asked("How many ships went to Caracas?", hours_ago=3, picked=("tankers-sent",)),
            Asked("How many ships went to Caracas?", hours_ago=2, picked=("tankers-sent",)),
            Asked("Who owns the shipping firms?", hours_ago=1, picked=("tankers-sent", "x-y")),
            Asked("Did Iran send tankers?", outcome="ambiguous", picked=("tankers-sent",)),
        ],
    )
    interaction = kb_interaction(alice())

    await invoke(kb.cog.misses, kb.cog, interaction, days=30)

    assert sent_text(interaction.response.send_message).splitlines() == [
        "**1.** How many ships went to Caracas? ×2 · members picked `tankers-sent` ×2",
        "**2.** Who owns the shipping firms? ×1 · members picked `tankers-sent`, `x-y`",
    ]
    view = sent_kwargs(interaction.response.send_message)["view"]
    assert [(item.custom_id, item.item.label) for item in view.children] == [
        (f"kb:attach:{ids[1]}:tankers-sent", "1: attach to tankers-sent"),
        (f"kb:new:{ids[1]}", "1: new claim"),
        (f"kb:attach:{ids[2]}:tankers-sent", "2: attach to tankers-sent"),
        (f"kb:new:{ids[2]}", "2: new claim"),
    ]
    assert all(len(item.custom_id) <= limits.CUSTOM_ID for item in view.children)


async def test_no_misses_says_so(kb: Moderation) -> None:
    await seed_queries(kb.db_path, [Asked("Who sank the tanker?", hours_ago=24 * 8)])
    interaction = kb_interaction(alice())

    await invoke(kb.cog.misses, kb.cog, interaction, days=7)

    assert sent_text(interaction.response.send_message) == "No misses in the last 7 days."


async def test_stats_summarises_the_period(kb: Moderation) -> None:
    await seed_queries(
        kb.db_path,
        [
            Asked("Did Iran send tankers?", outcome="answered", helpful=True),
            Asked("How many tankers did Iran send?", outcome="answered", helpful=False),
            Asked("Who owns the ships?"),
            Asked("who owns the ships?"),
            Asked("Who sank the tanker?", hours_ago=24 * 40),
        ],
    )
    interaction = kb_interaction(bob())

    await invoke(kb.cog.stats, kb.cog, interaction, days=30)

    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert sent_text(interaction.followup.send).splitlines() == [
        "**Last 30 days**: 4 questions, 50% answered, 50% unknown, 0 ambiguous.",
        "Feedback: 1 👍 / 1 👎 (50% helpful)",
        "Top claims: `tankers-sent` ×2",
        "Top misses: who owns the ships? ×2",
    ]
    sent = sent_kwargs(interaction.followup.send)
    assert sent["ephemeral"] is True
    # The chart is attached: a PNG of the chart's size with this period's bars on it.
    chart = sent["file"]
    assert isinstance(chart, discord.File)
    assert chart.filename == "kb-stats.png"
    image = decode(chart.fp.read())
    assert image.shape == (HEIGHT, WIDTH, 3)
    assert near(image, COLOURS["answered"]).any()
    assert near(image, COLOURS["unknown"]).any()
    assert not near(image[HEIGHT - 120 : HEIGHT - 40], COLOURS["ambiguous"]).any()  # none asked


async def test_stats_draws_the_chart_off_the_event_loop_with_the_periods_days(
    kb: Moderation, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_queries(kb.db_path, [Asked("Who owns the ships?", hours_ago=24 * 3)])
    drawn: list[tuple[int, list[DayCounts], int | None]] = []

    def fake_chart(daily: list[DayCounts], stats: Stats, *, window_days: int | None) -> bytes:
        drawn.append((threading.get_ident(), daily, window_days))
        return b"\x89PNG fake"

    monkeypatch.setattr(moderation_cog, "stats_chart", fake_chart)
    interaction = kb_interaction(bob())

    await invoke(kb.cog.stats, kb.cog, interaction, days=7)

    [(thread, daily, window_days)] = drawn
    assert thread != threading.get_ident()  # a worker thread: the bot answers meanwhile
    assert window_days == 7
    assert len(daily) == 8  # the seven days back and today, the quiet ones as zero
    assert [day.unknown for day in daily] == [0, 0, 0, 0, 1, 0, 0, 0]
    assert sent_kwargs(interaction.followup.send)["file"].fp.read() == b"\x89PNG fake"


async def test_stats_without_a_chart_still_answers_with_the_numbers(
    kb: Moderation, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_chart(daily: list[DayCounts], stats: Stats, *, window_days: int | None) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(moderation_cog, "stats_chart", broken_chart)
    interaction = kb_interaction(bob())

    await invoke(kb.cog.stats, kb.cog, interaction, days=30)

    text = sent_text(interaction.followup.send)
    assert text.startswith("**Last 30 days**: 0 questions")
    assert text.endswith("\n(The chart could not be drawn; the bot's log says why.)")
    assert "file" not in sent_kwargs(interaction.followup.send)
    assert "could not draw the /kb stats chart" in caplog.text
