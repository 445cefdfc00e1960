"""The controller's knowledge of where cameras run, and its camera host.

:class:`ControllerState` is what the controller knows (wanted cameras, their placements, the
agents, the lost nodes); :class:`Placer` is the :class:`runtime.camera_set.CameraHost` of its
camera set, which starts each camera through the agent of the node it places it on
(:mod:`cluster.placement`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from cluster.agents import AgentRecord
from cluster.calls import UNREACHABLE, call
from cluster.placement import loads, pick_node
from config import AppConfig, CameraConfig
from runtime.cameras import CameraRuntime, CameraStatus, waiting_status
from storage import EventStore
from stream.health import CameraState

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 10.0
ADD_TIMEOUT_S = 300.0
"""An agent's add_camera may load a model (and export it, the first time on a node)."""


@dataclass(eq=False)
class Placement:
    """Where a camera runs, or is being started."""

    node: str
    after_seq: int
    """The last event seq stored before it was placed there: its tracks of this run are the
    ones started after (:mod:`cluster.node_lost`)."""
    started_at: float | None = None
    """When its node said it runs (monotonic); None until then."""
    adding: Any = None
    """The loop's add_camera call in flight, if any."""
    leaving: tuple[str, Any] | None = None
    """For a camera moving here: the node it leaves and the remove_camera call in flight."""


@dataclass(eq=False)
class LostNode:
    """A lost node's cameras, held until its agent has surely fenced them."""

    node: str
    fenced_at: float
    """When its agent has surely stopped its cameras, plus a grace (monotonic)."""
    last_answer: float
    """When its agent last answered (epoch seconds)."""
    cameras: dict[str, int]
    """Each camera with the seq its run there started after."""


@dataclass(eq=False)
class ControllerState:
    """What the controller knows; every access holds ``lock``."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    wanted: dict[str, CameraConfig] = field(default_factory=dict)
    """Enabled cameras, which should run somewhere."""
    waiting_since: dict[str, float] = field(default_factory=dict)
    placed: dict[str, Placement] = field(default_factory=dict)
    lost: dict[str, LostNode] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    """Cameras their node refused (a model that does not load), with why."""

    def slots(self) -> dict[str, float]:
        return {node: a.slots for node, a in self.agents.items() if a.ready}

    def assignment(self) -> dict[str, str]:
        return {camera: p.node for camera, p in self.placed.items()}

    def owned(self, node: str) -> list[str]:
        """The cameras ``node`` may run: placed there, or moving away and not stopped yet."""
        here = [c for c, p in self.placed.items() if p.node == node]
        leaving = [c for c, p in self.placed.items() if p.leaving and p.leaving[0] == node]
        return here + leaving

    def waiting(self) -> list[str]:
        held = {camera for lost in self.lost.values() for camera in lost.cameras}
        return sorted(
            c
            for c in self.wanted
            if c not in self.placed and c not in held and c not in self.failed
        )


class Placer:
    """The :class:`runtime.camera_set.CameraHost` of the controller's camera set: runs each
    camera through the agent of the node it places it on."""

    def __init__(self, config: AppConfig, state: ControllerState, store: EventStore) -> None:
        self.config = config
        self.state = state
        self.store = store
        self._checks = CameraRuntime(config)
        """Runs nothing: its checks of sources and models need only the config."""

    def check_camera(self, camera: CameraConfig) -> None:
        self._checks.check_camera(camera)

    def check_classes(self, camera: CameraConfig) -> None:
        handle = self.agent_of(camera.id)
        if handle is not None:
            call(handle.check_classes.remote(camera), CALL_TIMEOUT_S)

    def add_camera(self, camera: CameraConfig) -> None:
        """Start ``camera`` on the node with the most free slots, or keep it waiting for one;
        the node's refusal (ModelError) is raised. ValueError if it is known already."""
        state = self.state
        after_seq = self.store.latest_seq()
        with state.lock:
            self.want(camera)
            if camera.id in state.placed:  # adopted from an agent by a restarted controller
                return
            node = pick_node(state.slots(), loads(state.assignment(), state.slots()))
            if node is None:
                log.warning("camera %s waits for a node with a free camera slot", camera.id)
                return
            placement = Placement(node, after_seq)
            state.placed[camera.id] = placement
            handle = state.agents[node].handle
        try:
            call(handle.add_camera.remote(camera), ADD_TIMEOUT_S)
        except UNREACHABLE as error:
            log.warning("camera %s: node %s did not take it (%s); retrying", camera.id, node, error)
            self._unplace(camera.id, placement)
            return
        except BaseException:
            with state.lock:
                state.wanted.pop(camera.id, None)
            self._unplace(camera.id, placement)
            raise
        with state.lock:
            placement.started_at = time.monotonic()

    def want(self, camera: CameraConfig) -> None:
        """Have ``camera`` run: the controller's loop places it (soon, in a batch with the
        others) unless it runs already; ValueError if it is known already."""
        with self.state.lock:
            if camera.id in self.state.wanted:
                raise ValueError(f"camera {camera.id!r} already exists")
            self.state.wanted[camera.id] = camera
            self.state.failed.pop(camera.id, None)
            self.state.waiting_since[camera.id] = time.time()

    def _unplace(self, camera_id: str, placement: Placement) -> None:
        with self.state.lock:
            if self.state.placed.get(camera_id) is placement:
                del self.state.placed[camera_id]

    def remove_camera(self, camera_id: str, timeout_s: float = CALL_TIMEOUT_S) -> bool:
        """Stop the camera wherever it runs; True if its node says it stopped in time (a node
        that does not answer stops it once its lease no longer lists it)."""
        state = self.state
        with state.lock:
            state.wanted.pop(camera_id, None)
            state.failed.pop(camera_id, None)
            state.waiting_since.pop(camera_id, None)
            placement = state.placed.pop(camera_id, None)
            agent = state.agents.get(placement.node) if placement else None
        if agent is None:
            return True
        try:
            return bool(call(agent.handle.remove_camera.remote(camera_id), timeout_s))
        except UNREACHABLE:
            return False

    def camera_ids(self) -> list[str]:
        with self.state.lock:
            return list(self.state.wanted)

    def status(self, camera_id: str) -> CameraStatus:
        """The status from the camera's node (``node`` set), or what :meth:`known_status`
        says; KeyError if it is not enabled."""
        handle = self.agent_of(camera_id, started=True)
        found = None
        if handle is not None:
            with contextlib.suppress(*UNREACHABLE):
                found = call(handle.status.remote(camera_id), CALL_TIMEOUT_S)
        return found if isinstance(found, CameraStatus) else self.known_status(camera_id)

    def known_status(self, camera_id: str) -> CameraStatus:
        """What the controller itself knows of the camera: ``failed`` with why its node
        refused it, ``starting`` while it waits for a node or starts on one, or that its node
        does not answer; KeyError if it is not enabled."""
        state = self.state
        with state.lock:
            camera = state.wanted[camera_id]
            since = state.waiting_since.get(camera_id, time.time())
            failure = state.failed.get(camera_id)
            placement = state.placed.get(camera_id)
        if failure is not None:
            return waiting_status(camera, since, "failed", CameraState.FAILED, failure)
        if placement is None:
            return waiting_status(camera, since, "waiting for a node")
        if placement.started_at is None:
            return replace(waiting_status(camera, since, "starting"), node=placement.node)
        unanswered = waiting_status(camera, since, "its node does not answer")
        return replace(unanswered, node=placement.node)

    def agent_of(self, camera_id: str, *, started: bool = False) -> Any:
        """The handle of the agent the camera is placed on (if ``started``: that runs it)."""
        with self.state.lock:
            placement = self.state.placed.get(camera_id)
            if placement is None or (started and placement.started_at is None):
                return None
            agent = self.state.agents.get(placement.node)
        return agent.handle if agent is not None else None
