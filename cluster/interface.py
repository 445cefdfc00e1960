"""What the controller asks of a node agent: the methods of :class:`AgentInterface`.

:class:`cluster.agent.NodeAgent` is the real agent; the scaling simulation runs the real
controller with a light one. The controller starts one agent actor per camera node as
``agent_class(config, node, detector_factory, lease_s, setup)`` and calls these methods through Ray
(``handle.method.remote(...)``); an exception an agent raises reaches the caller wrapped in a
``RayTaskError`` (:func:`cluster.calls.call` unwraps it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine

from config import CameraConfig
from runtime.camera_set import CameraSet
from runtime.cameras import CameraStatus
from stream.redact import SecretSet

ProcessSetup = Callable[[SecretSet], None]
"""Run first in each actor's process (the controller, every node agent) with the set of secrets
the process's log lines must hide, which the actor keeps adding its cameras' URLs to: the
service's logging (format, level, redaction), as ``trackcast serve`` sets up its own process."""


class Sender(Protocol):
    """A delivery (webhook, MQTT) that the controller runs: it sends what the outbox holds,
    looking by itself every few seconds."""

    def start(self) -> None: ...

    def stop(self, timeout_s: float = 10.0) -> bool: ...


SenderFactory = Callable[[Engine, CameraSet[Any]], Sequence[Sender]]
"""Builds, in the controller's process, the senders of the events that every node queues in the
shared outbox, given the database and the controller's camera set (MQTT publishes each camera's
state). The controller runs them: one place in the cluster, so no event is sent twice."""


@dataclass(frozen=True, slots=True)
class AgentReport:
    """What an agent runs (its answer to a lease renewal, or to :meth:`report`)."""

    incarnation: str
    """Unique to the agent's process: a new one means Ray restarted the agent, cameras lost."""
    cameras: dict[str, int] = field(default_factory=dict)
    """The cameras it runs, each with the last event ``seq`` stored before it started there
    (where the camera's tracks of this run begin in the events table)."""


class AgentInterface(Protocol):
    """A node's camera host, as the controller uses it."""

    def lease(self, owned: list[str]) -> AgentReport:
        """Renew the agent's lease on ``owned``; it stops (fenced) any other camera it runs,
        and every camera once ``lease_s`` passes without a renewal."""
        ...

    def report(self) -> AgentReport:
        """What it runs, changing nothing (a restarted controller adopts it)."""
        ...

    def add_camera(self, camera: CameraConfig) -> None:
        """Start ``camera`` (owned from now on). ValueError if it runs here already,
        ModelError if its model cannot load."""
        ...

    def remove_camera(self, camera_id: str) -> bool:
        """Stop the camera, ending its open tracks; True if it stopped in time, False if it
        did not run here."""
        ...

    def check_classes(self, camera: CameraConfig) -> None:
        """UnknownClassError for a class ``camera`` names that its detector, if loaded on this
        node, never reports."""
        ...

    def statuses(self) -> dict[str, CameraStatus]:
        """Status of every camera it runs, each with ``node`` set."""
        ...

    def status(self, camera_id: str) -> CameraStatus | None:
        """The camera's status (``node`` set), None if it does not run here."""
        ...

    def stop(self, timeout_s: float) -> bool:
        """Stop every camera (ending its tracks) and flush its events; True if all ended."""
        ...
