"""The answering service and the JSON contract of its answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.answering import MAX_QUESTION_CHARS, Answer, AnswerService, Asker
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Outcome, ScoredClaim, build_matcher
from bot.privacy import UserIdMode, UserIdPolicy
from bot.querylog import LogRecord, PickRecord, QueryRecord
from tests.helpers import SOURCE_ID, claim_data, make_knowledge, shipped_knowledge

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TANKERS_QUESTION = "How many tankers did Iran send?"
TANKERS_QUOTE = "Iran sent five tankers of gasoline to Venezuela in 2020."
TREASURY_QUESTION = "How did the U.S. Treasury respond?"
TREASURY_QUOTE = "The U.S. Treasury responded with sanctions on the shipping firms."
ILLEGAL_QUOTE = "Both governments called the sanctions illegal"


class ListSink:
    """A record sink that keeps what it is given."""

    def __init__(self) -> None:
        self.records: list[LogRecord] = []

    def record(self, record: LogRecord) -> None:
        self.records.append(record)


def tankers_knowledge(tmp_path: Path) -> KnowledgeBase:
    return load_knowledge(make_knowledge(tmp_path / "tankers"))


def treasury_knowledge(tmp_path: Path) -> KnowledgeBase:
    claims = {
        "treasury-sanctions": claim_data(
            "treasury-sanctions",
            quote=TREASURY_QUOTE,
            questions=(TREASURY_QUESTION,),
        ),
        # A second claim, so that the treasury's words are not in every claim (a question
        # of words found everywhere says too little to be answered).
        "sanctions-called-illegal": claim_data(
            "sanctions-called-illegal",
            quote=ILLEGAL_QUOTE,
            questions=("What did both governments call the sanctions?",),
        ),
    }
    return load_knowledge(make_knowledge(tmp_path / "treasury", claims=claims))


def service_for(knowledge: KnowledgeBase, sink: ListSink | None = None) -> AnswerService:
    return AnswerService(knowledge, build_matcher(knowledge), sink, clock=lambda: NOW)


# --- the JSON contract -------------------------------------------------------------------------


def an_answer(knowledge: KnowledgeBase, outcome: Outcome, scores: tuple[float, ...]) -> Answer:
    claims = knowledge.claims
    matches = tuple(ScoredClaim(claims[i % len(claims)], score) for i, score in enumerate(scores))
    return Answer("q1", "Which tankers?", outcome, matches, 1.0, knowledge.version, NOW)


def test_to_json_has_exactly_the_documented_keys(tmp_path: Path) -> None:
    knowledge = tankers_knowledge(tmp_path)

    data = an_answer(knowledge, Outcome.ANSWERED, (91.5,)).to_json()

    assert data == {
        "question": "Which tankers?",
        "answered": True,
        "outcome": "answered",
        "language": "en",
        "matches": [
            {
                "id": "tankers-sent",
                "claim": f"The source says: {TANKERS_QUOTE}",
                "score": 91.5,
                "citations": [
                    {
                        "source": SOURCE_ID,
                        "quote": TANKERS_QUOTE,
                    }
                ],
            }
        ],
    }
    assert json.loads(json.dumps(data)) == data  # plain JSON types only


@pytest.mark.parametrize(
    ("outcome", "answered"),
    [(Outcome.ANSWERED, True), (Outcome.AMBIGUOUS, False), (Outcome.UNKNOWN, False)],
)
def test_answered_is_true_only_for_the_answered_outcome(
    tmp_path: Path, outcome: Outcome, answered: bool
) -> None:
    answer = an_answer(tankers_knowledge(tmp_path), outcome, (80.0, 79.0))

    data = answer.to_json()

    assert (data["answered"], data["outcome"]) == (answered, outcome.value)
    assert answer.answered is answered


def test_to_json_keeps_the_matches_in_order(tmp_path: Path) -> None:
    answer = an_answer(tankers_knowledge(tmp_path), Outcome.AMBIGUOUS, (80.0, 79.5, 70.25))

    assert [match["score"] for match in answer.to_json()["matches"]] == [80.0, 79.5, 70.25]


def test_the_service_gives_its_matches_best_first() -> None:
    knowledge = shipped_knowledge()
    service = service_for(knowledge)

    for question in ("oil", "What did Venezuela import from Iran in 2020?", "sanctions"):
        scores = [
            match["score"] for match in service.answer(question, Asker("cli")).to_json()["matches"]
        ]
        assert len(scores) >= 1, question
        assert scores == sorted(scores, reverse=True), question


# --- recording -----------------------------------------------------------------------------------


def test_answer_alone_records_nothing(tmp_path: Path) -> None:
    sink = ListSink()
    service = service_for(tankers_knowledge(tmp_path), sink)

    service.answer(TANKERS_QUESTION, Asker("cli"))

    assert sink.records == []


def test_record_hands_the_answer_to_the_sink_as_a_query_record(tmp_path: Path) -> None:
    sink = ListSink()
    knowledge = tankers_knowledge(tmp_path)
    service = service_for(knowledge, sink)
    asker = Asker("discord", user_id="u1", guild_id="g1", channel_id="c1")
    answer = service.answer(TANKERS_QUESTION, asker)

    service.record(answer)

    assert answer.outcome is Outcome.ANSWERED
    assert answer.best is not None
    assert sink.records == [
        QueryRecord(
            id=answer.query_id,
            asked_at=NOW,
            adapter="discord",
            question=TANKERS_QUESTION,
            outcome="answered",
            claim_id="tankers-sent",
            score=answer.best.score,
            latency_ms=answer.latency_ms,
            kb_version=knowledge.version,
            guild_id="g1",
            channel_id="c1",
            user_id="u1",
            language="en",
        )
    ]


def test_ask_answers_and_records_at_once(tmp_path: Path) -> None:
    sink = ListSink()
    service = service_for(tankers_knowledge(tmp_path), sink)

    first = service.ask(TANKERS_QUESTION, Asker("cli"))
    second = service.ask("What's the best pizza topping?", Asker("cli"))

    records = [r for r in sink.records if isinstance(r, QueryRecord)]
    assert [(r.id, r.outcome, r.claim_id, r.score) for r in records] == [
        (first.query_id, "answered", "tankers-sent", first.matches[0].score),
        (second.query_id, "unknown", None, None),
    ]
    assert first.query_id != second.query_id


def test_a_service_without_a_sink_still_answers(tmp_path: Path) -> None:
    service = service_for(tankers_knowledge(tmp_path))

    assert service.ask(TANKERS_QUESTION, Asker("cli")).answered


def test_a_pick_is_recorded_against_the_original_question_with_the_id_as_stored(
    tmp_path: Path,
) -> None:
    sink = ListSink()
    policy = UserIdPolicy(UserIdMode.HASHED, b"a-secret-of-at-least-sixteen-bytes")
    knowledge = tankers_knowledge(tmp_path)
    service = AnswerService(
        knowledge, build_matcher(knowledge), sink, user_ids=policy, clock=lambda: NOW
    )

    chosen = service.choose(
        "tankers-sent",
        "0123456789abcdef",
        "tankers?",
        Asker("discord", user_id="u1"),
        language="es",
    )

    assert chosen is not None
    assert (chosen.query_id, chosen.outcome, chosen.language) == (
        "0123456789abcdef",
        Outcome.ANSWERED,
        "es",
    )
    assert [m.claim.id for m in chosen.matches] == ["tankers-sent"]
    assert sink.records == [
        PickRecord("0123456789abcdef", "tankers-sent", policy.store("u1") or "", NOW)
    ]
    assert "u1" not in repr(sink.records)


def test_a_pick_of_a_claim_since_removed_answers_none_and_records_nothing(tmp_path: Path) -> None:
    sink = ListSink()
    service = service_for(tankers_knowledge(tmp_path), sink)

    assert service.choose("gone-claim", "0123456789abcdef", "?", Asker("discord", "u1")) is None
    assert sink.records == []


def test_a_pick_without_stored_ids_is_recorded_without_the_member(tmp_path: Path) -> None:
    sink = ListSink()
    knowledge = tankers_knowledge(tmp_path)
    policy = UserIdPolicy(UserIdMode.NONE)
    service = AnswerService(
        knowledge, build_matcher(knowledge), sink, user_ids=policy, clock=lambda: NOW
    )

    service.choose("tankers-sent", "0123456789abcdef", "?", Asker("discord", user_id="u1"))

    assert sink.records == [PickRecord("0123456789abcdef", "tankers-sent", "", NOW)]


# --- knowledge replacement and input limits ------------------------------------------------------


def test_replace_knowledge_is_used_by_the_next_answer(tmp_path: Path) -> None:
    old, new = tankers_knowledge(tmp_path), treasury_knowledge(tmp_path)
    service = service_for(old)
    before = service.answer(TREASURY_QUESTION, Asker("cli"))

    service.replace_knowledge(new, build_matcher(new))
    after = service.answer(TREASURY_QUESTION, Asker("cli"))

    assert before.outcome is Outcome.UNKNOWN
    assert before.kb_version == old.version
    assert after.outcome is Outcome.ANSWERED
    assert after.best is not None
    assert after.best.claim.id == "treasury-sanctions"
    assert after.kb_version == new.version != old.version
    assert service.knowledge == new
    assert service.claim("treasury-sanctions") in new.claims
    assert service.claim("tankers-sent") is None


def test_the_question_is_stored_with_its_whitespace_collapsed(tmp_path: Path) -> None:
    service = service_for(tankers_knowledge(tmp_path))

    answer = service.answer("  How many\ttankers \n did Iran   send? ", Asker("cli"))

    assert answer.question == TANKERS_QUESTION
    assert not answer.truncated
    assert answer.answered


def test_a_long_question_is_truncated_and_says_so(tmp_path: Path) -> None:
    service = service_for(tankers_knowledge(tmp_path))
    question = TANKERS_QUESTION + " and why" * 100

    answer = service.answer(question, Asker("cli"))

    assert answer.truncated
    assert answer.question == question[:MAX_QUESTION_CHARS]
    assert len(answer.question) == MAX_QUESTION_CHARS


def test_a_question_of_exactly_the_limit_is_not_truncated(tmp_path: Path) -> None:
    service = service_for(tankers_knowledge(tmp_path))
    question = ("tankers " * 100)[: MAX_QUESTION_CHARS - 1] + "x"

    answer = service.answer(question, Asker("cli"))

    assert (answer.truncated, answer.question) == (False, question)
