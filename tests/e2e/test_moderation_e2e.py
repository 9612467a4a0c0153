"""``/kb`` end to end: the real KnowledgeBot, with moderation, against the fake Discord.

The bot serves a copy of the shipped knowledge directory in ``tmp_path`` (moderators
write to it) with a real query log and audit trail in one SQLite file, so a saved claim
is checked where members meet it (``/ask``) and where it lives (the claim's file).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.answering import AnswerService
from bot.config import DiscordSettings, default_knowledge_dir
from bot.discordbot.client import EXTENSIONS, MODERATION_EXTENSION, KnowledgeBot
from bot.discordbot.cogs.moderation import REFUSAL
from bot.knowledge.loader import load_knowledge
from bot.knowledge.writer import KnowledgeWriter
from bot.matching import build_matcher
from bot.moderation.audit import Actor, AuditTrail, Change
from bot.moderation.service import ModerationService
from bot.querylog import QueryLog
from bot.storage.base import Storage
from tests.e2e.conftest import running_bot
from tests.fake_discord import FakeDiscord, FakeUser, Json, option
from tests.helpers import query_db

EPHEMERAL = 1 << 6
SOURCE_ID = "iran-venezuela-partnership"
QUOTE = (
    "Iran's presence in Venezuela provides it with a foothold in the Western Hemisphere, "
    "while Venezuela benefits from Iran's technical capabilities and diplomatic support."
)
"""A whole sentence of the source that no shipped claim quotes whole (two quote its halves)."""
PHRASING = "Who gains what in the Tehran-Caracas bargain?"
FIELDS = {
    "statement": "The article says Iran gained a foothold in the Western Hemisphere "
    "while Venezuela gained Iranian know-how.",
    "quotes": QUOTE,
    "sources": SOURCE_ID,
    "questions": f"What does each side get from the cross-hemisphere bargain?\n{PHRASING}",
    "topics": "diplomacy",
}
NEW_CLAIM_ID = "iran-gained-foothold-in-western-hemisphere-while-venezuela"
"""The id ``/kb add`` derives from FIELDS' statement."""


class ObservedAudit(AuditTrail):
    """The real audit trail, plus a wait for refusals: the bot answers the member first
    and records the refused attempt afterwards, so a test that has seen the refusal must
    wait for the record."""

    def __init__(self, storage: Storage, **kwargs: Any) -> None:
        super().__init__(storage, **kwargs)
        self._recorded = asyncio.Event()

    async def record(
        self, actor: Actor, action: str, target: str | None, *, detail: str | None = None
    ) -> int:
        change_id = await super().record(actor, action, target, detail=detail)
        self._recorded.set()
        return change_id

    async def refusals(self, count: int) -> list[Change]:
        """The refusals, newest first, once there are ``count`` of them."""
        async with asyncio.timeout(5.0):
            while True:
                self._recorded.clear()  # before reading, so no record slips between
                refused = [c for c in await self.history(limit=100) if c.action == "refused"]
                if len(refused) >= count:
                    return refused
                await self._recorded.wait()


@dataclass
class ModeratedBot:
    bot: KnowledgeBot
    root: Path
    db_path: Path
    audit: ObservedAudit


@pytest.fixture
async def moderated(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[ModeratedBot]:
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    knowledge = load_knowledge(root)
    db_path = tmp_path / "queries.sqlite3"
    query_log = await QueryLog.open(db_path)
    audit = await ObservedAudit.open(db_path)
    try:
        service = AnswerService(knowledge, build_matcher(knowledge), query_log)
        bot = KnowledgeBot(
            service,
            query_log,
            DiscordSettings(token="fake-token"),
            moderation=ModerationService(service, KnowledgeWriter(root), audit),
            extensions=(*EXTENSIONS, MODERATION_EXTENSION),
        )
        async with running_bot(bot, fake_discord):
            yield ModeratedBot(bot, root, db_path, audit)
    finally:
        await audit.close()
        await query_log.close()


def components(data: Json) -> list[Json]:
    """The components inside a body's action rows, in order."""
    return [item for row in data.get("components") or [] for item in row.get("components") or []]


async def kb_add(fake: FakeDiscord, user: FakeUser) -> Json:
    handle = await fake.send_slash_command("kb", subcommand="add", user=user)
    return await handle.callback()


def shown_modals(fake: FakeDiscord) -> list[Json]:
    return [
        r.json
        for r in fake.requests
        if r.path.endswith("/callback") and isinstance(r.json, dict) and r.json.get("type") == 9
    ]


async def test_a_moderators_new_claim_is_previewed_saved_and_answered_at_once(
    fake_discord: FakeDiscord, moderated: ModeratedBot
) -> None:
    moderator = fake_discord.make_moderator("mod")

    modal = await kb_add(fake_discord, moderator)

    assert modal["type"] == 9
    assert modal["data"]["custom_id"] == "kb:add"
    inputs = components(modal["data"])
    assert [(i["type"], i["custom_id"]) for i in inputs] == [
        (4, "statement"),
        (4, "quotes"),
        (4, "sources"),
        (4, "questions"),
        (4, "topics"),
    ]

    submitted = await fake_discord.submit_modal("kb:add", FIELDS, user=moderator)
    preview = await submitted.callback()

    assert preview["type"] == 4
    data = preview["data"]
    assert data["flags"] & EPHEMERAL
    assert data["content"] == f"Preview: add `{NEW_CLAIM_ID}`. Members will see this:"
    [embed] = data["embeds"]
    assert embed["description"] == FIELDS["statement"]
    assert [field["value"] for field in embed["fields"]] == [f"> {QUOTE}"]
    save, cancel = components(data)
    assert (save["label"], cancel["label"]) == ("Save", "Cancel")
    assert save["custom_id"].startswith("kb:ok:")
    claim_file = moderated.root / "claims" / f"{NEW_CLAIM_ID}.yaml"
    assert not claim_file.exists()

    saved = await (await fake_discord.click_button(save["custom_id"], user=moderator)).callback()

    assert saved["type"] == 7  # the preview message is replaced
    assert saved["data"]["content"] == (
        f"Saved `{NEW_CLAIM_ID}` (change #1); members can ask about it now."
    )
    assert saved["data"]["components"] == []

    asked = await fake_discord.send_slash_command("ask", [option("question", PHRASING)])
    answer = await asked.callback()

    assert answer["type"] == 4
    [answer_embed] = answer["data"]["embeds"]
    assert answer_embed["title"] == f"Q: {PHRASING}"
    assert answer_embed["fields"] == embed["fields"]
    assert answer_embed["footer"]["text"].endswith(f"· claim {NEW_CLAIM_ID}")
    assert "flags" not in answer["data"] or not answer["data"]["flags"] & EPHEMERAL
    assert f'quote: "{QUOTE}"' in claim_file.read_text(encoding="utf-8")
    assert load_knowledge(moderated.root).claim(NEW_CLAIM_ID) is not None  # survives a restart
    assert not (default_knowledge_dir() / "claims" / f"{NEW_CLAIM_ID}.yaml").exists()
    assert query_db(moderated.db_path, "SELECT action, actor_name, target FROM changes") == [
        ("add", "mod", NEW_CLAIM_ID)
    ]


async def test_a_members_kb_add_is_refused_privately_and_no_modal_is_shown(
    fake_discord: FakeDiscord, moderated: ModeratedBot
) -> None:
    member = fake_discord.default_user

    refused = await kb_add(fake_discord, member)

    assert refused["type"] == 4
    assert refused["data"]["content"] == REFUSAL
    assert refused["data"]["flags"] & EPHEMERAL
    assert shown_modals(fake_discord) == []
    [refusal] = await moderated.audit.refusals(1)
    assert (refusal.actor_id, refusal.detail) == (str(member.id), "kb add: not a moderator")


async def test_a_members_forged_modal_and_save_click_are_refused_and_recorded(
    fake_discord: FakeDiscord, moderated: ModeratedBot
) -> None:
    claims_before = sorted(p.name for p in (moderated.root / "claims").iterdir())
    await kb_add(fake_discord, fake_discord.make_moderator())  # the modal now exists to forge
    member = fake_discord.default_user

    modal = await (await fake_discord.submit_modal("kb:add", FIELDS, user=member)).callback()
    click = await (
        await fake_discord.click_button("kb:ok:0123456789abcdef", user=member)
    ).callback()

    for refused in (modal, click):
        assert refused["type"] == 4
        assert refused["data"]["content"] == REFUSAL
        assert refused["data"]["flags"] & EPHEMERAL
        assert "embeds" not in refused["data"]
    await moderated.audit.refusals(2)
    assert query_db(
        moderated.db_path, "SELECT actor_id, action, detail FROM changes ORDER BY id"
    ) == [
        (str(member.id), "refused", "modal: not a moderator"),
        (str(member.id), "refused", "confirm: not a moderator"),
    ]
    assert sorted(p.name for p in (moderated.root / "claims").iterdir()) == claims_before
