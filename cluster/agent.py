"""The node agent: the Ray actor that runs one node's cameras for the cluster's controller.

There is one agent per camera node, pinned to it. It hosts a normal
:class:`runtime.cameras.CameraRuntime` (the node's cameras share its batching detector
workers) whose events go to the cluster's PostgreSQL, and thumbnails and clips under the shared
``data_dir``: :func:`runtime.stored.stored_runtime`, as in a single-process service; its store
queues them in the outbox for the webhooks and MQTT, which the controller sends. A
:class:`Fencer` thread stops, without writing another event for them, the cameras the controller
no longer lists as this node's, and all of them when the node is dead or cut off, or the
controller silent for too long (:mod:`cluster.fencing`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace

from cluster.fencing import FencedEvents, Ownership, node_alive
from cluster.interface import AgentReport, ProcessSetup
from cluster.live import LiveMethods
from config import AppConfig, CameraConfig
from delivery.keys import subscriptions
from runtime.cameras import CameraRuntime, CameraStatus, DetectorFactory
from runtime.stored import stored_runtime
from storage import open_event_storage
from stream.redact import SecretSet
from stream.worker import Worker

log = logging.getLogger(__name__)

LEASE_S = 30.0
"""How long an agent runs its cameras without hearing from the controller (which renews every
second): longer than a controller restart takes."""
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
        setup: ProcessSetup | None = None,
    ) -> None:
        """``node``: the Ray node id it runs on (each camera's status says it); ``setup`` runs
        first (:data:`cluster.interface.ProcessSetup`)."""
        self.secrets = SecretSet()
        if setup is not None:
            setup(self.secrets)
        self.node = node
        self.incarnation = uuid.uuid4().hex
        self.storage = open_event_storage(config, migrate_schema=False)  # the controller did
        # queued for the webhooks and MQTT in the events' transaction; the controller sends them
        self.storage.store.subscribe(subscriptions(config.webhooks, config.mqtt))
        self.events = FencedEvents(self.storage.writer)
        self.runtime: CameraRuntime = stored_runtime(
            config, self.storage, detector_factory=detector_factory, events=self.events
        )
        self.ownership = Ownership(lease_s, self.node_alive)
        self.storage.writer.start()
        self.ownership.start()
        self._fencer = Fencer(self)
        self._fencer.start()
        log.info("node agent on %s started (incarnation %s)", node, self.incarnation)

    def lease(self, owned: list[str]) -> AgentReport:
        self.ownership.renew(owned)
        self._fencer.nudge()
        return self.report()

    def report(self) -> AgentReport:
        return AgentReport(self.incarnation, self.ownership.since(self.runtime.camera_ids()))

    def add_camera(self, camera: CameraConfig) -> None:
        since = self.storage.store.latest_seq()
        self.secrets.add_url(camera.url)  # its password never reaches a log line
        self.ownership.take(camera.id, since)
        self.events.admit(camera.id)
        try:
            self.runtime.add_camera(camera)
        except BaseException:
            self.ownership.release(camera.id)
            raise

    def remove_camera(self, camera_id: str) -> bool:
        self.ownership.release(camera_id)
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
        return node_alive(self.node)

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop the fencer and every camera (their tracks end, unless fenced), then write what
        the cameras emitted; True if every thread ended and every event was kept."""
        ended = self._fencer.stop(timeout_s)
        self.ownership.stop(timeout_s)
        ended = self.runtime.stop(timeout_s) and ended
        writer = self.storage.writer
        kept = writer.stop(timeout_s)
        self.storage.engine.dispose()
        log.log(
            logging.INFO if ended and kept else logging.WARNING,
            "node agent on %s stopped%s: events emitted %d, stored %d, dropped %d, fenced %d, "
            "lost %d",
            self.node,
            "" if ended else " (some threads did not end in time)",
            writer.emitted,
            writer.written,
            writer.dropped,
            self.events.dropped,
            writer.lost,
        )
        return ended and kept

    def fenced_why(self) -> str | None:
        """Why it may run no camera at all, if so."""
        return self.ownership.fenced_why()

    def strays(self) -> list[str]:
        """Cameras it runs that it may no longer run: not owned, or all when fenced."""
        return self.ownership.strays(self.runtime.camera_ids())


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
