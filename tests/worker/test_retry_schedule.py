"""The retry schedule is a pure function of attempt, policy, hint and the drawn random value."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ticketflow.domain.retry import RetryPolicy, retry_delay

POLICY = RetryPolicy(
    max_attempts=5, initial_delay=timedelta(seconds=2), factor=2, max_delay=timedelta(seconds=10), jitter=0.2
)
MIDDLE = 0.5  # no jitter


def seconds(attempt: int, random_value: float = MIDDLE, retry_after: timedelta | None = None) -> float | None:
    delay = retry_delay(attempt, POLICY, random_value=random_value, retry_after=retry_after)
    return None if delay is None else delay.total_seconds()


def test_delays_grow_exponentially_up_to_the_cap_and_stop_after_the_last_attempt() -> None:
    assert [seconds(attempt) for attempt in range(1, 7)] == [2, 4, 8, 10, None, None]


def test_jitter_spreads_the_delay_by_the_policy_fraction_and_is_deterministic() -> None:
    assert seconds(2, 0.0) == pytest.approx(4 * 0.8)
    assert seconds(2, 0.999999) == pytest.approx(4 * 1.2, rel=1e-5)
    assert seconds(3, 0.25) == seconds(3, 0.25) == pytest.approx(8 * 0.9)


def test_retry_after_is_a_lower_bound_even_beyond_the_cap() -> None:
    assert seconds(1, retry_after=timedelta(seconds=30)) == 30
    assert seconds(3, retry_after=timedelta(seconds=1)) == 8  # a shorter hint does not hurry us
    assert seconds(5, retry_after=timedelta(seconds=30)) is None  # nor does it add attempts


def test_never_sooner_than_the_minimum_delay() -> None:
    quick = RetryPolicy(initial_delay=timedelta(0), jitter=0, min_delay=timedelta(seconds=1))
    assert retry_delay(1, quick, random_value=0.3) == timedelta(seconds=1)


def test_large_attempt_numbers_do_not_overflow() -> None:
    many = RetryPolicy(max_attempts=10_000)
    assert retry_delay(5_000, many, random_value=MIDDLE) == many.max_delay


def test_a_single_attempt_policy_never_retries() -> None:
    assert retry_delay(1, RetryPolicy(max_attempts=1), random_value=MIDDLE) is None


@pytest.mark.parametrize(
    ("attempt", "random_value"),
    [(0, 0.5), (1, 1.0), (1, -0.1)],
    ids=["attempt-0", "random-1", "random-negative"],
)
def test_bad_inputs_are_refused(attempt: int, random_value: float) -> None:
    with pytest.raises(ValueError, match=r"attempt|random"):
        retry_delay(attempt, POLICY, random_value=random_value)


@pytest.mark.parametrize(
    "changes", [{"max_attempts": 0}, {"factor": 0.5}, {"jitter": 1.0}], ids=["attempts", "factor", "jitter"]
)
def test_bad_policies_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RetryPolicy(**changes)  # type: ignore[arg-type]
