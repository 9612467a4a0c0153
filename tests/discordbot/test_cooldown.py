"""``QuestionCooldown``: each member's question budget, on a clock the test moves."""

from __future__ import annotations

import pytest

from bot.discordbot.cooldown import QuestionCooldown
from tests.discordbot.doubles import OTHER_USER_ID, USER_ID, FakeClock


def test_the_budget_is_spent_one_question_at_a_time() -> None:
    clock = FakeClock()
    cooldown = QuestionCooldown(3, 60.0, clock=clock)

    waits = [cooldown.retry_after(USER_ID) for _ in range(3)]
    clock.advance(20.0)
    refused = cooldown.retry_after(USER_ID)

    assert waits == [None, None, None]
    assert refused == pytest.approx(40.0)


def test_the_budget_refills_once_the_window_has_passed() -> None:
    clock = FakeClock()
    cooldown = QuestionCooldown(1, 60.0, clock=clock)
    cooldown.retry_after(USER_ID)
    assert cooldown.retry_after(USER_ID) is not None

    clock.advance(60.1)

    assert cooldown.retry_after(USER_ID) is None


def test_asking_while_refused_does_not_extend_the_wait() -> None:
    clock = FakeClock()
    cooldown = QuestionCooldown(1, 60.0, clock=clock)
    cooldown.retry_after(USER_ID)

    for _ in range(5):
        clock.advance(10.0)
        cooldown.retry_after(USER_ID)
    clock.advance(10.1)

    assert cooldown.retry_after(USER_ID) is None


def test_members_have_separate_budgets() -> None:
    cooldown = QuestionCooldown(1, 60.0, clock=FakeClock())
    cooldown.retry_after(USER_ID)

    assert cooldown.retry_after(OTHER_USER_ID) is None
    assert cooldown.retry_after(USER_ID) is not None


def test_a_window_of_zero_seconds_turns_the_limit_off() -> None:
    cooldown = QuestionCooldown(1, 0.0, clock=FakeClock())

    assert [cooldown.retry_after(USER_ID) for _ in range(100)] == [None] * 100


def test_bucket_describes_the_members_limit() -> None:
    clock = FakeClock()
    cooldown = QuestionCooldown(2, 30.0, clock=clock)
    cooldown.retry_after(USER_ID)

    bucket = cooldown.bucket(USER_ID)

    assert (bucket.rate, bucket.per) == (2, 30.0)
    assert bucket.get_tokens(clock()) == 1
    assert cooldown.bucket(OTHER_USER_ID).get_tokens(clock()) == 2  # untouched member


def test_members_whose_window_has_passed_are_forgotten() -> None:
    clock = FakeClock()
    cooldown = QuestionCooldown(1, 60.0, clock=clock)
    for user_id in range(1, 1001):
        cooldown.retry_after(user_id)
    clock.advance(61.0)

    for _ in range(24):  # the 1024th call sweeps
        cooldown.retry_after(USER_ID)

    assert len(cooldown._buckets) == 1  # only the member still inside a window
