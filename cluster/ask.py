"""An API process's calls into the cluster: an answer in bounded time, or a ClusterError."""

from __future__ import annotations

from typing import Any

from cluster import ClusterError
from cluster.calls import UNREACHABLE, call

ASK_TIMEOUT_S = 30.0
"""Longest an API request waits for the controller or an agent."""


def ask(ref: Any, timeout_s: float = ASK_TIMEOUT_S) -> Any:
    """What the remote call ``ref`` returns or raises (KeyError, CameraExistsError, ModelError,
    ... as in one process); ClusterError if the actor is gone, restarting or too slow."""
    try:
        return call(ref, timeout_s)
    except UNREACHABLE as error:
        raise ClusterError(f"the cluster did not answer: {error}") from None
