"""Which language a question is written in: English, Spanish, Persian, or another one.

Cheap by design (a few microseconds per question, nothing imported but :mod:`re`): it
runs on every question. The script decides first: Arabic letters that outnumber the
Latin letters and those of any other script make Persian (or "other" when the text
reads as Arabic or Urdu); Latin letters make English, Spanish or "other"; any other
script (Cyrillic, CJK, Devanagari, Hangul, Greek, Hebrew, ...) makes "other". Between
the Latin languages, function words vote ("the", "what", "did" for English; "el",
"qué", "tiene" for Spanish; "le", "est", "und", "não", "il" for French, German,
Portuguese, Italian), helped by letters only some of them use ("¿", "ñ" and "á" for
Spanish; "ç", "ã", "ß", "è" for the others). A text that gives no evidence (too short,
names only: "iran oil", "Venezuela Iran 2020") is English, the bot's default; another
Latin language needs two votes more than English and Spanish each before the text is
"other", so a stray "le" or "und" does not make it one. Text without letters (empty,
digits, emoji, punctuation) is English too.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from bot.knowledge.models import Language

DetectedLanguage = Literal["en", "es", "fa", "other"]
"""A question's language: one the bot speaks (:data:`bot.knowledge.models.Language`), or
``other``."""

assert set(get_args(Language)) < set(get_args(DetectedLanguage))

_SAMPLE = 2_000
"""Characters looked at: a question's language shows in its beginning, and a 100,000
character paste must cost no more than a question."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ENGLISH = _words(
    """
    the of and to in is are was were be been what which who whom whose why how when where
    does did do doing done has have had having with for from on at by this that these those
    it its they their them there than then about into after before between against during
    i you he she we my your our his her an or but not any can could would should will
    shall may might must just also much many more most some very only still yet ever
    tell explain show give know get got say said isn aren doesn didn don won wasn weren
    """
)
_SPANISH = _words(
    """
    el la los las lo un una unos unas de del al y e o u que qué quien quién quienes quiénes
    cual cuál cuales cuáles cuando cuándo cuanto cuánto cuanta cuánta cuantos cuántos
    cuantas cuántas donde dónde como cómo porque por para con sin sobre entre hasta desde
    hacia según contra es son era eran fue fueron ser estar está están esta este estos
    estas ese esa esos esas eso esto hay ha han había hace hacen hizo tiene tienen tenía
    tenían puede pueden se su sus le les me mi mis te tu tus nos muy más pero también ya
    ni no sí aún algo algún alguna algunos nada todo todos otra otro otros ambos ambas
    dime explica sabes quiero
    """
)
_FRENCH = _words(
    """
    le la les un une des du de et est sont était ont au aux ce cet cette ces qui que quel
    quelle quels quelles quoi pourquoi comment où quand combien dans pour par avec sans sur
    entre vers chez il ils elle elles nous vous leur leurs son sa ses ne pas plus mais ou
    donc aussi y en l qu c j
    """
)
_GERMAN = _words(
    """
    der die das den dem des ein eine einen einem einer und oder aber ist sind war waren hat
    haben hatte wird werden wurde was wer wie wo wann warum welche welcher welches wieviel
    mit von zu zum zur im ins auf aus bei nach für über unter zwischen gegen nicht kein
    keine sich auch noch nur schon sehr es ich du er sie wir ihr
    """
)
_PORTUGUESE = _words(
    """
    o os a as um uma uns umas do da dos das no na nos nas ao aos pelo pela em e é são foi
    foram era eram está estão tem têm que quê qual quais quem quando onde como porque
    porquê para por com sem sobre entre até não sim mais mas também já muito isso isto
    esse essa este esta seu sua seus suas ele ela eles elas você vocês
    """
)
_ITALIAN = _words(
    """
    il lo la i gli le un uno una di del dello della dei degli delle da dal dalla dai in nel
    nella nei con su sul sulla per tra fra e è sono era erano ha hanno che chi cosa come
    dove quando perché quale quali quanto quanti non più ma anche molto questo questa
    quello quella dall dell all nell sull
    """
)
_OTHER_LATIN = (_FRENCH, _GERMAN, _PORTUGUESE, _ITALIAN)
_OTHER_MARGIN = 2
"""Votes another Latin language needs over English and over Spanish."""

_LATIN1_WORDS = bytes(ord(chr(code).lower()) if chr(code).isalpha() else 32 for code in range(256))
"""Latin-1 byte -> its lowercase if it is a letter, else a space: words by ``split``."""


def _keep(characters: str) -> bytes:
    """A ``bytes.translate`` deletion table that keeps only ``characters`` (Latin-1)."""
    kept = set(characters.encode("latin-1"))
    return bytes(code for code in range(256) if code not in kept)


_NOT_SPANISH_SIGNS = _keep("¿¡ñÑ")
_NOT_SPANISH_ACCENTS = _keep("áíóúÁÍÓÚ")
_NOT_OTHER_LATIN_LETTERS = _keep("ãõçêôâàèìòùîûëïÿäößÃÕÇÊÔÂÀÈÌÒÙÎÛËÏÄÖ")


def _lead_bytes(*ranges: tuple[int, int]) -> bytes:
    """A deletion table keeping the UTF-8 lead bytes in ``ranges`` (inclusive)."""
    kept = {code for low, high in ranges for code in range(low, high + 1)}
    return bytes(code for code in range(256) if code not in kept)


# A character's script, told by the first byte of its UTF-8 encoding (one C pass per
# script instead of a Python step per character). Punctuation, symbols, emoji, private
# use and presentation forms (lead bytes C2, CA-CD, E2, EE-F4) count for no script.
_NOT_LATIN = _lead_bytes((0x41, 0x5A), (0x61, 0x7A), (0xC3, 0xC9))
"""ASCII letters; U+00C0-U+027F (Latin-1 letters, Latin Extended-A and -B)."""
_NOT_ARABIC = _lead_bytes((0xD8, 0xDB))
"""U+0600-U+06FF, the Arabic block (Persian and Urdu letters included)."""
_NOT_OTHER_SCRIPT = _lead_bytes((0xCE, 0xD7), (0xDC, 0xE1), (0xE3, 0xED))
"""Greek, Cyrillic, Armenian, Hebrew, Syriac, Thaana, the Indic scripts, Thai, Georgian,
Ethiopic, kana, CJK, Hangul, ..."""

_PERSIAN = _words(
    """
    است هست نیست بود بودند شد شده شدند می نمی را که این آن اینها آنها با از به در برای
    چه چرا آیا چطور چطوری چگونه کدام کدوم چند چقدر کجا کی چی هستند دارد دارند داشت
    کرد کردند کند کنند کرده ها های هم یا اما ولی تا بر روی پس دیگر خیلی
    """
)
"""Persian function words."""
_ARABIC = _words(
    """
    في على إلى الى عن هذا هذه ذلك تلك التي الذي الذين هل ماذا لماذا كيف متى أين كان كانت
    هي هو لم لن ليس أو إن أن ثم مع منذ أي
    """
)
"""Arabic function words, as an Arabic keyboard types them; none is a Persian word ("من",
"ما", "هم", "او", "بین", "حتی", "علی" are words of both, or Persian words and names)."""
_TO_ARABIC = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643"})
_PERSIAN |= {word.translate(_TO_ARABIC) for word in _PERSIAN}  # typed on an Arabic keyboard
_ARABIC_ONLY_LETTERS = re.compile("[\u0629\u0649]")
"""ة and ى: Arabic spelling; Persian writes ه and ی."""
_PERSIAN_ONLY_LETTERS = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc]")
"""پ چ ژ گ, and the Persian forms of kaf and yeh (an Arabic keyboard types ك and ي)."""
_URDU_LETTERS = re.compile("[\u0679\u0688\u0691\u06ba\u06be\u06c1\u06d2]")
"""ٹ ڈ ڑ ں ھ ہ ے: Urdu (and Punjabi, Sindhi) spelling."""
_PERSIAN_WITH_ARTICLE = _words("البته الان الآن الکل الگو الهام الماس")
"""Persian words that start like the Arabic article "ال" (which, present at all, is one
vote: Persian borrows Arabic phrases, "بین‌المللی", "بیت‌المقدس")."""
_ARABIC_WORD_BREAKS = "\u200c\u060c\u061b\u061f\u06d4?!.,;:()\"'«»"
"""Punctuation (Arabic comma, semicolon, question mark and full stop included) and the
zero-width non-joiner, which joins a Persian word's parts ("های"): words end there."""


def detect_language(text: str) -> DetectedLanguage:
    """The language ``text`` is written in: see the module's docstring."""
    sample = text[:_SAMPLE]
    if sample.isascii():
        return _latin(sample.encode("ascii"))
    if max(sample) <= "\xff":
        return _latin(sample.encode("latin-1"))
    data = sample.encode("utf-8", "ignore")  # "ignore": lone surrogates
    arabic = len(data.translate(None, _NOT_ARABIC))
    latin = len(data.translate(None, _NOT_LATIN))
    others = len(data.translate(None, _NOT_OTHER_SCRIPT))
    if arabic > latin and arabic > others:
        return _arabic_script(sample)
    if latin and latin >= others:
        return _latin(sample.encode("latin-1", "replace"))
    if others:
        return "other"
    return "en"


def _latin(data: bytes) -> DetectedLanguage:
    """English, Spanish or another Latin-script language, for Latin-1 ``data``."""
    words = set(data.translate(_LATIN1_WORDS).decode("latin-1").split())
    english = len(words & _ENGLISH)
    spanish = len(words & _SPANISH)
    other = max(len(words & vocabulary) for vocabulary in _OTHER_LATIN)
    if not data.isascii():
        spanish += 2 * len(data.translate(None, _NOT_SPANISH_SIGNS))
        spanish += len(data.translate(None, _NOT_SPANISH_ACCENTS))
        other += len(data.translate(None, _NOT_OTHER_LATIN_LETTERS))
    if other >= max(english, spanish) + _OTHER_MARGIN:
        return "other"
    return "es" if spanish > english else "en"


def _arabic_script(text: str) -> DetectedLanguage:
    """Persian, or "other" for text that reads as Arabic or Urdu."""
    if _URDU_LETTERS.search(text):
        return "other"
    persian = _PERSIAN_ONLY_LETTERS.search(text) is not None
    arabic = _ARABIC_ONLY_LETTERS.search(text) is not None
    for mark in _ARABIC_WORD_BREAKS:
        if mark in text:
            text = text.replace(mark, " ")
    words = set(text.split())
    article = any(
        word.startswith("ال") and len(word) > 4 and word not in _PERSIAN_WITH_ARTICLE
        for word in words
    )
    persian_votes = persian + len(words & _PERSIAN)
    arabic_votes = arabic + len(words & _ARABIC) + article
    return "other" if arabic_votes > persian_votes else "fa"
