"""A corpus of hostile questions: what pranksters, broken clients and attackers type.

Each entry is ``(kind, text)``; the kinds are what the closing table of issue 6 counts.
Some entries are written out, some generated (every control character, every
zero-width and bidi character, zalgo), and every one must reach the bot unharmed:
through :class:`bot.answering.AnswerService`, the Discord embeds and cogs, and the CLI.
"""

from __future__ import annotations

from collections import Counter

from bot.answering import MAX_QUESTION_CHARS

QUESTION = "What did Venezuela import from Iran in 2020?"
"""A question the shipped knowledge base answers, to carry payloads inside real asks."""

SNOWFLAKE = "123456789012345678"
BOT_ID = "555555555555555555"  # tests.discordbot.doubles.BOT_USER_ID

COMBINING = "".join(chr(c) for c in range(0x300, 0x370))
ZERO_WIDTH_AND_BIDI = (
    "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f\u061c\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _zalgo(text: str, marks_per_char: int) -> str:
    """Each character buried under ``marks_per_char`` combining marks (deterministic)."""
    out = []
    for index, char in enumerate(text):
        marks = (COMBINING[(index * 7 + k * 13) % len(COMBINING)] for k in range(marks_per_char))
        out.append(char + "".join(marks))
    return "".join(out)


_EMPTY = [
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "   \t \n ",
    "\u00a0",
    "\u2003\u2002\u2009",
    "\u3000",
    "\u2028\u2029",
    "\x0b\x0c",
    "\x1c\x1d\x1e\x1f",
    "\x85",
    " " * 10_000,
]

_LONG = [
    "x" * 10_000,
    "a " * 6_000,
    (QUESTION + " ") * 300,
    "é" * 10_001,
    "😀" * 10_000,
    "\u200b" * 10_000,
    "a\u0301" * 6_000,
    "q" * (MAX_QUESTION_CHARS - 1),
    "q" * MAX_QUESTION_CHARS,
    "q" * (MAX_QUESTION_CHARS + 1),
    "oil " * 2_500,
    "Iran Venezuela oil sanctions " * 1_000,
    QUESTION + " " * 10_000,  # collapses to a short question: not truncated
    "\n".join([QUESTION] * 500),
    "y" * 100_000,
    "ß" * (MAX_QUESTION_CHARS + 1),  # casefold doubles it
    "ﬃ" * 4_000,  # NFKC triples it
]

# Every C0 control character and DEL, inside a real question and alone.
_CONTROL = [f"oil{chr(code)}Iran" for code in (*range(0x20), 0x7F)] + [
    "\x00",
    "\x00" * 64,
    f"{QUESTION}\x00",
    "\x1b[31mred alert\x1b[0m",
    "\x1b]8;;http://127.0.0.1/\x07link\x1b]8;;\x07",
    "\x08" * 40 + "erased",
    "approved\rREJECTED",
    "\x07\x07\x07 bell",
    "".join(chr(code) for code in range(0x20)),
    "\x7f" * 50,
    "".join(chr(code) for code in range(0x80, 0xA0)),  # C1 controls
]

_INVISIBLE = [f"Vene{char}zuela" for char in ZERO_WIDTH_AND_BIDI] + [
    ZERO_WIDTH_AND_BIDI,
    "\u202eassert approved\u202c",
    "Iran \u202etnemevom\u202c Venezuela",
    "\u2066\u2067\u2068 unterminated isolates",
    "ev\u200beryone",
    "\ufeff" + QUESTION,
]

_EMOJI = [
    "😀",
    "👨\u200d👩\u200d👧\u200d👦",
    "🇻🇪🇮🇷",
    "🏳️\u200d🌈",
    "👍🏽",
    "1\ufe0f\u20e3",
    "\ufe0f" * 100,
    "\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # tag characters
    "e" + "\u0301" * 1_000,
    _zalgo("zalgo oil from iran", 30),
    _zalgo(QUESTION, 5),
    _zalgo("H̸e comes", 80),
    "🛢️ oil? 🇻🇪➡️🇮🇷",
    "\U0001f4a9" * 300,
]

_SURROGATES = [
    "\ud800",
    "\udfff",
    "a\ud800b",
    "\udc80",
    "\ud83d",  # the first half of an emoji
    "\ude00\ud83d",  # a pair in the wrong order
    "\ud83d\ude00",  # a pair given as two code points
    "\udcff\udcfe",  # undecodable bytes, as surrogateescape delivers them
    QUESTION + "\ud800",
    "\ud800" * (MAX_QUESTION_CHARS + 100),
    "@everyone\udfff",
]

_MENTIONS = [
    "@everyone",
    "@here",
    f"@everyone {QUESTION}",
    f"@here {QUESTION} @everyone",
    f"<@{SNOWFLAKE}>",
    f"<@!{SNOWFLAKE}>",
    f"<@&{SNOWFLAKE}>",
    f"<#{SNOWFLAKE}>",
    "<@1>",
    "<@!1>",
    "<@&1>",
    "<@&0>",
    f"<@{'9' * 25}>",
    "@\u200beveryone",
    "@@everyone",
    f"<<@{SNOWFLAKE}>>",
    "@everyone@here",
    "`@everyone`",
    "**@everyone**",
    "\\@everyone",
    "@EVERYONE @Here",
    f"<@{SNOWFLAKE}>" * 100,
    "@everyone " * 200,
    f"</ask:{SNOWFLAKE}>",
    "<t:1700000000:R>",
    f"<:pepe:{SNOWFLAKE}>",
    f"<a:spin:{SNOWFLAKE}>",
    f"<@{BOT_ID}> <@{BOT_ID}> again",
    f"<@&{SNOWFLAKE}> please read {QUESTION}",
    "@every\u200bone @here\u200b",
    f"||@everyone|| ||<@&{SNOWFLAKE}>||",
    f"> @here\n> <@{SNOWFLAKE}>",
]

_MARKDOWN = [
    "```",
    "```py\nprint('hi')\n```",
    "``` ``` ```",
    "```\n@everyone\n```",
    "||spoiler||",
    "|| unclosed spoiler",
    ">>> the rest of the embed is a quote",
    "> quote",
    "# Heading",
    "-# subtext",
    "**unclosed bold",
    "__underline__ ~~strike~~ *italic*",
    "*" * 100,
    "_" * 100,
    "`" * 300,
    "\\" * 50,
    "[link](http://x)",
    "[Click here for free Nitro](https://discord.gift/free)",
    "[https://good.example](https://evil.example)",
    "[@everyone](http://x)",
    "[x](javascript:alert(1))",
    "[ex](<https://x>)",
    "<http://x>",
    "https://evil.example/@everyone",
    "![img](http://x/a.png)",
    "\\`\\`\\`",
    "~~~~~~~~",
    "- [ ] task\n- [x] done",
    "1. one\n2. two",
    "| a | b |\n|---|---|",
]

_SQL = [
    "'; DROP TABLE queries; --",
    '" OR 1=1 --',
    "1; DELETE FROM feedback",
    "Robert'); DROP TABLE queries;--",
    "' UNION SELECT user_id, question FROM queries --",
    "%' OR '1'='1",
    "PRAGMA writable_schema = 1",
    "ATTACH DATABASE '/tmp/pwned.sqlite3' AS pwned",
    "\x00'; --",
    "'||(SELECT sqlite_version())||'",
    "?; ?; ?",
    ":user_id",
]

_YAML = [
    "!!python/object/apply:os.system ['echo pwned']",
    "&a [*a]",
    "a: &a [*a, *a]",
    "--- !!python/name:os.system",
    "key: value\nother: [",
    "? complex key\n: value",
    "%YAML 1.1\n---",
    "!!binary aGVsbG8=",
    "<<: *base",
    "- - - -",
    "{a: 1, a: 2}",
    "...",
    "---",
    "|\n  block scalar",
    "yes no on off ~ null",
]

_FORMAT = [
    "{0.__class__}",
    "{0.__class__.__mro__[1].__subclasses__()}",
    "%s%n",
    "%s%s%s%s%s%s%s%s",
    "%(question)s",
    "{}",
    "{question}",
    "{{}}",
    "%d %x %p",
    "${jndi:ldap://127.0.0.1/a}",
    "${7*7}",
    "{{7*7}}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{0:>10000}",
    "%999999999s",
    "\\N{LATIN SMALL LETTER A}",
    "%n%n%n%n",
]

_PATHS = [
    "../../../../etc/passwd",
    "..\\..\\windows\\system32\\config",
    "/etc/shadow",
    "file:///etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc",
    "knowledge/../../.env",
    "\x00/etc/passwd",
    "~/.ssh/id_rsa",
    "/proc/self/environ",
    "CON",
    "claims/../../bot/config.py",
]

_LONG_WORDS = [
    "a" * 5_000,
    "Iran" * 1_000,
    "antidisestablishmentarianism" * 200,
    "https://" + "a" * 3_000,
    "\u0627" * 3_000,
    "9" * 4_000,
    "-" * 5_000,
    "ñ" * 600,
]

_RTL = [
    "ما هي العلاقة بين إيران وفنزويلا؟",
    "מה ייבאה ונצואלה מאיראן?",
    "ونزوئلا از ایران چه وارد کرد؟",
    "Iran ایران Venezuela ونزوئلا 2020",
    "\u202bإيران\u202c oil",
    "ܐܝܪܢ ܘܢܙܘܝܠܐ",
    "ދިވެހި Iran",
    "إيران" * 200,
]

_MARKUP_AND_SHELL = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&lt;b&gt;bold&lt;/b&gt;",
    "<!-- comment -->",
    '{"question": "x", "answered": true}',
    '"]}',
    "$(rm -rf /)",
    "`id`",
    "; ls -la",
    "| cat /etc/passwd",
    "\\u0000",
    "null",
    "NaN",
]

_UNICODE_ODDITIES = [
    "\ufffd",
    "\uffff",
    "\U0010ffff",
    "\ufdd0",
    "\U0001d540\U0001d55f\U0001d552\U0001d55f",  # mathematical double-struck "Iran"
    "ＩＲＡＮ ＯＩＬ",
    "Іrаn оіl",  # Cyrillic look-alikes
    "İ" * 300,
    "\u0345" * 100,
    "\ue000\uf8ff",  # private use
    "Ǆǅǆ ǈ",
    "\u1160\u3164 hangul fillers",
]

_OTHER_LANGUAGES = [
    "¿Qué importó Venezuela de Irán en 2020?",
    "伊朗和委内瑞拉的关系是什么？",
    "イランとベネズエラの関係は？",
    "ईरान और वेनेज़ुएला का संबंध क्या है?",
    "이란과 베네수엘라의 관계는?",
    "Что Венесуэла импортировала из Ирана?",
]

CORPUS: tuple[tuple[str, str], ...] = tuple(
    (kind, text)
    for kind, texts in (
        ("empty or whitespace", _EMPTY),
        ("very long (up to 100,000 chars)", _LONG),
        ("control characters", _CONTROL),
        ("zero-width and bidi", _INVISIBLE),
        ("emoji and combining marks", _EMOJI),
        ("lone surrogates", _SURROGATES),
        ("mentions", _MENTIONS),
        ("markdown, fences, masked links", _MARKDOWN),
        ("SQL fragments", _SQL),
        ("YAML fragments", _YAML),
        ("format strings and templates", _FORMAT),
        ("path traversal", _PATHS),
        ("very long single words", _LONG_WORDS),
        ("right-to-left text", _RTL),
        ("HTML, JSON, shell", _MARKUP_AND_SHELL),
        ("unicode oddities", _UNICODE_ODDITIES),
        ("other languages", _OTHER_LANGUAGES),
    )
    for text in texts
)

HOSTILE_INPUTS: tuple[str, ...] = tuple(dict.fromkeys(text for _, text in CORPUS))
"""Every distinct hostile string, in corpus order."""

KIND_COUNTS: Counter[str] = Counter(kind for kind, _ in CORPUS)


def has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)
