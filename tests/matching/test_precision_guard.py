"""A curator's new synonym or phrasing must not make everyday off-topic questions
answerable: "broken" once joined "aging", and "how to fix a broken laptop" was answered
with the claim about Iranian engineers repairing oil infrastructure."""

from __future__ import annotations

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
