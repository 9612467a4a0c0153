"""``shorten``: text cut to Discord's limits at a word, with "…" and an optional suffix."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.discordbot.limits import ELLIPSIS, shorten


def test_text_that_fits_is_returned_unchanged() -> None:
    assert shorten("alpha beta", 10) == "alpha beta"


def test_long_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert shorten("alpha beta gamma delta", 15) == "alpha beta…"


def test_trailing_punctuation_before_the_cut_is_dropped() -> None:
    assert shorten("alpha beta, gamma delta", 16) == "alpha beta…"


def test_the_suffix_follows_the_ellipsis_within_the_limit() -> None:
    text = "one two three four five six seven eight nine ten"

    result = shorten(text, 30, suffix=" (see /claim)")

    assert result == "one two three…" + " (see /claim)"
    assert len(result) <= 30


def test_a_word_longer_than_half_the_room_is_cut_inside() -> None:
    assert shorten("a " + "x" * 50, 10) == "a xxxxxxx…"


def test_a_suffix_too_long_for_the_limit_is_left_out() -> None:
    assert shorten("alpha beta gamma", 8, suffix=" (a very long pointer)") == "alpha b…"


def test_a_limit_of_one_leaves_only_the_ellipsis() -> None:
    assert shorten("alpha", 1) == ELLIPSIS


@given(text=st.text(), limit=st.integers(min_value=1, max_value=300), suffix=st.text(max_size=40))
def test_shorten_never_exceeds_the_limit(text: str, limit: int, suffix: str) -> None:
    assert len(shorten(text, limit, suffix=suffix)) <= limit


@given(text=st.text(), limit=st.integers(min_value=1, max_value=300), suffix=st.text(max_size=40))
def test_shorten_keeps_fitting_text_and_marks_every_cut(text: str, limit: int, suffix: str) -> None:
    result = shorten(text, limit, suffix=suffix)

    if len(text) <= limit:
        assert result == text
    elif len(ELLIPSIS + suffix) < limit:
        assert result.endswith(ELLIPSIS + suffix)
        kept = result.removesuffix(ELLIPSIS + suffix)
        assert text.startswith(kept)
    else:
        assert result.endswith(ELLIPSIS)
        assert text.startswith(result.removesuffix(ELLIPSIS))


@given(
    words=st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=2, max_size=60),
    limit=st.integers(min_value=10, max_value=200),
)
def test_shorten_cuts_between_words_when_a_space_is_near(words: list[str], limit: int) -> None:
    text = " ".join(words)

    result = shorten(text, limit)

    if len(text) > limit:
        kept = result.removesuffix(ELLIPSIS)
        room = limit - len(ELLIPSIS)
        if " " in text[room // 2 + 1 : room]:  # a space in the second half of the room
            assert text[len(kept)] == " "  # the cut falls on a word boundary
            assert kept.split() == words[: len(kept.split())]
