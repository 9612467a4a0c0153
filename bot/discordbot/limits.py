"""Discord's size limits, and cutting text to fit them without breaking words.

Numbers from Discord's API documentation; a payload over any of them is rejected
with HTTP 400, so every reply is cut to fit before it is sent.
"""

from __future__ import annotations

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000
CUSTOM_ID = 100
BUTTON_LABEL = 80
CHOICE_NAME = 100
CHOICE_VALUE = 100
AUTOCOMPLETE_CHOICES = 25

ELLIPSIS = "…"


def shorten(text: str, limit: int, *, suffix: str = "") -> str:
    """``text`` if it fits in ``limit`` characters, else cut at a word with "…" and ``suffix``.

    The result never exceeds ``limit``, even when ``suffix`` is long.
    """
    if len(text) <= limit:
        return text
    tail = ELLIPSIS + suffix
    if len(tail) >= limit:
        return text[: max(limit - 1, 0)] + ELLIPSIS if limit > 0 else ""
    room = limit - len(tail)
    cut = text[:room]
    space = cut.rfind(" ")
    if space > room // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + tail
