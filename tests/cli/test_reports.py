"""The read-only commands and the terminal rendering, run in-process for speed."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.answering import MAX_QUESTION_CHARS, Answer
from bot.cli import main
from bot.cli.render import render_answer
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Outcome, ScoredClaim
from bot.querylog import SCHEMA_VERSION, PickRecord, QueryLog
from tests.helpers import (
    SOURCE_ID,
    SOURCE_TITLE,
    claim_data,
    make_knowledge,
    query_record,
)

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def knowledge(tmp_path: Path) -> KnowledgeBase:
    return load_knowledge(
        make_knowledge(
            tmp_path,
            claims={
                "tankers-sent": claim_data(note="The source gives no tonnage."),
                "treasury-sanctions": claim_data(
                    "treasury-sanctions",
                    quote="The U.S. Treasury responded with sanctions on the shipping firms.",
                ),
            },
        )
    )


def answer_with(
    knowledge: KnowledgeBase, outcome: Outcome, *, truncated: bool = False, language: str = "en"
) -> Answer:
    matches = tuple(ScoredClaim(claim, 90.0 - i) for i, claim in enumerate(knowledge.claims))
    return Answer(
        "q1",
        "Tankers?",
        outcome,
        matches,
        1.0,
        knowledge.version,
        NOW,
        truncated=truncated,
        language=language,
    )


def test_an_answer_shows_statement_quotes_source_and_note(knowledge: KnowledgeBase) -> None:
    text = render_answer(answer_with(knowledge, Outcome.ANSWERED), knowledge)

    assert text.splitlines() == [
        "Q: Tankers?",
        "A: The source says: Iran sent five tankers of gasoline to Venezuela in 2020.  "
        "[tankers-sent, score 90]",
        '   > "Iran sent five tankers of gasoline to Venezuela in 2020."',
        f"     - {SOURCE_TITLE} ({SOURCE_ID})",
        "   Curator's note: The source gives no tonnage.",
    ]


def test_an_ambiguous_answer_lists_the_candidates(knowledge: KnowledgeBase) -> None:
    text = render_answer(answer_with(knowledge, Outcome.AMBIGUOUS), knowledge)

    assert "A: Your question fits more than one claim. Did you mean:" in text
    assert "[tankers-sent, score 90]" in text
    assert "[treasury-sanctions, score 89]" in text
    assert "   > " not in text  # no passage is quoted as if it answered the question


def test_an_unknown_answer_says_so_and_shows_related_claims(knowledge: KnowledgeBase) -> None:
    text = render_answer(answer_with(knowledge, Outcome.UNKNOWN, truncated=True), knowledge)

    assert text.splitlines()[1:3] == [
        f"(Only the first {MAX_QUESTION_CHARS} characters of your question were used.)",
        "A: I don't know that from my sources.",
    ]
    assert "Related claims:" in text


TRANSLATIONS = {
    "es": "La fuente dice: Irán envió cinco petroleros de gasolina a Venezuela en 2020.",
    "fa": "به گفته منبع، ایران در سال ۲۰۲۰ پنج نفتکش بنزین به ونزوئلا فرستاد.",
}


@pytest.fixture
def translated(tmp_path: Path) -> KnowledgeBase:
    claims = {
        "tankers-sent": claim_data(note="The source gives no tonnage.", translations=TRANSLATIONS),
        "treasury-sanctions": claim_data(
            "treasury-sanctions",
            quote="The U.S. Treasury responded with sanctions on the shipping firms.",
        ),
    }
    return load_knowledge(make_knowledge(tmp_path / "translated", claims=claims))


def test_an_answer_in_spanish_shows_the_translation_with_the_quote_verbatim(
    translated: KnowledgeBase,
) -> None:
    text = render_answer(answer_with(translated, Outcome.ANSWERED, language="es"), translated)

    assert text.splitlines() == [
        "Q: Tankers?",
        f"A: {TRANSLATIONS['es']}  [tankers-sent, score 90]",
        '   > "Iran sent five tankers of gasoline to Venezuela in 2020."',
        f"     - {SOURCE_TITLE} ({SOURCE_ID})",
        "   Nota del curador: The source gives no tonnage.",
    ]


def test_i_dont_know_in_persian_lists_related_claims_translated_where_they_are(
    translated: KnowledgeBase,
) -> None:
    text = render_answer(answer_with(translated, Outcome.UNKNOWN, language="fa"), translated)

    assert text.splitlines()[1:4] == [
        "A: منابع من در این باره چیزی نمی‌گویند.",
        "   ادعاهای مرتبط:",
        f"   - {TRANSLATIONS['fa']}  [tankers-sent, score 90]",
    ]
    assert "The source says: The U.S. Treasury" in text.splitlines()[4]  # not translated


def test_ask_json_keeps_the_english_statement_for_a_translated_claim(
    translated: KnowledgeBase,
) -> None:
    answer = answer_with(translated, Outcome.ANSWERED, language="es")

    [first, _] = answer.to_json()["matches"]
    assert (
        first["claim"]
        == "The source says: Iran sent five tankers of gasoline to Venezuela in 2020."
    )
    assert answer.to_json()["language"] == "es"


def test_claim_prints_one_claim_with_its_citations(
    knowledge: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["claim", "treasury-sanctions", "--knowledge", str(knowledge.root)], env={})

    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("treasury-sanctions: The source says: The U.S. Treasury")
    assert '"The U.S. Treasury responded with sanctions on the shipping firms."' in out


def test_claim_with_an_unknown_id_exits_1(
    knowledge: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["claim", "no-such-claim", "--knowledge", str(knowledge.root)], env={})

    assert code == 1
    assert capsys.readouterr().err == "no claim with id 'no-such-claim'\n"


def test_stats_without_a_log_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (tmp_path / "missing.sqlite3", tmp_path):  # nothing there, or a directory
        assert main(["stats", "--db", str(path)], env={}) == 1
        assert capsys.readouterr().err == f"no query log at {path} yet: ask a question first\n"


def test_stats_refuses_a_log_from_a_newer_bot_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "newer.sqlite3"
    connection = sqlite3.connect(db)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()

    assert main(["stats", "--db", str(db)], env={}) == 1
    assert capsys.readouterr().err == (
        f"cannot read the query log at {db}: query log schema version {SCHEMA_VERSION + 1} "
        f"is newer than this bot's {SCHEMA_VERSION}\n"
    )


def test_stats_refuses_a_file_that_is_not_a_database_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("not a database, just some notes\n" * 100)

    assert main(["stats", "--db", str(db)], env={}) == 1
    assert capsys.readouterr().err == f"cannot read the query log at {db}: file is not a database\n"


def test_misses_name_the_claims_members_picked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "q.sqlite3"
    now = datetime.now(UTC)

    async def seed() -> None:
        query_log = await QueryLog.open(db)
        for query_id in ("q1", "q2"):
            query_log.record(
                query_record(
                    query_id, question="Who owns the ships?", outcome="unknown", asked_at=now
                )
            )
            query_log.record(PickRecord(query_id, "tankers-sent", "u1", now))
        query_log.record(PickRecord("q2", "ships-owned", "u2", now))
        await query_log.close()

    asyncio.run(seed())

    assert main(["misses", "--db", str(db)], env={}) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "      2  Who owns the ships?  (2 unanswered)",
        "         members picked: tankers-sent ×2, ships-owned ×1",
    ]
