"""Per-member question rate limit, shared by slash commands, the message menu and mentions.

discord.py's own ``app_commands.checks.cooldown`` is fixed when the module is imported
and covers slash commands only; ours is configured from the environment and one
member's budget is the same whichever way they ask.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from discord.app_commands import Cooldown

_SWEEP_EVERY = 1024


class QuestionCooldown:
    """``rate`` questions per ``per`` seconds for each member."""

    def __init__(
        self, rate: int, per: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._buckets: dict[int, Cooldown] = {}
        self._calls = 0

    def retry_after(self, user_id: int) -> float | None:
        """Spend one question of ``user_id``'s budget; seconds to wait if it is exhausted."""
        if self.per <= 0:
            return None
        now = self._clock()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = Cooldown(self.rate, self.per)
        return bucket.update_rate_limit(now)

    def bucket(self, user_id: int) -> Cooldown:
        """The member's bucket (for the error discord.py's handlers expect)."""
        return self._buckets.get(user_id) or Cooldown(self.rate, self.per)

    def _sweep(self, now: float) -> None:
        """Forget members whose window has passed, so memory stays bounded."""
        stale = [uid for uid, b in self._buckets.items() if b.get_tokens(now) >= b.rate]
        for uid in stale:
            del self._buckets[uid]
