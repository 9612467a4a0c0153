"""How the matcher ranks claims and when it admits it does not know."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import Citation, Claim, load_knowledge
from bot.matching import Matcher, Outcome, Thresholds, build_matcher
from tests.helpers import make_knowledge

SOURCE = (
    "Harbour Notes\n"
    "Iran sent five tankers of gasoline to Venezuela in 2020. "
    "The U.S. Treasury responded with sanctions on the shipping firms. "
    "Both governments called the sanctions illegal. "
    "Engineers from Iran repaired the Cardon refinery in Venezuela. "
    "Iran and Venezuela vote together at the United Nations. "
    "The oil trade grew while trade in oil machinery fell.\n"
)

CLAIMS = {
    "tankers": (
        "Iran sent five tankers of gasoline to Venezuela in 2020.",
        ["How many tankers did Iran send?", "iran tankers", "¿Cuántos petroleros envió Irán?"],
    ),
    "treasury": (
        "The U.S. Treasury responded with sanctions on the shipping firms.",
        ["What did the Treasury do?", "treasury sanctions"],
    ),
    "illegal": (
        "Both governments called the sanctions illegal.",
        ["What do the governments think of the sanctions?"],
    ),
    "refinery": (
        "Engineers from Iran repaired the Cardon refinery in Venezuela.",
        ["Who repaired the Cardon refinery?"],
    ),
    "united-nations": (
        "Iran and Venezuela vote together at the United Nations.",
        ["How do they vote at the United Nations?"],
    ),
    "oil-trade": ("The oil trade grew", ["How did the oil trade do?"]),
    "machinery": ("trade in oil machinery fell", ["What happened to machinery?"]),
}
SYNONYMS = {
    "groups": [
        ["gasoline", "petrol", "fuel", "gasolina"],
        ["united nations", "UN", "U.N.", "onu"],
        ["tanker", "petrolero", "petroleros"],
    ]
}


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    root = make_knowledge(
        tmp_path_factory.mktemp("kb"),
        source_text=SOURCE,
        claims={
            claim_id: {
                "id": claim_id,
                "statement": f"The Iran-Venezuela notes say: {quote}",
                "topics": ["shipping"],
                "questions": questions,
                "citations": [{"source": "tiny-source", "quote": quote}],
            }
            for claim_id, (quote, questions) in CLAIMS.items()
        },
        synonyms=SYNONYMS,
    )
    return build_matcher(load_knowledge(root))


def best_id(matcher: Matcher, question: str) -> str | None:
    best = matcher.match(question).best
    return best.claim.id if best else None


def test_a_question_worded_like_a_claim_is_answered_with_it(matcher: Matcher) -> None:
    result = matcher.match("What did the US Treasury do about the shipping firms?")
    assert result.outcome is Outcome.ANSWERED
    assert best_id(matcher, "What did the US Treasury do about the shipping firms?") == "treasury"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who repaired the Cardon refinary?", "refinery"),  # one letter wrong
        ("who repiared the cardon refinery", "refinery"),  # two letters swapped
        ("what did the tresury do", "treasury"),  # one letter missing
    ],
)
def test_typos_are_repaired_against_the_knowledge_base_vocabulary(
    matcher: Matcher, question: str, expected: str
) -> None:
    assert best_id(matcher, question) == expected


def test_a_question_of_nothing_but_typo_guesses_is_not_answered(matcher: Matcher) -> None:
    """ "refinary" alone may be a typo of "refinery", or a word we have never heard of
    ("arepas" is one edit from "areas"): the claim is offered, not asserted."""
    result = matcher.match("refinary")

    assert result.outcome is Outcome.UNKNOWN
    assert [c.claim.id for c in result.matches][:1] == ["refinery"]


def test_a_typo_guess_beside_a_known_word_is_answered(matcher: Matcher) -> None:
    result = matcher.match("cardon refinary")

    assert result.outcome is Outcome.ANSWERED
    assert best_id(matcher, "cardon refinary") == "refinery"


def test_a_spanish_word_taken_to_its_english_form_is_not_a_guess(matcher: Matcher) -> None:
    # "petroleras" is unknown; its Spanish stem is that of "petroleros", a tanker.
    assert matcher.match("petroleras").outcome is not Outcome.UNKNOWN


def test_word_order_does_not_matter(matcher: Matcher) -> None:
    assert best_id(matcher, "refinery Cardon repaired engineers") == "refinery"


def test_synonyms_from_the_table_match(matcher: Matcher) -> None:
    assert best_id(matcher, "Did Iran ship petrol to Venezuela?") == "tankers"


def test_accents_and_spanish_inflections_find_the_claim(matcher: Matcher) -> None:
    # "enviaba" is not in the knowledge base, but shares its Spanish stem with "envió".
    assert best_id(matcher, "¿Irán enviaba petroleros a Venezuela?") == "tankers"


def test_capitalised_acronym_matches_but_the_spanish_article_does_not(matcher: Matcher) -> None:
    (united_nations,) = matcher.query_terms("United Nations")
    assert united_nations in matcher.query_terms("How do Iran and Venezuela vote at the UN?")
    assert united_nations in matcher.query_terms("the U.N. vote")
    assert united_nations not in matcher.query_terms("un voto de Irán")


def test_words_found_in_every_claim_cannot_carry_a_match(matcher: Matcher) -> None:
    assert matcher.match("Iran Venezuela").outcome is not Outcome.ANSWERED


def test_a_question_of_stopwords_only_is_unknown_with_nothing_related(matcher: Matcher) -> None:
    result = matcher.match("what is the thing that they did?")
    assert result.outcome is Outcome.UNKNOWN
    assert result.matches == ()


def test_off_topic_questions_are_unknown(matcher: Matcher) -> None:
    assert matcher.match("What is the best pizza topping?").outcome is Outcome.UNKNOWN


def test_a_subject_word_the_knowledge_base_never_uses_forces_unknown(matcher: Matcher) -> None:
    result = matcher.match("How many Iranian soldiers are stationed in Venezuela?")
    assert result.outcome is Outcome.UNKNOWN


def test_asking_for_a_number_the_claim_does_not_hold_is_not_answered(matcher: Matcher) -> None:
    wording = matcher.match("Which engineers repaired the Cardon refinery?")
    counting = matcher.match("How many engineers repaired the Cardon refinery?")
    assert wording.outcome is Outcome.ANSWERED
    assert counting.outcome is Outcome.UNKNOWN
    assert [m.claim.id for m in counting.matches][:1] == ["refinery"]  # offered as related


def test_asking_for_a_number_the_claim_holds_is_answered(matcher: Matcher) -> None:
    result = matcher.match("How many tankers of gasoline did Iran send to Venezuela?")
    assert result.outcome is Outcome.ANSWERED
    assert best_id(matcher, "How many tankers of gasoline did Iran send to Venezuela?") == "tankers"


def test_adjacent_words_prefer_the_claim_that_keeps_them_together(matcher: Matcher) -> None:
    assert best_id(matcher, "oil trade") == "oil-trade"


def test_near_identical_claims_make_the_question_ambiguous(tmp_path: Path) -> None:
    quote_a = "Iran sent five tankers of gasoline to Venezuela in 2020."
    root = make_knowledge(
        tmp_path,
        claims={
            "first": {
                "id": "first",
                "statement": "Tankers of gasoline went to Venezuela.",
                "topics": [],
                "questions": ["tankers gasoline"],
                "citations": [{"source": "tiny-source", "quote": quote_a}],
            },
            "second": {
                "id": "second",
                "statement": "Tankers of gasoline reached Venezuela.",
                "topics": [],
                "questions": ["gasoline tankers"],
                "citations": [{"source": "tiny-source", "quote": quote_a}],
            },
            # Unrelated claims, so that "tankers" and "gasoline" are not in every claim
            # (a question of words found everywhere says too little to be answered).
            **{
                name: {
                    "id": name,
                    "statement": "The U.S. Treasury responded with sanctions.",
                    "topics": [],
                    "questions": [f"treasury sanctions {name}"],
                    "citations": [
                        {
                            "source": "tiny-source",
                            "quote": "The U.S. Treasury responded with sanctions on the shipping firms.",
                        }
                    ],
                }
                for name in ("third", "fourth")
            },
        },
    )
    result = build_matcher(load_knowledge(root)).match("tankers of gasoline")
    assert result.outcome is Outcome.AMBIGUOUS
    assert {m.claim.id for m in result.matches} == {"first", "second"}


def test_thresholds_come_from_the_thresholds_object(matcher: Matcher) -> None:
    strict = Matcher(matcher.index, Thresholds(answer=101.0))
    assert strict.match("Who repaired the Cardon refinery?").outcome is Outcome.UNKNOWN


def test_at_most_three_related_claims_are_offered_when_unknown(matcher: Matcher) -> None:
    result = matcher.match("Iran Venezuela sanctions oil trade machinery tankers pizza pasta salad")
    assert len(result.matches) <= 3


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_verdict_and_sane_scores(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert result.outcome in set(Outcome)
    assert len(result.matches) <= 4
    assert all(0.0 <= m.score <= 100.0 for m in result.matches)
    assert [m.score for m in result.matches] == sorted(
        (m.score for m in result.matches), reverse=True
    )


def test_a_year_is_not_an_amount(matcher: Matcher) -> None:
    # The tankers claim holds "five" and "2020"; the illegal-sanctions claim holds neither.
    from bot.matching.answer_type import AnswerType, can_answer

    knowledge_claims = {c.claim.id: c.claim for c in matcher.index.claims}
    assert can_answer(knowledge_claims["tankers"], AnswerType.QUANTITY)
    year_only = msgspec.structs.replace(
        knowledge_claims["tankers"],
        citations=(Citation(source="tiny-source", quote="in 2020"),),
    )
    assert not can_answer(year_only, AnswerType.QUANTITY)
    assert can_answer(year_only, AnswerType.DATE)


@pytest.mark.parametrize(
    "question",
    [
        "What is the price of gasoline in Venezuela?",
        "what's the cost of a tanker of fuel",
        "exchange rate between the bolivar and the rial",
        "¿cuánto cuesta la gasolina en Venezuela?",
        "precio de la gasolina iraní",
    ],
)
def test_a_price_is_a_quantity_question(question: str) -> None:
    from bot.matching.answer_type import AnswerType, answer_type

    assert answer_type(question) is AnswerType.QUANTITY


def test_a_price_question_is_not_answered_by_a_claim_without_a_figure(matcher: Matcher) -> None:
    """The treasury claim is about the sanctions, but names no price."""
    result = matcher.match("What was the cost of the treasury sanctions on the shipping firms?")
    assert result.outcome is Outcome.UNKNOWN
    assert (
        best_id(matcher, "What did the treasury sanctions on the shipping firms do?") == "treasury"
    )


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("what were the names of the iranian tankers", "name"),
        ("What is the name of the refinery?", "name"),
        ("¿Cómo se llaman los petroleros?", "name"),
        ("nombres de los ingenieros", "name"),
        ("Who repaired the refinery?", "any"),  # "who" is often answered by "Iranian engineers"
    ],
)
def test_a_question_asking_for_names_wants_a_name(question: str, wanted: str) -> None:
    from bot.matching.answer_type import answer_type

    assert answer_type(question).value == wanted


def test_names_are_runs_of_capitalised_words_after_a_sentence_s_first() -> None:
    from bot.matching.answer_type import names_in

    quote = "The U.S. Treasury Department acted. Then the Cardon refinery reopened."
    claim = msgspec.convert(
        {
            "id": "named",
            "statement": "A statement.",
            "topics": [],
            "questions": ["A question?"],
            "citations": [{"source": "tiny-source", "quote": quote}],
        },
        Claim,
    )
    assert names_in(claim) == ["U.S. Treasury Department", "Cardon"]


def test_a_names_question_is_answered_only_by_a_passage_naming_something_new(
    matcher: Matcher,
) -> None:
    """The refinery claim names "Cardon"; the treasury claim names only the Treasury,
    which the question already names."""
    named = matcher.match("What is the name of the refinery the engineers repaired?")
    assert named.outcome is Outcome.ANSWERED
    assert best_id(matcher, "What is the name of the refinery the engineers repaired?") == (
        "refinery"
    )

    unnamed = matcher.match("What are the names of the shipping firms the Treasury sanctioned?")
    assert unnamed.outcome is Outcome.UNKNOWN
    assert [m.claim.id for m in unnamed.matches][:1] == ["treasury"]


def test_one_word_that_many_claims_share_is_offered_as_a_choice(tmp_path: Path) -> None:
    """Five of twenty claims mention the refinery: "refinery" alone would be answered by
    whichever phrasing happens to be shortest, so the best few are offered instead."""
    refinery = "Engineers from Iran repaired the Cardon refinery in Venezuela."
    refinery_claims = {
        f"refinery-{word}": (
            f"The long account of the refinery, told in the {word} chapter of these notes.",
            [" ".join(["refinery", *extra])],  # "refinery" alone is closest to the first
            refinery,
        )
        for word, extra in (
            ("alpha", []),
            ("beta", ["engineers"]),
            ("gamma", ["engineers", "repaired"]),
            ("delta", ["engineers", "repaired", "cardon"]),
            ("epsilon", ["cardon", "engineers", "repaired", "venezuela"]),
        )
    }
    other_claims = {
        f"other-{n}": (f"Unrelated topic {n}.", [f"unrelated {n}"], "The oil trade grew")
        for n in range(15)
    }
    root = make_knowledge(
        tmp_path,
        source_text=SOURCE,
        claims={
            claim_id: {
                "id": claim_id,
                "statement": statement,
                "topics": [],
                "questions": questions,
                "citations": [{"source": "tiny-source", "quote": quote}],
            }
            for claim_id, (statement, questions, quote) in (refinery_claims | other_claims).items()
        },
    )
    matcher = build_matcher(load_knowledge(root))

    broad = matcher.match("refinery")
    assert broad.outcome is Outcome.AMBIGUOUS
    assert len(broad.matches) == 3
    assert {m.claim.id for m in broad.matches} <= set(refinery_claims)

    narrow = matcher.match("refinery alpha chapter")
    assert narrow.outcome is Outcome.ANSWERED
    assert narrow.matches[0].claim.id == "refinery-alpha"


@pytest.mark.parametrize("question", ["what time is it", "qué hora es", "¿qué tiempo hace?"])
def test_time_is_not_a_subject(matcher: Matcher, question: str) -> None:
    """A question about the time of day is not about the claim that says a partnership
    "evolved over time" (nor is "hora" a typo of a curated "hará")."""
    assert matcher.query_terms(question) == []
