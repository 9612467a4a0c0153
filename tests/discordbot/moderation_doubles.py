"""Doubles for the ``/kb`` cog tests: members with and without the moderator's rights, and a
real :class:`ModerationService` over a tiny knowledge directory in ``tmp_path``.

``is_moderator`` looks at ``interaction.user`` as a :class:`discord.Member` in a guild, so
the members here are ``MagicMock(spec=discord.Member)`` with real ``Permissions``; their
``str()`` is the name the audit trail records.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from unittest.mock import AsyncMock, MagicMock

import discord
from discord.ext import commands

from bot.answering import AnswerService
from bot.discordbot.cogs.moderation import ModerationCog
from bot.discordbot.moderation_ui import DYNAMIC_ITEMS
from bot.knowledge import load_knowledge
from bot.knowledge.writer import KnowledgeWriter
from bot.matching import build_matcher
from bot.moderation.audit import AuditTrail, Change
from bot.moderation.service import ModerationService
from bot.querylog import FeedbackRecord, PickRecord, QueryLog
from tests.discordbot.doubles import client_with_cog, make_interaction
from tests.helpers import SOURCE_ID, YamlSpec, make_knowledge, query_record

MOD_ROLE_ID = 666_666_666_666_666_666
MEMBER_ROLE_ID = 777_777_777_777_777_777

SANCTIONS_QUOTE = "The U.S. Treasury responded with sanctions on the shipping firms."
TREASURY_FIELDS: dict[str, str] = {
    "statement": "The source says the U.S. Treasury sanctioned the shipping firms.",
    "quotes": SANCTIONS_QUOTE,
    "sources": SOURCE_ID,
    "questions": "What did the Treasury do to the shippers?\ntreasury sanctions shipping",
    "topics": "sanctions",
}
"""A valid new claim for the tiny knowledge base: it quotes the source's sentence on the Treasury."""


def member(
    name: str, user_id: int, *, manage_guild: bool = False, role_ids: tuple[int, ...] = ()
) -> MagicMock:
    """A guild member as discord.py gives it on an interaction."""
    user = MagicMock(spec=discord.Member)
    user.id = user_id
    user.name = name
    cast(Any, user).__str__.return_value = name  # what str(member) gives
    user.guild_permissions = discord.Permissions(manage_guild=manage_guild)
    user.roles = [MagicMock(spec=discord.Role, id=role_id) for role_id in role_ids]
    return user


def alice() -> MagicMock:
    """A moderator through Manage Server."""
    return member("alice", 1001, manage_guild=True, role_ids=(MEMBER_ROLE_ID,))


def bob() -> MagicMock:
    """A moderator through the configured moderator role only."""
    return member("bob", 1002, role_ids=(MEMBER_ROLE_ID, MOD_ROLE_ID))


def mallory() -> MagicMock:
    """A plain member: neither Manage Server nor the moderator role."""
    return member("mallory", 1003, role_ids=(MEMBER_ROLE_ID,))


def kb_interaction(
    user: MagicMock,
    *,
    command: str | None = None,
    data: Mapping[str, Any] | None = None,
    interaction_type: discord.InteractionType = discord.InteractionType.application_command,
) -> MagicMock:
    """An interaction in a guild from ``user``; ``data`` as Discord sends it raw."""
    interaction = make_interaction(user_id=user.id)
    interaction.user = user
    interaction.guild = MagicMock(spec=discord.Guild, id=interaction.guild_id)
    interaction.type = interaction_type
    interaction.data = dict(data) if data is not None else None
    if command is not None:
        interaction.command = MagicMock(spec=discord.app_commands.Command)
        interaction.command.qualified_name = command
    interaction.response.send_modal = AsyncMock()
    interaction.response.defer = AsyncMock()
    return interaction


def modal_data(custom_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """A modal submission's ``data`` exactly as Discord sends it: one action row per input."""
    return {
        "custom_id": custom_id,
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": name, "value": value}]}
            for name, value in fields.items()
        ],
    }


def modal_submission(user: MagicMock, custom_id: str, fields: Mapping[str, str]) -> MagicMock:
    return kb_interaction(
        user,
        data=modal_data(custom_id, fields),
        interaction_type=discord.InteractionType.modal_submit,
    )


@dataclass
class Moderation:
    """A ``/kb`` cog over a real service, its knowledge directory and its audit trail."""

    cog: ModerationCog
    root: Path
    db_path: Path

    @property
    def service(self) -> ModerationService:
        return self.cog.moderation

    @property
    def answers(self) -> AnswerService:
        return self.cog.answers

    @property
    def audit(self) -> AuditTrail:
        return self.cog.moderation.audit

    async def refusals(self) -> list[Change]:
        return [c for c in await self.audit.history(limit=100) if c.action == "refused"]

    async def changes(self) -> list[Change]:
        """The real changes (refusals left out), newest first."""
        return [c for c in await self.audit.history(limit=100) if c.action != "refused"]

    def claim_files(self) -> list[str]:
        return sorted(p.name for p in (self.root / "claims").iterdir())


@asynccontextmanager
async def open_moderation(
    tmp_path: Path, claims: Mapping[str, YamlSpec] | None = None
) -> AsyncIterator[Moderation]:
    """A ModerationCog (moderator role :data:`MOD_ROLE_ID`) over a tiny knowledge base
    (by default the one claim ``tankers-sent``) and an audit trail in ``tmp_path``."""
    root = make_knowledge(tmp_path, claims=claims)
    knowledge = load_knowledge(root)
    answers = AnswerService(knowledge, build_matcher(knowledge))
    db_path = tmp_path / "queries.sqlite3"
    audit = await AuditTrail.open(db_path)
    try:
        service = ModerationService(answers, KnowledgeWriter(root), audit)
        cog = ModerationCog(
            MagicMock(spec=commands.Bot), service, answers, frozenset({MOD_ROLE_ID})
        )
        yield Moderation(cog, root, db_path)
    finally:
        await audit.close()


async def click(
    kb: Moderation, custom_id: str, user: MagicMock, *, values: Sequence[str] | None = None
) -> MagicMock:
    """Click a ``/kb`` button (or pick ``values`` in its select) as discord.py dispatches it:
    the custom_id is matched against the dynamic items' templates, the item rebuilt from it
    and its callback run. A forged custom_id goes the same way as a real one."""
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
    if values is not None:
        data["values"] = list(values)
    interaction = kb_interaction(
        user, data=data, interaction_type=discord.InteractionType.component
    )
    interaction.client = client_with_cog(kb.cog)
    for item_class in DYNAMIC_ITEMS:
        match = item_class.__discord_ui_compiled_template__.fullmatch(custom_id)
        if match is not None:
            item = await item_class.from_custom_id(interaction, MagicMock(), match)
            await item.callback(interaction)
            return interaction
    raise LookupError(f"no /kb item answers to {custom_id!r}")


@dataclass(frozen=True)
class Asked:
    """A logged question: its outcome, a member's vote on the answer (if any), when, and
    the claims members picked among those offered for it (one member each)."""

    question: str
    outcome: str = "unknown"
    helpful: bool | None = None
    hours_ago: float = 1.0
    picked: tuple[str, ...] = ()


def query_id(number: int) -> str:
    """Query ids as the bot makes them: 16 hex digits (what the misses buttons carry)."""
    return f"{number:016x}"


async def seed_queries(db_path: Path, asked: Sequence[Asked]) -> list[str]:
    """Write ``asked`` to the query log in ``db_path`` (the audit trail's file); their ids."""
    now = datetime.now(UTC)
    ids = [query_id(0xA0 + n) for n in range(len(asked))]
    query_log = await QueryLog.open(db_path)
    try:
        for qid, item in zip(ids, asked, strict=True):
            answered = item.outcome == "answered"
            query_log.record(
                query_record(
                    qid,
                    question=item.question,
                    outcome=item.outcome,
                    claim_id="tankers-sent" if answered else None,
                    score=90.0 if answered else None,
                    asked_at=now - timedelta(hours=item.hours_ago),
                    adapter="discord",
                )
            )
            if item.helpful is not None:
                query_log.record(FeedbackRecord(qid, "member-1", item.helpful, given_at=now))
            for number, claim_id in enumerate(item.picked, start=1):
                query_log.record(PickRecord(qid, claim_id, f"member-{number}", now))
        async with asyncio.timeout(5):
            await query_log.flush()
    finally:
        await query_log.close()
    return ids
