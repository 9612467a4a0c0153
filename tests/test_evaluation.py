"""The evaluation harness: question sets load, and answers are judged by their quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import default_knowledge_dir
from bot.evaluation import EvalQuestion, EvalSetError, Verdict, judge, load_eval_set
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


def test_verdicts_say_what_a_member_saw(tmp_path: Path) -> None:
    knowledge = load_knowledge(
        make_knowledge(
            tmp_path,
            claims={
                "tankers-sent": claim_data(),
                "shipping-sanctioned": claim_data(
                    "shipping-sanctioned",
                    quote="The U.S. Treasury responded with sanctions on the shipping firms.",
                ),
            },
        )
    )
    tankers, gold = (
        ScoredClaim(knowledge.claim(claim_id), 70.0)  # type: ignore[arg-type]
        for claim_id in ("tankers-sent", "shipping-sanctioned")
    )
    question = EvalQuestion("How many tankers?", "everyday", expect="five tankers")

    def verdict(outcome: Outcome, *matches: ScoredClaim) -> Verdict:
        return judge(question, MatchResult(outcome, matches, ())).verdict

    assert verdict(Outcome.ANSWERED, tankers) is Verdict.RIGHT
    assert verdict(Outcome.ANSWERED, gold, tankers) is Verdict.WRONG
    assert verdict(Outcome.UNKNOWN, gold, tankers) is Verdict.OFFERED
    assert verdict(Outcome.AMBIGUOUS, gold) is Verdict.MISSED


def test_a_question_without_an_answer_is_wrong_only_when_answered() -> None:
    question = EvalQuestion("Who leads Iran?", "not_in_source", lang="fa")

    assert judge(question, MatchResult(Outcome.UNKNOWN, (), ())).verdict is Verdict.RIGHT
    assert judge(question, MatchResult(Outcome.AMBIGUOUS, (), ())).verdict is Verdict.OFFERED
    assert judge(question, MatchResult(Outcome.ANSWERED, (), ())).verdict is Verdict.WRONG
    assert question.group == "not_in_source (fa)"
