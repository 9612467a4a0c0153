"""Running a check over the whole hostile corpus, and doubles cheap enough to do it.

A test per input would be 300 tests per layer; instead one test runs its check on
every input and fails with every input that broke it (by kind and index), and an
exception counts as a failure of that input, not of the test run.

``MagicMock(spec=discord.Interaction)`` costs about 5 ms to build, so the corpus runs
use plain namespaces that have exactly what the cogs read; anything else a cog touched
would raise AttributeError and show up as a failure.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Iterable
from types import SimpleNamespace
from typing import Any

from tests.discordbot.doubles import CHANNEL_ID, GUILD_ID, USER_ID
from tests.reliability.hostile_inputs import CORPUS

Failures = dict[str, list[str]]


def _case_id(index: int, kind: str, text: str) -> str:
    shown = repr(text) if len(text) <= 60 else f"{text[:50]!r}… ({len(text):,} chars)"
    return f"#{index} {kind}: {shown}"


def report(found: Failures) -> str:
    """One line per failing input with its problems, for the assertion message."""
    return f"{len(found)} inputs failed:\n" + "\n".join(
        f"{case} -> {' | '.join(p.strip() for p in problems)}" for case, problems in found.items()
    )


def failures(check: Callable[[str], list[str]]) -> Failures:
    """``{input: problems}`` for every corpus input whose check found problems or raised."""
    found: Failures = {}
    for index, (kind, text) in enumerate(CORPUS):
        try:
            problems = check(text)
        except Exception:
            problems = [traceback.format_exc(limit=-3)]
        if problems:
            found[_case_id(index, kind, text)] = problems
    return found


async def async_failures(check: Callable[[str], Awaitable[list[str]]]) -> Failures:
    found: Failures = {}
    for index, (kind, text) in enumerate(CORPUS):
        try:
            problems = await check(text)
        except Exception:
            problems = [traceback.format_exc(limit=-3)]
        if problems:
            found[_case_id(index, kind, text)] = problems
    return found


class Replies:
    """An awaitable that records how it was called (an ``AsyncMock`` costs far more)."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    async def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))

    def only(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The one call made; fails if there was not exactly one."""
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


def fake_interaction() -> Any:
    """What the Ask cog reads of an interaction, and its reply methods."""
    response = SimpleNamespace(send_message=Replies(), is_done=lambda: False)
    return SimpleNamespace(
        user=SimpleNamespace(id=USER_ID),
        guild_id=GUILD_ID,
        channel_id=CHANNEL_ID,
        response=response,
        followup=SimpleNamespace(send=Replies()),
    )


def fake_message(content: str, *, mentions: Iterable[int] = ()) -> Any:
    """What the Mentions cog and the message menu read of a message, and ``reply``."""
    return SimpleNamespace(
        content=content,
        author=SimpleNamespace(id=USER_ID, bot=False),
        mentions=[SimpleNamespace(id=user_id) for user_id in mentions],
        reference=None,
        channel=SimpleNamespace(id=CHANNEL_ID),
        guild=SimpleNamespace(id=GUILD_ID),
        reply=Replies(),
    )
