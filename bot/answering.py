"""The answering service: the one place where a question becomes a cited answer.

The command line and the Discord cogs are thin adapters over :class:`AnswerService`;
it never imports ``discord``. The knowledge base and its matcher are held as one
pair and replaced in a single assignment (:meth:`AnswerService.replace_knowledge`),
so a question in flight sees either the old pair or the new one, never a mix.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from rapidfuzz import fuzz, process, utils

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Claim
from bot.matching import Matcher, Outcome, ScoredClaim
from bot.privacy import RAW_IDS, UserIdPolicy
from bot.querylog.records import FeedbackRecord, LogRecord, PickRecord, QueryRecord

MAX_QUESTION_CHARS = 500
"""Longer input is matched on its first ``MAX_QUESTION_CHARS`` characters and says so."""


def well_formed(text: str) -> str:
    """``text`` with every lone UTF-16 surrogate replaced by U+FFFD (split pairs rejoined).

    Discord's JSON may carry "\\ud800" escapes and the CLI's argv and stdin decode bad
    bytes to surrogates; such a string cannot be encoded as UTF-8, so SQLite, a Discord
    payload or ``--json`` output would fail on it.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


class RecordSink(Protocol):
    """Where answered questions go; :class:`bot.querylog.QueryLog` is the real one."""

    def record(self, record: LogRecord) -> None: ...


@runtime_checkable
class ForgettingSink(RecordSink, Protocol):
    """A sink that can also delete a member's rows (the query log can)."""

    async def forget_user(self, stored_user_id: str) -> int: ...


@dataclass(frozen=True)
class Asker:
    """Who asked, and where: whatever the adapter knows (ids as text, maybe hashed)."""

    adapter: str
    user_id: str | None = None
    guild_id: str | None = None
    channel_id: str | None = None


@dataclass(frozen=True)
class Answer:
    """What the service concluded about one question, with everything needed to show it."""

    query_id: str
    question: str
    outcome: Outcome
    matches: tuple[ScoredClaim, ...]
    latency_ms: float
    kb_version: str
    asked_at: datetime
    truncated: bool = False
    """The question was longer than :data:`MAX_QUESTION_CHARS` and was cut for matching."""
    asker: Asker = field(default_factory=lambda: Asker("unknown"))
    language: str = "en"
    """The question's language (``en``, ``es``, ``fa`` or ``other``): replies follow it."""

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWERED

    @property
    def best(self) -> ScoredClaim | None:
        return self.matches[0] if self.matches else None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``python -m bot ask --json`` (other tools depend on it)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "outcome": self.outcome.value,
            "language": self.language,
            "matches": [
                {
                    "id": match.claim.id,
                    "claim": match.claim.statement,
                    "score": match.score,
                    "citations": [
                        {"source": citation.source, "quote": citation.quote}
                        for citation in match.claim.citations
                    ],
                }
                for match in self.matches
            ],
        }

    def to_record(self) -> QueryRecord:
        best = self.best
        return QueryRecord(
            id=self.query_id,
            asked_at=self.asked_at,
            adapter=self.asker.adapter,
            guild_id=self.asker.guild_id,
            channel_id=self.asker.channel_id,
            user_id=self.asker.user_id,
            question=self.question,
            outcome=self.outcome.value,
            claim_id=best.claim.id if best else None,
            score=best.score if best else None,
            latency_ms=self.latency_ms,
            kb_version=self.kb_version,
            language=self.language,
        )


@dataclass(frozen=True)
class _Loaded:
    knowledge: KnowledgeBase
    matcher: Matcher


class AnswerService:
    """Answers questions from one knowledge base and hands each answer to a record sink."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        matcher: Matcher,
        sink: RecordSink | None = None,
        *,
        user_ids: UserIdPolicy = RAW_IDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._loaded = _Loaded(knowledge, matcher)
        self._sink = sink
        self.user_ids = user_ids
        """How askers' ids are stored (raw, hashed or not at all; see ``bot.privacy``)."""
        self._clock = clock

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._loaded.knowledge

    @property
    def matcher(self) -> Matcher:
        return self._loaded.matcher

    def replace_knowledge(self, knowledge: KnowledgeBase, matcher: Matcher) -> None:
        """Swap in a new knowledge base and its matcher, built beforehand, in one step."""
        self._loaded = _Loaded(knowledge, matcher)

    def answer(self, question: str, asker: Asker) -> Answer:
        """Match ``question``; nothing is recorded (call :meth:`record` once it is shown)."""
        loaded = self._loaded
        started = time.perf_counter()
        text = " ".join(well_formed(question).split())
        truncated = len(text) > MAX_QUESTION_CHARS
        result = loaded.matcher.match(text[:MAX_QUESTION_CHARS])
        latency_ms = (time.perf_counter() - started) * 1000.0
        return Answer(
            query_id=secrets.token_hex(8),
            question=text[:MAX_QUESTION_CHARS],
            outcome=result.outcome,
            matches=result.matches,
            latency_ms=round(latency_ms, 3),
            kb_version=loaded.knowledge.version,
            asked_at=self._clock(),
            truncated=truncated,
            asker=asker,
            language=result.language,
        )

    def record(self, answer: Answer) -> None:
        """Queue ``answer`` for the query log; never raises, never waits."""
        if self._sink is not None:
            record = answer.to_record()
            self._sink.record(replace(record, user_id=self.user_ids.store(record.user_id)))

    def record_feedback(self, query_id: str, user_id: str, helpful: bool) -> None:
        """Queue a member's 👍/👎 on an answer (their id stored as the policy says)."""
        if self._sink is not None:
            stored = self.user_ids.store(user_id) or ""
            self._sink.record(FeedbackRecord(query_id, stored, helpful, self._clock()))

    def ask(self, question: str, asker: Asker) -> Answer:
        """Answer and record at once, for adapters that show the answer synchronously."""
        answer = self.answer(question, asker)
        self.record(answer)
        return answer

    def choose(
        self,
        claim_id: str,
        query_id: str,
        question: str,
        asker: Asker,
        *,
        language: str = "en",
    ) -> Answer | None:
        """The answer a member picked among the candidates offered for a question ("did you
        mean", or the related claims of an "I don't know"): that claim, under the original
        query, in the question's ``language``. None if the claim is gone.

        The pick is queued for the log (a :class:`PickRecord` against ``query_id``, the
        member's id stored as the policy says); no new question is: feedback on the chosen
        answer attaches to the question already recorded as ``query_id``.
        """
        loaded = self._loaded
        claim = loaded.knowledge.claim(claim_id)
        if claim is None:
            return None
        picked_at = self._clock()
        if self._sink is not None:
            stored = self.user_ids.store(asker.user_id) or ""
            self._sink.record(PickRecord(query_id, claim.id, stored, picked_at))
        return Answer(
            query_id=query_id,
            question=question,
            outcome=Outcome.ANSWERED,
            matches=(ScoredClaim(claim, 100.0),),
            latency_ms=0.0,
            kb_version=loaded.knowledge.version,
            asked_at=picked_at,
            asker=asker,
            language=language,
        )

    async def forget(self, user_id: str) -> int | None:
        """Delete what the log holds about ``user_id``: how many questions, or None when
        ids are not stored at all (nothing to delete)."""
        stored = self.user_ids.store(user_id)
        if stored is None:
            return None
        if isinstance(self._sink, ForgettingSink):
            return await self._sink.forget_user(stored)
        return 0

    def search(self, query: str, limit: int = 5) -> list[ScoredClaim]:
        """The best ``limit`` claims for ``query``, whatever the verdict (for /search)."""
        matcher = self._loaded.matcher
        return matcher.rank(
            matcher.query_terms(well_formed(query[:MAX_QUESTION_CHARS])), limit=limit
        )

    def suggest_claims(self, text: str, limit: int = 25) -> list[Claim]:
        """Claims for an id being typed: exact id, then ids containing it, then claims whose
        phrasings match it, then fuzzy matches on statements (for ``/claim`` autocomplete)."""
        loaded = self._loaded
        claims = loaded.knowledge.claims
        typed = " ".join(text.split()).casefold()[:100]
        if not typed:
            return sorted(claims, key=lambda claim: claim.id)[:limit]
        found: dict[str, Claim] = {}
        exact = loaded.knowledge.claim(typed)
        if exact is not None:
            found[exact.id] = exact
        found.update((c.id, c) for c in claims if c.id.startswith(typed))
        found.update((c.id, c) for c in claims if typed in c.id)
        matcher = loaded.matcher
        found.update(
            (m.claim.id, m.claim) for m in matcher.rank(matcher.query_terms(typed), limit=limit)
        )
        if len(found) < limit:
            statements = {index: claim.statement for index, claim in enumerate(claims)}
            for _, _, index in process.extract(
                typed,
                statements,
                scorer=fuzz.WRatio,
                processor=utils.default_process,
                limit=limit,
                score_cutoff=50,
            ):
                found.setdefault(claims[index].id, claims[index])
        return list(found.values())[:limit]

    def claim(self, claim_id: str) -> Claim | None:
        return self._loaded.knowledge.claim(claim_id)
