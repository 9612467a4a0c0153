"""Moderated changes: validated like the loader, written crash-safely, audited, revertible."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answering import AnswerService, Asker
from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge.writer import KnowledgeWriter
from bot.matching import Outcome, build_matcher
from bot.moderation.audit import Actor, AuditTrail
from bot.moderation.service import ClaimFields, ModerationError, ModerationService
from tests.helpers import SOURCE_ID, claim_data, make_knowledge, write_claim

ALICE = Actor("1", "alice")
BOB = Actor("2", "bob")
SANCTIONS_QUOTE = "The U.S. Treasury responded with sanctions on the shipping firms."


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[ModerationService, Path]]:
    root = make_knowledge(tmp_path)
    (root / "claims" / "tankers-sent.yaml").write_text(
        "# hand-written comment that must survive\n"
        + (root / "claims" / "tankers-sent.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    knowledge = load_knowledge(root)
    answers = AnswerService(knowledge, build_matcher(knowledge))
    audit = await AuditTrail.open(tmp_path / "log.sqlite3")
    yield ModerationService(answers, KnowledgeWriter(root), audit), root
    await audit.close()


def treasury_fields(**overrides: str) -> ClaimFields:
    values = {
        "statement": "The source says the U.S. Treasury sanctioned the shipping firms.",
        "quotes": SANCTIONS_QUOTE,
        "sources": SOURCE_ID,
        "questions": "What did the Treasury do?\ntreasury sanctions shipping\n¿Qué hizo el Tesoro?",
        "topics": "sanctions",
    } | overrides
    return ClaimFields(**values)


async def test_an_added_claim_is_answerable_at_once_and_survives_a_restart(
    setup: tuple[ModerationService, Path],
) -> None:
    service, root = setup
    draft = service.draft(treasury_fields())
    await service.apply(draft, ALICE)

    answer = service.answers.answer("What did the Treasury do to the shipping firms?", Asker("cli"))
    assert answer.outcome is Outcome.ANSWERED
    assert answer.best is not None
    assert answer.best.claim.id == draft.claim.id
    reloaded = load_knowledge(root)
    assert reloaded.claim(draft.claim.id) == draft.claim


async def test_a_quote_not_in_the_source_is_refused_with_the_loaders_message(
    setup: tuple[ModerationService, Path],
) -> None:
    service, _ = setup
    with pytest.raises(KnowledgeError) as caught:
        service.draft(treasury_fields(quotes="The Treasury responded with harsh sanctions."))
    assert any("not word for word" in p.message for p in caught.value.problems)


async def test_a_near_duplicate_statement_is_flagged(setup: tuple[ModerationService, Path]) -> None:
    service, _ = setup
    draft = service.draft(
        treasury_fields(
            statement="The source says: Iran sent five tankers of gasoline to Venezuela in 2020.",
            quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
        )
    )
    assert [claim_id for claim_id, _ in draft.near_duplicates] == ["tankers-sent"]


async def test_a_save_against_a_stale_version_is_refused_naming_who_changed_it(
    setup: tuple[ModerationService, Path],
) -> None:
    service, _ = setup
    fields = treasury_fields(
        statement="The source says: Iran sent five tankers.",
        quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
    )
    alices = service.draft(fields, editing="tankers-sent")
    bobs = service.draft(
        ClaimFields(**{**fields.__dict__, "statement": "The source says: five tankers went."}),
        editing="tankers-sent",
    )
    await service.apply(alices, ALICE)

    with pytest.raises(ModerationError, match=r"changed by alice at .* reopen"):
        await service.apply(bobs, BOB)
    claim = service.answers.knowledge.claim("tankers-sent")
    assert claim is not None
    assert claim.statement == "The source says: Iran sent five tankers."


async def test_an_edit_touches_only_its_own_file(setup: tuple[ModerationService, Path]) -> None:
    service, root = setup
    await service.apply(service.draft(treasury_fields()), ALICE)
    untouched = (root / "claims" / "tankers-sent.yaml").read_text(encoding="utf-8")
    assert untouched.startswith("# hand-written comment that must survive\n")


async def test_revert_restores_the_exact_previous_text_comments_included(
    setup: tuple[ModerationService, Path],
) -> None:
    service, root = setup
    path = root / "claims" / "tankers-sent.yaml"
    original = path.read_text(encoding="utf-8")
    edit = await service.apply(
        service.draft(
            treasury_fields(
                statement="The source says five tankers sailed.",
                quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
            ),
            editing="tankers-sent",
        ),
        ALICE,
    )
    assert path.read_text(encoding="utf-8") != original

    revert = await service.revert(edit, BOB)

    assert path.read_text(encoding="utf-8") == original
    change = await service.audit.get(revert)
    assert change is not None
    assert change.action == "revert"
    assert change.reverts == edit
    assert service.answers.knowledge.claim("tankers-sent") == load_knowledge(root).claim(
        "tankers-sent"
    )


async def test_a_removed_claim_stays_in_the_audit_trail_and_can_be_brought_back(
    setup: tuple[ModerationService, Path],
) -> None:
    service, root = setup
    path = root / "claims" / "tankers-sent.yaml"
    original = path.read_text(encoding="utf-8")
    removal = await service.remove("tankers-sent", ALICE)
    assert not path.exists()
    assert service.answers.knowledge.claim("tankers-sent") is None
    change = await service.audit.get(removal)
    assert change is not None
    assert change.before == original
    assert change.after is None

    await service.revert(removal, ALICE)
    assert path.read_text(encoding="utf-8") == original
    assert service.answers.knowledge.claim("tankers-sent") is not None


async def test_reverting_a_change_that_was_overtaken_is_refused(
    setup: tuple[ModerationService, Path],
) -> None:
    service, _ = setup
    add = await service.apply(service.draft(treasury_fields()), ALICE)
    claim_id = service.answers.knowledge.claims[-1].id
    await service.apply(service.with_question(claim_id, "who punished the shippers?"), BOB)
    with pytest.raises(ModerationError, match="has changed since change"):
        await service.revert(add, ALICE)


async def test_a_crash_during_the_write_leaves_the_previous_file_intact(
    setup: tuple[ModerationService, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, root = setup
    path = root / "claims" / "tankers-sent.yaml"
    original = path.read_bytes()
    draft = service.draft(
        treasury_fields(
            statement="The source says five tankers sailed.",
            quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
        ),
        editing="tankers-sent",
    )

    def crash(source: object, destination: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        await service.apply(draft, ALICE)

    assert path.read_bytes() == original
    assert [p.name for p in (root / "claims").iterdir()] == [
        "tankers-sent.yaml"
    ]  # no temp file left
    assert await service.audit.history() == []  # nothing recorded for a change that did not happen
    assert service.answers.knowledge.claim("tankers-sent") == load_knowledge(root).claim(
        "tankers-sent"
    )


async def test_reload_with_a_broken_file_keeps_the_running_knowledge_base(
    setup: tuple[ModerationService, Path],
) -> None:
    service, root = setup
    before = service.answers.knowledge
    write_claim(root, "broken", claim_data("broken", quote="Words that are nowhere in the source."))
    with pytest.raises(KnowledgeError) as caught:
        await service.reload(ALICE)
    assert caught.value.problems[0].claim_id == "broken"
    assert service.answers.knowledge is before


async def test_reload_reports_what_was_added_changed_and_removed(
    setup: tuple[ModerationService, Path],
) -> None:
    service, root = setup
    write_claim(root, "treasury", claim_data("treasury", quote=SANCTIONS_QUOTE))
    os.remove(root / "claims" / "tankers-sent.yaml")
    report = await service.reload(ALICE)
    assert (report.added, report.changed, report.removed) == (("treasury",), (), ("tankers-sent",))
    assert service.answers.knowledge.claim("treasury") is not None


async def test_a_new_source_can_be_cited_right_away(setup: tuple[ModerationService, Path]) -> None:
    service, root = setup
    await service.add_source(
        "harbour-log", "Harbour Log", b"The harbour was closed in May.\n", ALICE, "uploaded"
    )
    assert (root / "sources" / "harbour-log.txt").read_text(
        encoding="utf-8"
    ) == "The harbour was closed in May.\n"
    draft = service.draft(
        treasury_fields(
            statement="The log says the harbour was closed in May.",
            quotes="The harbour was closed in May.",
            sources="harbour-log",
        )
    )
    await service.apply(draft, ALICE)
    assert load_knowledge(root).claim(draft.claim.id) is not None


async def test_a_source_that_is_not_utf8_is_refused(setup: tuple[ModerationService, Path]) -> None:
    service, _ = setup
    with pytest.raises(ModerationError, match="not UTF-8"):
        await service.add_source("bad", "Bad", b"\xff\xfe\x00bad", ALICE, "uploaded")


# -- translations survive moderation ------------------------------------------------------------

TRANSLATIONS = {
    "es": "La fuente dice: Irán envió cinco petroleros de gasolina a Venezuela en 2020.",
    "fa": "به گفته منبع، ایران در سال ۲۰۲۰ پنج نفتکش بنزین به ونزوئلا فرستاد.",
}


@pytest.fixture
async def translated(tmp_path: Path) -> AsyncIterator[ModerationService]:
    """A service over one claim with curated Spanish and Persian translations."""
    root = make_knowledge(tmp_path, claims={"tankers-sent": claim_data(translations=TRANSLATIONS)})
    knowledge = load_knowledge(root)
    audit = await AuditTrail.open(tmp_path / "log.sqlite3")
    yield ModerationService(
        AnswerService(knowledge, build_matcher(knowledge)), KnowledgeWriter(root), audit
    )
    await audit.close()


def tankers_fields(statement: str) -> ClaimFields:
    return ClaimFields(
        statement=statement,
        quotes="Iran sent five tankers of gasoline to Venezuela in 2020.",
        sources=SOURCE_ID,
        questions="How many tankers did Iran send?",
        topics="energy",
    )


async def test_a_phrasing_added_from_the_misses_keeps_the_claims_translations(
    translated: ModerationService,
) -> None:
    await translated.apply(translated.with_question("tankers-sent", "tankers to caracas?"), ALICE)

    claim = load_knowledge(translated.writer.root).claim("tankers-sent")
    assert claim is not None
    assert claim.questions[-1] == "tankers to caracas?"
    assert claim.translations == TRANSLATIONS


async def test_an_edit_keeps_the_translations_unless_the_statement_changes(
    translated: ModerationService,
) -> None:
    same = "The source says: Iran sent five tankers of gasoline to Venezuela in 2020."
    kept = translated.draft(tankers_fields(same), editing="tankers-sent")
    changed = translated.draft(tankers_fields(same + " Eventually."), editing="tankers-sent")

    assert kept.claim.translations == TRANSLATIONS
    assert changed.claim.translations == {}  # they translated the old statement
