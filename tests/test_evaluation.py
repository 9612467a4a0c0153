"""The evaluation harness: question sets load, and answers are judged by their quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import default_knowledge_dir
from bot.evaluation import EvalQuestion, EvalSetError, judge, load_eval_set
from bot.knowledge import load_knowledge
from bot.matching import MatchResult, Outcome, ScoredClaim
from tests.helpers import claim_data, make_knowledge


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_the_shipped_question_sets_load(split: str) -> None:
    questions = load_eval_set(default_knowledge_dir() / "eval" / f"{split}.yaml")

    assert questions


def test_expect_is_required_exactly_for_answerable_questions(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text("- q: Where is the pizza?\n  category: off_topic\n  expect: pizza\n")

    with pytest.raises(EvalSetError, match="'expect' is required exactly for answerable"):
        load_eval_set(path)


def test_a_missing_question_set_is_an_eval_set_error(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match="cannot read"):
        load_eval_set(tmp_path / "missing.yaml")


def test_an_answer_is_right_when_its_best_claim_quotes_the_expected_text(tmp_path: Path) -> None:
    knowledge = load_knowledge(make_knowledge(tmp_path, claims={"tankers-sent": claim_data()}))
    best = ScoredClaim(knowledge.claims[0], 80.0)
    question = EvalQuestion("How many tankers?", "direct", expect="five  tankers")

    answered = judge(question, MatchResult(Outcome.ANSWERED, (best,), ()))
    hedged = judge(question, MatchResult(Outcome.AMBIGUOUS, (best,), ()))
    abstained = judge(question, MatchResult(Outcome.UNKNOWN, (best,), ()))
    wrong = judge(
        EvalQuestion("Who paid?", "direct", expect="paid in gold"),
        MatchResult(Outcome.ANSWERED, (best,), ()),
    )

    assert (answered.correct, answered.answered) == (True, True)
    assert (hedged.correct, hedged.answered) == (True, False)
    assert (abstained.correct, abstained.answered) == (False, False)
    assert (wrong.correct, wrong.answered) == (False, False)


def test_an_off_topic_question_is_right_only_when_the_matcher_abstains() -> None:
    question = EvalQuestion("Best pizza?", "off_topic")

    assert judge(question, MatchResult(Outcome.UNKNOWN, (), ())).correct
    assert not judge(question, MatchResult(Outcome.AMBIGUOUS, (), ())).correct
