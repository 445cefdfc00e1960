"""Calling actors: wait for an answer within a deadline, and get the callee's own exception.

Ray hands an exception raised inside an actor method back as a ``RayTaskError`` (an instance of
the original class too, where Ray can subclass it); :func:`call` re-raises the original
exception itself, so callers catch ``KeyError`` or ``CameraExistsError`` as in one process.
An actor that is gone or restarting, or does not answer in time, or an answer lost with its node,
raises one of :data:`UNREACHABLE`.
"""

from __future__ import annotations

from typing import Any

import ray
from ray.exceptions import (
    ActorDiedError,
    ActorUnschedulableError,
    GetTimeoutError,
    ObjectLostError,
    RayActorError,
    RayTaskError,
)

GONE: tuple[type[Exception], ...] = (ActorDiedError, ActorUnschedulableError)
"""What a call to an actor that is gone for good raises (it died, or its node did: Ray cannot
restart an actor pinned to a node that is gone)."""
UNREACHABLE: tuple[type[Exception], ...] = (RayActorError, GetTimeoutError, ObjectLostError, *GONE)
"""What a call to an actor that is gone, restarting or too slow raises; or one whose answer was
lost: a large answer waits in its node's object store, and goes with the node."""


def call(ref: Any, timeout_s: float | None) -> Any:
    """The result of the actor call ``ref`` (``handle.method.remote(...)``), waiting up to
    ``timeout_s``; the method's own exception if it raised one."""
    try:
        return ray.get(ref, timeout=timeout_s)
    except RayTaskError as error:
        cause = error.cause
        if isinstance(cause, Exception) and not isinstance(cause, RayTaskError):
            raise cause from None
        raise
