"""Normalising text for quote comparison, and splitting a source into sentences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge.text import normalise_for_quoting, split_sentences
from tests.helpers import shipped_knowledge

# --- normalise_for_quoting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        pytest.param("\u201cgift\u201d", '"gift"', id="double curly quotes"),
        pytest.param("\u00abregalo\u00bb", '"regalo"', id="guillemets"),
        pytest.param("\u201elow-high\u201f", '"low-high"', id="low and reversed double quotes"),
        pytest.param("world\u2019s \u2018best\u2019", "world's 'best'", id="single curly quotes"),
        pytest.param("2020\u20132021 \u2014 then", "2020-2021 - then", id="en and em dashes"),
        pytest.param("U.S.\u2011backed", "U.S.-backed", id="non-breaking hyphen"),
        pytest.param("the\u00a0country", "the country", id="no-break space"),
        pytest.param("  two\n\tlines   here \r\n", "two lines here", id="whitespace runs"),
        pytest.param("cafe\u0301", "caf\u00e9", id="combining accent composed"),
    ],
)
def test_typography_and_whitespace_are_folded(typed: str, normalised: str) -> None:
    assert normalise_for_quoting(typed) == normalised


@pytest.mark.parametrize(
    "text",
    ["Iran and Venezuela", "IRAN and venezuela", "Iran, and Venezuela.", "Iran & Venezuela"],
)
def test_case_and_punctuation_are_kept(text: str) -> None:
    assert normalise_for_quoting(text) == text


_TRICKY = st.sampled_from(list("\u201c\u201d\u2018\u2019\u00ab\u00bb\u2013\u2014\u00a0\n\t \"'-"))
_TEXT = st.lists(st.one_of(_TRICKY, st.characters(codec="utf-8")), max_size=60).map("".join)


@given(_TEXT)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise_for_quoting(text)

    assert normalise_for_quoting(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not set(once) & set("\u201c\u201d\u2018\u2019\u00ab\u00bb\u2013\u2014\u00a0\n\t")


# --- split_sentences -------------------------------------------------------------------------


def test_a_period_ends_a_sentence_before_a_capital() -> None:
    assert split_sentences("Iran sent oil. Venezuela paid. Nobody knows how!  Why? 2020 came.") == [
        "Iran sent oil.",
        "Venezuela paid.",
        "Nobody knows how!",
        "Why?",
        "2020 came.",
    ]


def test_us_in_us_treasury_does_not_end_a_sentence() -> None:
    text = "The U.S. Treasury Department has targeted individuals. Analysts agree."

    assert split_sentences(text) == [
        "The U.S. Treasury Department has targeted individuals.",
        "Analysts agree.",
    ]


def test_us_in_us_backed_does_not_end_a_sentence() -> None:
    text = "They vote against U.S.-backed initiatives. They also talk."

    assert split_sentences(text) == [
        "They vote against U.S.-backed initiatives.",
        "They also talk.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Smith met Dr. Jones in Caracas.",
        "They traded oil, food, etc. and other goods.",
        "They traded goods, e.g. petrol.",
        "It rose to 3.5 million barrels.",
        "The talks in St. Petersburg ended.",
    ],
)
def test_abbreviations_and_decimals_do_not_end_a_sentence(text: str) -> None:
    assert split_sentences(text) == [text]


def test_a_closing_quote_stays_with_its_sentence() -> None:
    text = 'He called it "a lifeline." Others disagreed.'

    assert split_sentences(text) == ['He called it "a lifeline."', "Others disagreed."]


def test_a_headline_line_is_its_own_sentence() -> None:
    text = "Iran and Venezuela Forge Alliance\nIn a significant development, they met. Then more."

    assert split_sentences(text) == [
        "Iran and Venezuela Forge Alliance",
        "In a significant development, they met.",
        "Then more.",
    ]


def test_blank_lines_give_no_sentences_and_spacing_is_normalised() -> None:
    assert split_sentences("\n\n  First \u201cone\u201d.\u00a0 Second.\n\n") == [
        'First "one".',
        "Second.",
    ]


def test_the_shipped_source_has_33_sentences() -> None:
    (source,) = shipped_knowledge().sources.values()

    sentences = split_sentences(source.text)

    assert len(sentences) == 33
    assert sentences[0] == (
        "Iran and Venezuela Forge Alliance Through Shared Opposition to United States Policies"
    )
    assert all("U.S." not in sentence[-4:] for sentence in sentences)


_PROSE = st.lists(
    st.sampled_from(
        [
            "Iran",
            "sent",
            "U.S.",
            "oil.",
            "Oil",
            "e.g.",
            "3.5",
            "Mr.",
            "\u201cyes.\u201d",
            "why?",
            "Now!",
            "\n",
            "\n\n",
            " ",
            "\u00a0",
            "\t",
            "(see",
            "it).",
            "2020.",
        ]
    ),
    max_size=40,
).map(" ".join)


@given(_PROSE)
def test_sentences_put_back_together_give_the_normalised_text(text: str) -> None:
    # Coverage finds each sentence in the normalised source; this is what lets it.
    sentences = split_sentences(text)

    assert " ".join(sentences) == normalise_for_quoting(text)
    assert all(sentence and sentence == sentence.strip() for sentence in sentences)
