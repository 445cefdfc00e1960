"""Bounded waiting for tests: poll a condition, fail the test past a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_until(condition: Callable[[], bool], timeout_s: float, step_s: float = 0.02) -> float:
    """Seconds until ``condition`` held; fails the test after ``timeout_s``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            pytest.fail(f"condition not met within {timeout_s} s")
        time.sleep(step_s)
    return time.monotonic() - started
