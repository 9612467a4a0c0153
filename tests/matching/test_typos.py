"""Typo repair touches only words that are no words: a real word the knowledge base does
not use stays unknown, whatever known word it resembles."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.knowledge.models import Language
from bot.matching import ClaimIndex, Matcher, Outcome, build_matcher
from bot.matching.typos import Repair, repair, settled
from bot.matching.wordlists import SortedWords, WordLists
from tests.helpers import make_knowledge, shipped_knowledge

SOURCE = (
    "Tanker Notes\n"
    "Iran sent gasoline to Venezuela in 2020. "
    "The leader of the refinery workers praised the shipments.\n"
)


class FixedLists(WordLists):
    """Word lists given in the test, instead of pyspellchecker's."""

    def __init__(self, **lists: set[str]) -> None:
        super().__init__()
        self._fixed = {language: SortedWords.of(words) for language, words in lists.items()}

    def words(self, language: Language) -> SortedWords:
        return self._fixed.get(language, SortedWords(""))


LISTS = FixedLists(
    en={"lead", "leader", "recipe", "queen", "firm", "shipments", "refinery", "iran"},
    es={"que", "firmaron", "recibe", "compra", "gasolina", "iran", "envio"},
    fa={"ایران", "کشور", "نفت"},
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> ClaimIndex:
    quotes = [
        "Iran sent gasoline to Venezuela in 2020.",
        "The leader of the refinery workers praised the shipments.",
    ]
    root = make_knowledge(
        tmp_path_factory.mktemp("kb"),
        source_text=SOURCE,
        claims={
            f"claim-{number}": {
                "id": f"claim-{number}",
                "statement": f"The notes say: {quote}",
                "topics": ["shipping"],
                "questions": questions,
                "citations": [{"source": "tiny-source", "quote": quote}],
            }
            for number, (quote, questions) in enumerate(
                zip(
                    quotes,
                    [
                        ["Did Iran send gasoline?", "¿Qué recibe Venezuela? ¿Firmaron algo?"],
                        ["Who praised the shipments?", "ایران نفت کشورها ونزوئلا فرستاد"],
                    ],
                    strict=True,
                )
            )
        },
    )
    return build_matcher(load_knowledge(root)).index


@pytest.mark.parametrize(
    ("word", "repaired"),
    [
        ("refinary", Repair("refinery", guessed=True)),  # no word: a typo
        ("shipmnets", Repair("shipments", guessed=True)),
        ("lead", Repair("lead", guessed=False)),  # a word: stays, unknown
        ("recipe", Repair("recipe", guessed=False)),  # not the Spanish "recibe"
        ("queen", Repair("queen", guessed=False)),  # nor "que" by its Spanish stem
        ("firm", Repair("firm", guessed=False)),  # nor "firmaron"
        ("compra", Repair("compra", guessed=False)),  # a Spanish word, unknown here
        ("gasolina", Repair("gasoline", guessed=False)),  # a Spanish word: by its stem
    ],
)
def test_only_words_that_are_no_words_are_repaired(
    index: ClaimIndex, word: str, repaired: Repair
) -> None:
    assert repair(index, word, LISTS) == repaired


def test_without_word_lists_every_unknown_word_is_a_candidate(index: ClaimIndex) -> None:
    """The rule as it was: "lead" became "leader" (both have the Spanish stem "lead"),
    "recipe" the Spanish "recibe" (one letter off)."""
    nothing = FixedLists()
    assert repair(index, "lead", nothing) == Repair("leader", guessed=False)
    assert repair(index, "recipe", nothing) == Repair("recibe", guessed=True)


def test_a_spanish_inflection_still_finds_its_curated_form(index: ClaimIndex) -> None:
    """ "firmó" is no English word: its Spanish stem takes it to "firmaron"."""
    assert settled(index, "firmo", LISTS) == "firmaron"
    assert repair(index, "firmo", LISTS) == Repair("firmaron", guessed=False)


def test_persian_words_are_checked_against_the_persian_list(index: ClaimIndex) -> None:
    assert repair(index, "کشورهای", LISTS) == Repair("کشورهای", guessed=False)  # a word
    assert repair(index, "فرستادد", LISTS) == Repair("فرستاد", guessed=True)  # a typo


def test_words_of_other_scripts_are_never_guessed(index: ClaimIndex) -> None:
    assert repair(index, "нефть", LISTS) == Repair("нефть", guessed=False)


def test_known_words_never_need_the_lists(index: ClaimIndex) -> None:
    class Refusing(WordLists):
        def words(self, language: Language) -> SortedWords:
            raise AssertionError("the lists were read")

    for word in ("gasoline", "Iran", "the", "2020", "UN", "oil", "refineries"):
        assert repair(index, word, Refusing()) == Repair(word, guessed=False)


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    return build_matcher(shipped_knowledge())


@pytest.mark.parametrize(
    "word",
    ["lead", "flag", "food", "recipe", "joke", "three", "rain", "mejor", "queen", "unclear"],
)
def test_real_words_are_not_repaired_into_the_shipped_knowledge_base(
    shipped: Matcher, word: str
) -> None:
    assert repair(shipped.index, word, WordLists.shared()) == Repair(word, guessed=False)


@pytest.mark.parametrize(
    ("typo", "word"),
    [("sanctons", "sanctions"), ("venezula", "venezuela"), ("refinary", "refinery")],
)
def test_typos_are_still_repaired_in_the_shipped_knowledge_base(
    shipped: Matcher, typo: str, word: str
) -> None:
    assert repair(shipped.index, typo, WordLists.shared()) == Repair(word, guessed=True)


@pytest.mark.parametrize(
    "question",
    [
        "is it going to rain in caracas",  # "rain" was "ran" (short of fuel)
        "three reasons iran likes venezuela",  # "three" was "there"
        "is iran mejor than venezuela",  # "mejor" was "major"
        "tell me a joke about iran",  # "joke" was "joe"
    ],
)
def test_an_everyday_question_is_not_answered_through_a_repaired_real_word(
    shipped: Matcher, question: str
) -> None:
    assert shipped.match(question).outcome is not Outcome.ANSWERED


def test_a_cache_directory_is_only_used_when_passed(tmp_path: Path) -> None:
    lists = WordLists.shared(tmp_path)
    lists.words("fa")
    assert list(tmp_path.glob("words-fa-*.txt"))
