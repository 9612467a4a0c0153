"""Coverage: which sentences of a source no claim quotes in full."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import load_knowledge
from bot.knowledge.coverage import coverage
from tests.helpers import SOURCE_ID, claim_data, make_knowledge, shipped_knowledge

SOURCE = (
    "Tankers Sail From Iran\n"
    "Iran sent five tankers of gasoline to Venezuela in 2020. "
    "Both governments called the sanctions illegal, and the tankers arrived anyway.\n"
)
HEADLINE = "Tankers Sail From Iran"
FIRST = "Iran sent five tankers of gasoline to Venezuela in 2020."
SECOND = "Both governments called the sanctions illegal, and the tankers arrived anyway."


def uncovered_with(tmp_path: Path, *quotes: str) -> tuple[str, ...]:
    claims = {
        f"claim-{index}": claim_data(f"claim-{index}", quote=quote)
        for index, quote in enumerate(quotes)
    }
    knowledge = load_knowledge(make_knowledge(tmp_path, source_text=SOURCE, claims=claims))
    return coverage(knowledge)[SOURCE_ID].uncovered


def test_a_sentence_quoted_whole_is_covered(tmp_path: Path) -> None:
    assert uncovered_with(tmp_path, FIRST) == (HEADLINE, SECOND)


def test_a_sentence_split_across_two_quotes_is_covered(tmp_path: Path) -> None:
    # Neither quote has the comma or the final period: only letters and digits count.
    assert (
        uncovered_with(
            tmp_path,
            HEADLINE,
            FIRST,
            "Both governments called the sanctions illegal",
            "and the tankers arrived anyway",
        )
        == ()
    )


def test_the_word_joining_two_quoted_clauses_need_not_be_quoted(tmp_path: Path) -> None:
    uncovered = uncovered_with(
        tmp_path,
        HEADLINE,
        FIRST,
        "Both governments called the sanctions illegal",
        "the tankers arrived anyway",
    )

    assert uncovered == ()


def test_a_content_word_left_out_between_two_quotes_is_not_forgiven(tmp_path: Path) -> None:
    uncovered = uncovered_with(
        tmp_path,
        HEADLINE,
        FIRST,
        "Both governments called the sanctions",
        "and the tankers arrived anyway",
    )

    assert uncovered == (SECOND,)


def test_a_sentence_quoted_only_in_part_is_not_covered(tmp_path: Path) -> None:
    assert uncovered_with(
        tmp_path, HEADLINE, FIRST, "Both governments called the sanctions illegal"
    ) == (SECOND,)


def test_a_sentence_missing_its_last_words_is_not_covered(tmp_path: Path) -> None:
    shortened = SECOND.rsplit(" ", 2)[0]  # quotes end on whole words (the loader insists)
    assert uncovered_with(tmp_path, HEADLINE, FIRST, shortened) == (SECOND,)


def test_a_quote_spanning_two_sentences_covers_both(tmp_path: Path) -> None:
    assert uncovered_with(tmp_path, HEADLINE, f"{FIRST} {SECOND}") == ()


def test_typographic_differences_do_not_uncover_a_sentence(tmp_path: Path) -> None:
    curly = SOURCE.replace("Both governments", "Both \u201cgovernments\u201d")
    knowledge = load_knowledge(
        make_knowledge(
            tmp_path,
            source_text=curly,
            claims={
                "claim-1": claim_data(
                    "claim-1",
                    quote='Both "governments" called the sanctions illegal,'
                    " and the tankers\n arrived anyway.",
                ),
            },
        )
    )

    assert coverage(knowledge)[SOURCE_ID].uncovered == (HEADLINE, FIRST)


def test_the_counts_and_ratio_follow_the_uncovered_sentences(tmp_path: Path) -> None:
    claims = {"claim-1": claim_data("claim-1", quote=FIRST)}
    knowledge = load_knowledge(make_knowledge(tmp_path, source_text=SOURCE, claims=claims))

    report = coverage(knowledge)[SOURCE_ID]

    assert (report.sentences, report.covered) == (3, 1)
    assert report.ratio == 1 / 3


def test_the_shipped_knowledge_base_quotes_every_sentence_of_every_source() -> None:
    reports = coverage(shipped_knowledge())

    uncovered = [
        f"{report.source_id}: {sentence}"
        for report in reports.values()
        for sentence in report.uncovered
    ]
    assert reports
    assert not uncovered, "sentences no claim quotes in full:\n" + "\n".join(uncovered)
