"""Persian text as the matcher compares it: one spelling per letter, and a light stemmer.

The same Persian word reaches us in several spellings: typed on an Arabic keyboard (ي
and ك for ی and ک), with or without short vowels (harakat, tanwin, shadda), stretched
with tatweel ("ایـــران"), with Persian (۲۰۲۰) or Arabic-Indic (٢٠٢٠) digits. The
:data:`FOLDING` table, applied after Unicode NFKD has split off hamza and madda (so "آ",
"أ", "إ" are "ا", "ئ" is "ی" and "ؤ" is "و"), makes them one.

The zero-width non-joiner (ZWNJ, U+200C) separates a word's parts ("می‌کند",
"فرآورده‌های"); the tokenizer splits there, as at a space, and :func:`stem` takes the
same parts off a word written joined ("میکند", "کشورها"), so the three usual ways of
writing one word ("می‌کند", "می کند", "میکند") all come to "کند". The stemmer is
deliberately light: the continuous prefixes "می" and "نمی"; the plural "ها" ("های",
"هایی"); the superlative "ترین"; a final "ی" or "یی" (adjective, ezafe, indefinite:
"ایرانی" -> "ایران", "آمریکایی" -> "امریکا"). It never shortens a word below three
letters, so "میز", "تنها" and "ملی" stay as they are. Both sides of the comparison are
stemmed alike, so a stem need not be a word; what matters is that forms of one word meet.
"""

from __future__ import annotations

FOLDING: dict[int, int | None] = {
    0x064A: 0x06CC,  # ي Arabic yeh -> ی
    0x0649: 0x06CC,  # ى alef maksura -> ی
    0x0643: 0x06A9,  # ك Arabic kaf -> ک
    0x0629: 0x0647,  # ة teh marbuta -> ه
    0x06C0: 0x0647,  # ۀ heh with yeh above (when NFKD has not split it) -> ه
    0x06D5: 0x0647,  # ە ae (what NFKD makes of ۀ) -> ه
    0x06BE: 0x0647,  # ھ heh doachashmee -> ه
    0x0671: 0x0627,  # ٱ alef wasla -> ا
    0x0640: None,  # ـ tatweel (kashida), a stretch and no letter
    **{0x06F0 + digit: 0x30 + digit for digit in range(10)},  # ۰-۹
    **{0x0660 + digit: 0x30 + digit for digit in range(10)},  # ٠-٩
}
"""Code point -> its Persian spelling (None: removed), for ``str.translate`` after NFKD
and the removal of combining marks."""

FIRST = "\u0600"
LAST = "\u06ff"
"""The Arabic block: a token starting in it is Persian to :func:`stem`."""

_PREFIXES = ("نمی", "می")
_SUFFIXES = ("هایی", "های", "ها", "ترین")
_MIN_STEM = 3


def is_persian(word: str) -> bool:
    """Whether ``word`` (a token) is written in the Arabic script."""
    return FIRST <= word[:1] <= LAST


def stem(word: str) -> str:
    """The light stem of a folded Persian word (see the module's docstring)."""
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_STEM:
            word = word[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            word = word[: -len(suffix)]
            break
    if word.endswith("یی") and len(word) - 2 >= _MIN_STEM:
        return word[:-2]
    if word.endswith("ی") and len(word) - 1 >= _MIN_STEM:
        return word[:-1]
    return word
