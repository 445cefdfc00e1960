"""An API process's calls into the cluster: an answer in bounded time, or a ClusterError.

Reads are retried while their actor is unavailable (the controller restarting, a camera's node
being replaced): each try makes the call anew, so a read of a camera's live data goes to the
agent that runs it now. Changes are not retried: an unavailable actor may or may not have
applied them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ray.exceptions import RayActorError

from cluster import ClusterError
from cluster.calls import UNREACHABLE, call

ASK_TIMEOUT_S = 30.0
"""Longest an API request waits for the controller or an agent."""
RETRY_S = 0.2
"""Pause between tries of a read whose actor was unavailable."""


def ask(ref: Any, timeout_s: float = ASK_TIMEOUT_S) -> Any:
    """What the remote call ``ref`` returns or raises (KeyError, CameraExistsError, ModelError,
    ... as in one process); ClusterError if the actor is gone, restarting or too slow."""
    try:
        return call(ref, timeout_s)
    except UNREACHABLE as error:
        raise ClusterError(f"the cluster did not answer: {error}") from None


def read(make_call: Callable[[], Any], timeout_s: float = ASK_TIMEOUT_S) -> Any:
    """:func:`ask` for a call that is safe to repeat: ``make_call`` is called (and its call
    made) again while the actor is unavailable, until ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return call(make_call(), max(0.1, deadline - time.monotonic()))
        except RayActorError as error:
            if time.monotonic() + RETRY_S >= deadline:
                raise ClusterError(f"the cluster did not answer: {error}") from None
            time.sleep(RETRY_S)
        except UNREACHABLE as error:  # no answer in time
            raise ClusterError(f"the cluster did not answer: {error}") from None
