"""A curator's new synonym or phrasing must not make everyday off-topic questions
answerable: "broken" once joined "aging", and "how to fix a broken laptop" was answered
with the claim about Iranian engineers repairing oil infrastructure. Nor may it open a
false door to on-topic questions the article does not answer: "plant its flag" once made
"what does Iran's flag look like?" an answer about Iran's foothold in the hemisphere."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.synthetic import generated_questions
from bot.matching import Outcome, build_matcher
from tests.helpers import shipped_knowledge


def test_no_generated_off_topic_question_is_answered_by_the_shipped_knowledge_base() -> None:
    knowledge = shipped_knowledge()
    matcher = build_matcher(knowledge)
    off_topic = {q.text for q in generated_questions(knowledge, 3000) if q.kind == "off_topic"}

    answered = sorted(q for q in off_topic if matcher.match(q).outcome is not Outcome.UNKNOWN)

    assert len(off_topic) > 100
    assert answered == []


GUARD = Path(__file__).parent / "data" / "not_in_source_guard.yaml"
"""320 questions the article does not answer (260 on topic, 60 off, in English, Spanish and
Persian), written by a helper who saw only the article. A tuning set: curators may read
and use it; the eval sets measure, this guards."""

MOST_ON_TOPIC_ANSWERED = 21
"""What the shipped knowledge base answers today (8.1%), as a ceiling: lower it as
precision improves, never raise it to make a change pass. (It was 20 for an hour, while
"what kind of…" counted as asking for names: that closed one guard question and cost
seven answerable held-out and fresh ones, so the rule went and the ceiling with it.)"""


@pytest.mark.parametrize(
    "with_model", [False, pytest.param(True, marks=pytest.mark.semantic)], ids=["lexical", "hybrid"]
)
def test_the_not_in_source_guard_set_stays_mostly_unanswered(
    with_model: bool, request: pytest.FixtureRequest
) -> None:
    matcher = (
        request.getfixturevalue("hybrid") if with_model else build_matcher(shipped_knowledge())
    )
    questions = yaml.safe_load(GUARD.read_text(encoding="utf-8"))
    answered = {
        category: sorted(
            q["q"]
            for q in questions
            if q["category"] == category and matcher.match(q["q"]).outcome is Outcome.ANSWERED
        )
        for category in ("not_in_source", "off_topic")
    }

    assert answered["off_topic"] == []
    assert len(answered["not_in_source"]) <= MOST_ON_TOPIC_ANSWERED, answered["not_in_source"]
