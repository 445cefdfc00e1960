"""The node agent: the Ray actor that runs one node's cameras for the cluster's controller.

There is one agent per camera node, pinned to it. It hosts a normal
:class:`runtime.cameras.CameraRuntime` (the node's cameras share its batching detector
workers) whose events go to the cluster's PostgreSQL, and thumbnails and clips under the shared
``data_dir``: :func:`runtime.stored.stored_runtime`, as in a single-process service. A
:class:`Fencer` thread stops, without writing another event for them, the cameras the controller
no longer lists as this node's, and all of them when the node is dead or cut off, or the
controller silent for too long (:mod:`cluster.fencing`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace

import ray

from cluster.fencing import CUTOFF_S, FencedEvents, Lease, NodeWatch
from cluster.interface import AgentReport
from cluster.live import LiveMethods
from config import AppConfig, CameraConfig
from runtime.cameras import CameraRuntime, CameraStatus, DetectorFactory
from runtime.stored import stored_runtime
from storage import open_event_storage
from stream.worker import Worker

log = logging.getLogger(__name__)

LEASE_S = 30.0
"""How long an agent runs its cameras without hearing from the controller (which renews every
second): longer than a controller restart takes."""
FENCE_POLL_S = 0.25
WATCH_STOP_S = 2.0
STOP_CAMERA_S = 10.0


class NodeAgent(LiveMethods):
    """One node's cameras (see the module's docstring and :class:`cluster.interface.AgentInterface`
    for the methods the controller calls). Runs as a threaded Ray actor."""

    def __init__(
        self,
        config: AppConfig,
        node: str,
        detector_factory: DetectorFactory | None = None,
        lease_s: float = LEASE_S,
    ) -> None:
        """``node``: the Ray node id it runs on (each camera's status says it)."""
        self.node = node
        self.incarnation = uuid.uuid4().hex
        self.storage = open_event_storage(config, migrate_schema=False)  # the controller did
        self.events = FencedEvents(self.storage.writer)
        self.runtime: CameraRuntime = stored_runtime(
            config, self.storage, detector_factory=detector_factory, events=self.events
        )
        self._lock = threading.Lock()
        self._owned: set[str] = set()
        self._since: dict[str, int] = {}
        self._lease = Lease(lease_s)
        self.watch = NodeWatch(self.node_alive, CUTOFF_S)
        self.storage.writer.start()
        self.watch.start()
        self._fencer = Fencer(self)
        self._fencer.start()
        log.info("node agent on %s started (incarnation %s)", node, self.incarnation)

    def lease(self, owned: list[str]) -> AgentReport:
        with self._lock:
            self._lease.renew()
            self._owned = set(owned)
        self._fencer.nudge()
        return self.report()

    def report(self) -> AgentReport:
        running = self.runtime.camera_ids()
        with self._lock:
            cameras = {c: self._since[c] for c in running if c in self._since}
        return AgentReport(self.incarnation, cameras)

    def add_camera(self, camera: CameraConfig) -> int:
        since = self.storage.store.latest_seq()
        with self._lock:
            self._lease.renew()  # the controller calls: it is reachable
            self._owned.add(camera.id)
            self._since[camera.id] = since
        self.events.admit(camera.id)
        try:
            self.runtime.add_camera(camera)
        except BaseException:
            with self._lock:
                self._owned.discard(camera.id)
                self._since.pop(camera.id, None)
            raise
        return since

    def remove_camera(self, camera_id: str) -> bool:
        with self._lock:
            self._owned.discard(camera_id)
            self._since.pop(camera_id, None)
        try:
            return self.runtime.remove_camera(camera_id, STOP_CAMERA_S)
        except KeyError:
            return False

    def check_classes(self, camera: CameraConfig) -> None:
        self.runtime.check_classes(camera)

    def camera_ids(self) -> list[str]:
        return self.runtime.camera_ids()

    def statuses(self) -> dict[str, CameraStatus]:
        found = (self.status(camera_id) for camera_id in self.runtime.camera_ids())
        return {status.health.camera_id: status for status in found if status is not None}

    def status(self, camera_id: str) -> CameraStatus | None:
        try:
            return replace(self.runtime.status(camera_id), node=self.node)
        except KeyError:
            return None

    def node_alive(self) -> bool:
        """Whether Ray's control store lists this agent's node as alive (it raises, or hangs,
        when it cannot be reached)."""
        return any(node["NodeID"] == self.node and node["Alive"] for node in ray.nodes())

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop the fencer and every camera (their tracks end, unless fenced), then write what
        the cameras emitted; True if every thread ended and every event was kept."""
        ended = self._fencer.stop(timeout_s)
        self.watch.stop(min(timeout_s, WATCH_STOP_S))  # its check may hang on a lost cluster
        ended = self.runtime.stop(timeout_s) and ended
        kept = self.storage.writer.stop(timeout_s)
        self.storage.engine.dispose()
        return ended and kept

    def fenced_why(self) -> str | None:
        """Why it may run no camera at all, if so."""
        if self.watch.cut_off:
            return "its node is dead or cut off from the cluster"
        if self._lease.expired:
            return "the controller has not renewed its lease"
        return None

    def strays(self) -> list[str]:
        """Cameras it runs that it may no longer run: not owned, or all when fenced."""
        running = self.runtime.camera_ids()
        fenced = self.fenced_why() is not None
        with self._lock:
            owned = set() if fenced else self._owned
        return [c for c in running if c not in owned]


class Fencer(Worker):
    """Stops an agent's stray cameras (:meth:`NodeAgent.strays`) soon after they become so,
    fencing their events first."""

    def __init__(self, agent: NodeAgent) -> None:
        super().__init__(f"fencer-{agent.node[:8]}")
        self._agent = agent
        self._nudged = threading.Event()

    def nudge(self) -> None:
        self._nudged.set()

    def wake(self) -> None:
        self._nudged.set()

    def run(self) -> None:
        agent = self._agent
        while not self.stopping:
            self.heartbeat.beat()
            strays = agent.strays()
            if strays:
                reason = agent.fenced_why() or "the controller no longer lists them"
                log.warning(
                    "node %s stops cameras %s: %s", agent.node, ", ".join(sorted(strays)), reason
                )
                agent.events.fence(strays)
                for camera_id in strays:
                    agent.remove_camera(camera_id)
            self._nudged.wait(FENCE_POLL_S)
            self._nudged.clear()
