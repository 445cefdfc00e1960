"""Calls into the cluster from an API process: remote errors come back as themselves.

``ray.get`` wraps what a remote method raised in a ``RayTaskError``; the API maps KeyError,
CameraExistsError, ModelError, ValidationError, ... to HTTP answers exactly as in
single-process mode, so :func:`call` re-raises the original exception. An actor that is gone or
restarting, or no answer in time, is a :class:`ClusterError`.
"""

from __future__ import annotations

from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

from cluster import ClusterError

CALL_TIMEOUT_S = 30.0
"""Longest an API request waits for the controller or an agent."""


def call(ref: Any, timeout_s: float = CALL_TIMEOUT_S) -> Any:
    """The result of the remote call ``ref``, or what it raised."""
    try:
        return ray.get(ref, timeout=timeout_s)
    except RayTaskError as error:
        cause = error.cause
        if isinstance(cause, BaseException):
            raise cause from None
        raise ClusterError(str(error)) from None
    except RayActorError as error:
        raise ClusterError(f"a cluster actor is unavailable: {error.error_msg}") from None
    except GetTimeoutError:
        raise ClusterError(f"the cluster did not answer within {timeout_s:g} s") from None
