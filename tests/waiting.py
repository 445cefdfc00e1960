"""Bounded waiting for tests: poll a condition, fail the test past a deadline.

Every deadline a test waits on goes through :func:`scaled`: on a busy machine the same work takes
longer, and a test should then pass slowly rather than fail. The factor is
``TRACKCAST_TEST_TIMEOUT_SCALE`` when set, else the machine's load per core when the session
started; never below 1.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

SCALE_VARIABLE = "TRACKCAST_TEST_TIMEOUT_SCALE"


def timeout_scale() -> float:
    """The factor every test deadline is multiplied by (at least 1)."""
    configured = os.environ.get(SCALE_VARIABLE)
    if configured:
        try:
            return max(1.0, float(configured))
        except ValueError:
            raise pytest.UsageError(
                f"{SCALE_VARIABLE}={configured!r}: give a number, e.g. 2"
            ) from None
    cores = len(os.sched_getaffinity(0)) or 1
    return max(1.0, os.getloadavg()[0] / cores)


SCALE = timeout_scale()
"""Fixed when the test session starts, so every deadline in one run uses the same factor."""


def scaled(seconds: float) -> float:
    """``seconds`` stretched by the session's timeout scale."""
    return seconds * SCALE


def wait_until(condition: Callable[[], bool], timeout_s: float, step_s: float = 0.02) -> float:
    """Seconds until ``condition`` held; fails the test after ``timeout_s`` (scaled)."""
    limit = scaled(timeout_s)
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            pytest.fail(
                f"condition not met within {limit:.0f} s ({timeout_s} s scaled by {SCALE:.2f})"
            )
        time.sleep(step_s)
    return time.monotonic() - started
