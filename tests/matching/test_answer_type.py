"""What kind of answer a question wants, and which passages can give it: a news report
never advises, an exact figure is a number, a year is a year, a person is a name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.knowledge.models import Claim
from bot.matching.answer_type import AnswerType, answer_type, can_answer
from tests.helpers import claim_data, make_knowledge


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("how do I invest in venezuelan oil", AnswerType.ADVICE),
        ("Is the Iran-Venezuela alliance a good thing?", AnswerType.ADVICE),
        ("¿Cómo puedo invertir en el petróleo venezolano?", AnswerType.ADVICE),
        ("به نظرت این اتحاد خوبه؟", AnswerType.ADVICE),
        ("how many tankers did iran send", AnswerType.QUANTITY),
        ("How many agreements have they signed in total?", AnswerType.EXACT_QUANTITY),
        ("¿Cuántos acuerdos firmaron exactamente?", AnswerType.EXACT_QUANTITY),
        ("¿Cuánto pagó Venezuela por la gasolina?", AnswerType.QUANTITY),
        ("según los analistas, cuánto durará la relación", AnswerType.ANY),  # not an amount
        ("چند تا نفتکش فرستادند؟", AnswerType.QUANTITY),
        ("In what year did the US first sanction Venezuela?", AnswerType.YEAR),
        ("when did iran send gasoline", AnswerType.DATE),
        ("who is the president of iran", AnswerType.NAME),
        ("Which refineries did Iranian engineers repair?", AnswerType.NAME),
        ("what kind of help have Iranian engineers given", AnswerType.ANY),
        ("Which country holds the world's largest proven oil reserves?", AnswerType.ANY),
        ("how long is the relationship likely to persist?", AnswerType.ANY),
        ("Who responded to the alliance?", AnswerType.ANY),
        ("Which is the main sector of the partnership?", AnswerType.ANY),
        ("why are iran and venezuela allies", AnswerType.ANY),
    ],
)
def test_what_a_question_asks_for(question: str, wanted: AnswerType) -> None:
    assert answer_type(question) is wanted


@pytest.fixture
def claims(tmp_path: Path) -> dict[str, Claim]:
    quotes = {
        "five-tankers": "Iran sent five tankers of gasoline to Venezuela in 2020.",
        "numerous-agreements": "Both governments have signed numerous bilateral agreements.",
        "years-of-neglect": "Years of underinvestment left the refineries aging.",
    }
    source = " ".join(quotes.values())
    root = make_knowledge(
        tmp_path,
        claims={cid: claim_data(cid, quote=quote) for cid, quote in quotes.items()},
        source_text=f"Title\n{source}\n",
    )
    return {claim.id: claim for claim in load_knowledge(root).claims}


def test_an_exact_figure_needs_a_number_not_a_vague_amount(claims: dict[str, Claim]) -> None:
    assert can_answer(claims["numerous-agreements"], AnswerType.QUANTITY)
    assert not can_answer(claims["numerous-agreements"], AnswerType.EXACT_QUANTITY)
    assert not can_answer(claims["five-tankers"], AnswerType.EXACT_QUANTITY)  # "five" is a word
    assert can_answer(claims["five-tankers"], AnswerType.QUANTITY)


def test_a_year_needs_a_year_not_a_span_of_years(claims: dict[str, Claim]) -> None:
    assert can_answer(claims["years-of-neglect"], AnswerType.DATE)
    assert not can_answer(claims["years-of-neglect"], AnswerType.YEAR)
    assert can_answer(claims["five-tankers"], AnswerType.YEAR)


def test_no_claim_gives_advice(claims: dict[str, Claim]) -> None:
    assert not any(can_answer(claim, AnswerType.ADVICE) for claim in claims.values())
