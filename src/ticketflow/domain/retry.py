"""The retry schedule of worker jobs: when to try a failed job again, or that it is time to give up.

Pure: the attempt number, the other side's hint and a policy in, a delay out. The jitter comes from
a random value the caller draws (in [0, 1)), so the same inputs always give the same answer.

Shape (OTOBO's RequestRetry, reference §4.5, plus jitter): the first retry waits ``initial_delay``;
each further one ``factor`` times longer, capped at ``max_delay``; the jitter spreads the delay by
± ``jitter`` of itself so that jobs failing together (an outage) do not come back together. A
``retry_after`` hint (a 429's or 503's Retry-After) is a lower bound: we never call back sooner than
the other side asked, even beyond ``max_delay``. Never less than ``min_delay`` (OTOBO: 1 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a job is retried. ``max_attempts`` counts all attempts (the
    first one too): 1 means never retry."""

    max_attempts: int = 10  # OTOBO's scheduler gives a GenericInterface task 10 attempts
    initial_delay: timedelta = timedelta(seconds=2)
    factor: float = 2.0
    max_delay: timedelta = timedelta(minutes=10)
    jitter: float = 0.2
    min_delay: timedelta = timedelta(seconds=1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")


def retry_delay(
    attempt: int,
    policy: RetryPolicy,
    *,
    random_value: float,
    retry_after: timedelta | None = None,
) -> timedelta | None:
    """How long to wait after failed attempt number ``attempt`` (1 = the first) before the next,
    or None when ``attempt`` was the last one the policy allows.

    ``random_value`` in [0, 1) picks the jitter: 0.5 gives the plain exponential delay, 0 the
    shortest and values near 1 the longest.
    """
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    if not 0 <= random_value < 1:
        raise ValueError("random_value must be in [0, 1)")
    if attempt >= policy.max_attempts:
        return None
    # Grow in float seconds, capped before the power overflows for large attempt numbers.
    exponent = min(attempt - 1, 64)
    seconds = min(
        policy.initial_delay.total_seconds() * policy.factor**exponent,
        policy.max_delay.total_seconds(),
    )
    seconds *= 1 + policy.jitter * (2 * random_value - 1)
    delay = timedelta(seconds=max(seconds, policy.min_delay.total_seconds()))
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return delay
