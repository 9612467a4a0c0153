"""The analyzer's folding: the Latin fast paths give what the general path gives, and
Persian goes through the same folding on both sides."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.analysis import Analyzer, fold, strip_accents, tokenize
from bot.matching.persian import FOLDING

_TOKEN = re.compile(r"[^\W_]+")
_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")


def reference_tokens(text: str) -> list[str]:
    """The slow way: NFKD, combining marks out, Persian folded, acronyms joined, words."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(FOLDING)
    bare = _ACRONYM.sub(lambda match: match.group(0).replace(".", ""), bare)
    return _TOKEN.findall(bare)


LATIN1 = st.text(alphabet=st.characters(max_codepoint=255), max_size=80)
ANY = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=255),
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.sampled_from("\u200c\u200d\u0640ءآأإئؤيكىةۀ۰۱۲٠١٢ ."),
    ),
    max_size=80,
)


@settings(max_examples=500, deadline=None)
@given(LATIN1)
def test_the_latin1_fast_path_tokenizes_as_the_general_path(text: str) -> None:
    assert tokenize(text) == reference_tokens(text)


@settings(max_examples=500, deadline=None)
@given(ANY)
def test_persian_and_mixed_text_tokenize_as_the_general_path(text: str) -> None:
    assert tokenize(text) == reference_tokens(text)


def test_folding_persian_leaves_latin_text_alone() -> None:
    assert strip_accents("What did Iran send?") == "What did Iran send?"
    assert strip_accents("¿Qué importó Irán?") == "¿Que importo Iran?"
    assert fold("U.S. sanctions on PDVSA, 2020") == "us sanctions on pdvsa 2020"


def test_questions_and_claims_go_through_the_same_folding() -> None:
    """A claim written with Persian letters and digits and a question typed on an Arabic
    keyboard with ASCII digits give the same terms."""
    analyzer = Analyzer([["gasoline", "بنزین"]])
    claim = analyzer.terms("ونزوئلا در سال ۲۰۲۰ بنزین ایران را خرید")
    question = analyzer.terms("ونزوئلا در سال 2020 بنزين ايران را خريد؟")
    assert claim == question
    assert "gasolin" in claim  # the synonym group's canonical term, stemmed


def test_a_persian_synonym_group_matches_its_inflected_forms() -> None:
    analyzer = Analyzer([["تحریم", "sanctions"]])
    assert analyzer.terms("تحریم‌های آمریکا") == analyzer.terms("sanctions امریکایی")


def test_stems_are_english_for_latin_words_and_persian_for_persian_ones() -> None:
    analyzer = Analyzer([])
    assert analyzer.stem("imported") == "import"
    assert analyzer.stem("کشورها") == "کشور"
    assert analyzer.stem("Москва") == "москва"
