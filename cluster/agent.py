"""The node agent: the Ray actor that runs one node's cameras for the cluster's controller.

There is one agent per camera node, pinned to it. It hosts a normal
:class:`runtime.cameras.CameraRuntime` (the node's cameras share its batching detector
workers) whose events go to the cluster's PostgreSQL, and thumbnails and clips under the shared
``data_dir``: :func:`runtime.stored.stored_runtime`, as in a single-process service. It holds its
cameras on a lease the controller renews (:mod:`cluster.fencing`): a :class:`Fencer` thread
stops, without writing another event for them, the cameras the controller no longer lists as
this node's, and all of them once the lease runs out.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace

from cluster.fencing import FencedEvents, Lease
from cluster.interface import AgentReport
from cluster.live import LiveMethods
from config import AppConfig, CameraConfig
from runtime.cameras import CameraRuntime, CameraStatus, DetectorFactory
from runtime.stored import stored_runtime
from storage import open_event_storage
from stream.worker import Worker

log = logging.getLogger(__name__)

LEASE_S = 4.0
"""How long an agent runs its cameras without hearing from the controller (which renews every
second)."""
FENCE_POLL_S = 0.25
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
        self.storage.writer.start()
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

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop the fencer and every camera (their tracks end, unless fenced), then write what
        the cameras emitted; True if every thread ended and every event was kept."""
        ended = self._fencer.stop(timeout_s)
        ended = self.runtime.stop(timeout_s) and ended
        kept = self.storage.writer.stop(timeout_s)
        self.storage.engine.dispose()
        return ended and kept

    def lease_left_s(self) -> float:
        return self._lease.left_s()

    def strays(self) -> list[str]:
        """Cameras it runs that it may no longer run: not owned, or all once the lease ran
        out."""
        running = self.runtime.camera_ids()
        with self._lock:
            owned = set() if self._lease.expired else self._owned
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
                expired = agent.lease_left_s() == 0
                reason = "its lease ran out" if expired else "the controller no longer lists them"
                log.warning(
                    "node %s stops cameras %s: %s", agent.node, ", ".join(sorted(strays)), reason
                )
                agent.events.fence(strays)
                for camera_id in strays:
                    agent.remove_camera(camera_id)
            self._nudged.wait(min(FENCE_POLL_S, max(agent.lease_left_s(), 0.01)))
            self._nudged.clear()
