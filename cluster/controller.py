"""The controller: the one actor that knows every camera and which node runs it.

It wraps a :class:`runtime.camera_set.CameraSet` (cameras from the config file, with the API's
changes saved in PostgreSQL by :class:`storage.CameraStore`) whose host is a
:class:`cluster.placer.Placer`: adding a camera starts it on the camera node with the largest
share of free slots (:mod:`cluster.placement`) through that node's agent (:mod:`cluster.agents`).

Its loop (every ``tick_s``) watches the cluster:

- a new camera node gets an agent; once the agent answers, cameras move to it (rebalance);
- every agent's lease is renewed with the list of cameras it owns (:mod:`cluster.fencing`);
- a node that is gone, or whose agent died or stopped answering, is lost: its cameras wait
  until its agent has surely stopped them (see :mod:`cluster.fencing`: :data:`CUTOFF_S` after
  Ray lost the node, or the agent's lease after its last answer, plus a grace), then their open
  tracks get ``track.ended`` events with reason ``node_lost`` (:mod:`cluster.node_lost`) and
  they start on the surviving nodes;
- a camera an agent no longer reports (Ray restarted the agent, or it fenced itself) is ended
  the same way and started again;
- cameras waiting for a free slot are placed.

It also runs the cluster's only webhook and MQTT senders (given as a factory,
:data:`cluster.interface.SenderFactory`): every node queues its events in the shared outbox,
and sending them from one place sends each once.

Everything it knows can be rebuilt after a restart (Ray restarts it; it is detached): the
cameras from the config and PostgreSQL, and where they run from the agents, which outlive it
(they keep their cameras for their lease, much longer than a restart takes). A camera adopted
so keeps the settings it runs with.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ray
from ray.exceptions import RayActorError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from cluster import ClusterError
from cluster.agent import LEASE_S, NodeAgent
from cluster.agents import AgentRecord, AgentSpec, camera_nodes
from cluster.calls import GONE, UNREACHABLE, call
from cluster.fencing import CUTOFF_S
from cluster.interface import AgentReport, ProcessSetup, SenderFactory
from cluster.node_lost import end_open_tracks
from cluster.placement import place, reassign, rebalance
from cluster.placer import (
    CALL_TIMEOUT_S,
    ControllerState,
    LostNode,
    Placement,
    Placer,
)
from config import AppConfig, CameraConfig
from delivery.keys import subscriptions
from runtime.camera_set import Camera, CameraSet
from runtime.cameras import CameraStatus, DetectorFactory
from storage import CameraStore, EventStore, migrate, open_database
from stream.redact import SecretSet
from stream.worker import Worker

log = logging.getLogger(__name__)

TICK_S = 1.0
FENCE_GRACE_S = 1.0
"""Added to the time by which a lost agent has surely fenced its cameras, before they start
elsewhere: time to stop them."""
SILENT_S = 2 * CUTOFF_S
"""An agent that has not answered for this long is lost (its node may still be alive)."""
SENDER_STOP_MIN_S = 2.0
"""What each sender gets to stop (close its connection) when the agents took all of
``shutdown``'s time."""
STARTUP_TIMEOUT_S = 60.0
"""How long the controller's start waits for the agents of the nodes it finds."""


def require_postgres(config: AppConfig) -> str:
    """The storage URL; ClusterError unless it is PostgreSQL (every node writes to it)."""
    url = config.storage.url
    if url is None or make_url(url).get_backend_name() != "postgresql":
        raise ClusterError(
            "cluster mode needs PostgreSQL, shared by every node: set storage.url to "
            "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
        )
    return url


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A camera node as the controller sees it."""

    node: str
    slots: float
    cameras: list[str]
    incarnation: str | None
    """Its agent's process (a new one after Ray restarted it); None until it answered."""


class Controller:
    """The cluster's camera set and placement (see the module's docstring). Runs as a
    threaded, detached Ray actor (:func:`cluster.client.controller`)."""

    def __init__(
        self,
        config: AppConfig,
        agent_class: type = NodeAgent,
        detector_factory: DetectorFactory | None = None,
        *,
        lease_s: float = LEASE_S,
        tick_s: float = TICK_S,
        setup: ProcessSetup | None = None,
        senders: SenderFactory | None = None,
    ) -> None:
        """``agent_class`` is started on each camera node as ``agent_class(config, node,
        detector_factory, lease_s, setup)`` (:class:`cluster.interface.AgentInterface`);
        ``setup`` runs first here too; ``senders`` builds the webhooks' and MQTT's senders,
        which run here until :meth:`shutdown`."""
        secrets = SecretSet()
        if setup is not None:
            setup(secrets)
        engine = open_database(require_postgres(config))
        migrate(engine)
        self.config = config
        self.store = EventStore(engine)
        self.store.subscribe(subscriptions(config.webhooks, config.mqtt))  # node_lost events
        self.state = ControllerState()
        self._spec = AgentSpec(agent_class, config, detector_factory, lease_s, setup)
        self._lease_s = lease_s
        self.placer = Placer(config, self.state, self.store)
        self._adopt()
        self.cameras: CameraSet[Placer] = CameraSet(
            self.placer, CameraStore(engine), secrets=secrets
        )
        for camera in self.cameras.list():
            if camera.enabled:  # placed by the loop's first round, all at once
                self.placer.want(camera)
        self.senders = list(senders(engine, self.cameras)) if senders is not None else []
        for sender in self.senders:
            sender.start()
        self._loop = ControllerLoop(self, tick_s)
        self._loop.start()

    # -- the API processes' calls --------------------------------------------------------------

    def list_all(self) -> list[Camera]:
        return self.cameras.list_all()

    def find(self, camera_id: str) -> Camera:
        return self.cameras.find(camera_id)

    def create(self, camera: CameraConfig) -> CameraConfig:
        return self.cameras.create(camera)

    def update(self, camera_id: str, changes: Mapping[str, Any]) -> CameraConfig:
        return self.cameras.update(camera_id, changes)

    def delete(self, camera_id: str) -> None:
        self.cameras.delete(camera_id)

    def status(self, camera_id: str) -> CameraStatus | None:
        return self.cameras.status(camera_id)

    def statuses(self) -> dict[str, CameraStatus]:
        """Every enabled camera's status, one call per node."""
        with self.state.lock:
            agents = [a for a in self.state.agents.values() if a.ready]
            wanted = list(self.state.wanted)
        calls = [agent.handle.statuses.remote() for agent in agents]
        found: dict[str, CameraStatus] = {}
        for ref in calls:
            with contextlib.suppress(*UNREACHABLE):
                found.update(call(ref, CALL_TIMEOUT_S))
        found = {camera_id: found[camera_id] for camera_id in wanted if camera_id in found}
        for camera_id in wanted:  # not running (yet), or on a node that did not answer
            if camera_id not in found:
                with contextlib.suppress(KeyError):  # deleted meanwhile
                    found[camera_id] = self.placer.known_status(camera_id)
        return found

    def agent_for(self, camera_id: str) -> Any:
        """The agent actor running the camera (for its live data), None if none does."""
        return self.placer.agent_of(camera_id, started=True)

    def nodes(self) -> list[NodeInfo]:
        with self.state.lock:
            return [
                NodeInfo(node, a.slots, sorted(self.state.owned(node)), a.incarnation)
                for node, a in sorted(self.state.agents.items())
            ]

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Stop the loop and every agent (their cameras end their tracks and flush their
        events), then end the agents' actors, then the senders (each sends what it can of the
        outbox until the deadline; the rest goes out after the next start); True if everything
        stopped in time."""
        deadline = time.monotonic() + timeout_s
        stopped = self._loop.stop(timeout_s)
        if not stopped:
            log.warning("the controller's loop did not stop within %.0f s", timeout_s)
        with self.state.lock:
            agents = list(self.state.agents.values())
            self.state.agents.clear()
        calls = [agent.handle.stop.remote(timeout_s) for agent in agents]
        for agent, ref in zip(agents, calls, strict=True):
            try:
                clean = bool(call(ref, timeout_s + CALL_TIMEOUT_S))
            except UNREACHABLE as error:
                log.warning("node %s: its agent did not stop: %s", agent.node, error)
                clean = False
            stopped = clean and stopped
            with contextlib.suppress(Exception):
                ray.kill(agent.handle, no_restart=True)
        for sender in self.senders:
            left = max(SENDER_STOP_MIN_S, deadline - time.monotonic())
            stopped = sender.stop(left) and stopped
        self.store.engine.dispose()
        return stopped

    # -- start ---------------------------------------------------------------------------------

    def _adopt(self) -> None:
        """Start (or find, after a restart) the agent of every camera node, and take over the
        cameras they run."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        records = [
            AgentRecord(node, slots, self._spec.start(node))
            for node, slots in camera_nodes().items()
        ]
        reports = [record.handle.report.remote() for record in records]
        for record, ref in zip(records, reports, strict=True):
            try:
                report: AgentReport = call(ref, max(0.0, deadline - time.monotonic()))
            except UNREACHABLE as error:
                log.warning("node %s: its agent did not answer (%s)", record.node, error)
                continue
            record.answered(report)
            self.state.agents[record.node] = record
            for camera_id, since in report.cameras.items():
                self.state.placed[camera_id] = Placement(record.node, since, time.monotonic())

    def _fail(self, camera: CameraConfig, error: BaseException) -> None:
        log.error("camera %s cannot start: %s", camera.id, error)
        with self.state.lock:
            self.state.wanted[camera.id] = camera
            self.state.failed[camera.id] = f"cannot start: {error}"

    # -- the loop ------------------------------------------------------------------------------

    def tick(self) -> None:
        """One round of watching the cluster (see the module's docstring)."""
        nodes = camera_nodes()
        self._follow_nodes(nodes)
        joined = self._renew_leases()
        self._lose_silent()
        self._settle_lost()
        self._collect_calls()
        self._place_waiting()
        if joined:
            self._rebalance()

    def _follow_nodes(self, nodes: Mapping[str, float]) -> None:
        with self.state.lock:
            gone = [node for node in self.state.agents if node not in nodes]
            new = [node for node in nodes if node not in self.state.agents]
        for node in gone:  # its agent fences once Ray tells it, or once it cannot learn
            self._lose(node, "its node left the cluster", time.monotonic() + CUTOFF_S)
        for node in new:
            record = AgentRecord(node, nodes[node], self._spec.start(node))
            with self.state.lock:
                self.state.agents[node] = record
            log.info("node %s joined with %g camera slots", node, nodes[node])

    def _renew_leases(self) -> bool:
        """Renew every agent's lease and take the answers that come within a tick; True if an
        agent answered for the first time (a node joined)."""
        with self.state.lock:
            agents = list(self.state.agents.values())
            calls = {agent.renew(self.state.owned(agent.node)): agent for agent in agents}
        done, _ = (
            ray.wait(list(calls), num_returns=len(calls), timeout=TICK_S) if calls else ([], [])
        )
        joined = False
        for ref in done:
            agent = calls[ref]
            try:
                report = call(ref, 0)
            except GONE as error:  # its node may be dead, with the agent's process running on
                self._lose(agent.node, f"its agent died ({error})", time.monotonic() + CUTOFF_S)
                continue
            except RayActorError:  # restarting: its next report shows a new incarnation
                agent.pending = None
                continue
            joined = self._take_report(agent, report) or joined
        return joined

    def _take_report(self, agent: AgentRecord, report: AgentReport) -> bool:
        first = not agent.ready
        sent_at = agent.sent_at
        with self.state.lock:
            if agent.answered(report):
                log.warning("node %s: its agent restarted; its cameras start again", agent.node)
            missing = {
                camera: placement.after_seq
                for camera, placement in self.state.placed.items()
                if placement.node == agent.node
                and placement.started_at is not None
                and placement.started_at < sent_at
                and camera not in report.cameras
            }
            for camera in missing:
                del self.state.placed[camera]
        if missing:  # it stopped them (restarted, or fenced): no event of theirs can follow
            log.warning("node %s no longer runs %s", agent.node, ", ".join(sorted(missing)))
            self._end_tracks(agent.node, agent.answered_wall, missing)
        return first

    def _lose_silent(self) -> None:
        """Lose the agents that stopped answering for :data:`SILENT_S` (a new agent gets
        :data:`STARTUP_TIMEOUT_S` for its first answer: it imports and connects first). Their
        node is alive, for Ray: they stop their cameras once their lease runs out."""
        now = time.monotonic()
        with self.state.lock:
            silent = [
                agent
                for agent in self.state.agents.values()
                if now - agent.answered_at > (SILENT_S if agent.ready else STARTUP_TIMEOUT_S)
            ]
        for agent in silent:
            self._lose(agent.node, "its agent stopped answering", agent.answered_at + self._lease_s)

    def _lose(self, node: str, why: str, fenced_by: float) -> None:
        """Forget ``node``'s agent; its cameras start elsewhere after ``fenced_by`` (monotonic)
        and a grace, when it has surely stopped them."""
        with self.state.lock:
            agent = self.state.agents.pop(node, None)
            if agent is None:
                return
            cameras = {c: p.after_seq for c, p in self.state.placed.items() if p.node == node}
            for camera in cameras:
                del self.state.placed[camera]
            fenced_at = fenced_by + FENCE_GRACE_S
            self.state.lost[node] = LostNode(node, fenced_at, agent.answered_wall, cameras)
        log.warning(
            "node %s lost (%s): its cameras %s move in %.0f s, once it has stopped them",
            node,
            why,
            ", ".join(sorted(cameras)) or "(none)",
            max(0.0, fenced_at - time.monotonic()),
        )
        with contextlib.suppress(Exception):  # a dead node's agent is beyond reach anyway
            ray.kill(agent.handle, no_restart=True)

    def _settle_lost(self) -> None:
        now = time.monotonic()
        with self.state.lock:
            due = [lost for lost in self.state.lost.values() if lost.fenced_at <= now]
        for lost in due:
            if not self._end_tracks(lost.node, lost.last_answer, lost.cameras):
                continue  # the database failed: try again next round
            after_seq = self.store.latest_seq()
            with self.state.lock:
                del self.state.lost[lost.node]
                assignment = {**self.state.assignment(), **dict.fromkeys(lost.cameras, lost.node)}
                moves = reassign(lost.node, self.state.slots(), assignment)
                for camera, node in moves.items():
                    if camera in self.state.wanted:
                        self._add_async(camera, node, after_seq)
            log.info("node %s's cameras placed: %s", lost.node, moves)

    def _end_tracks(self, node: str, last_answer: float, cameras: Mapping[str, int]) -> bool:
        """``node_lost`` endings for the open tracks of ``cameras``; False if the database
        failed."""
        try:
            for camera, after_seq in cameras.items():
                end_open_tracks(self.store, camera, after_seq, node, last_answer)
        except SQLAlchemyError as error:
            log.error("cannot end the open tracks of node %s's cameras: %s", node, error)
            return False
        return True

    def _add_async(self, camera_id: str, node: str, after_seq: int) -> None:
        """Caller holds the lock."""
        agent = self.state.agents[node]
        placement = Placement(node, after_seq)
        placement.adding = agent.handle.add_camera.remote(self.state.wanted[camera_id])
        self.state.placed[camera_id] = placement

    def _collect_calls(self) -> None:
        """Finish the adds and moves whose calls have answered."""
        with self.state.lock:
            adding = {p.adding: (c, p) for c, p in self.state.placed.items() if p.adding}
            leaving = {p.leaving[1]: (c, p) for c, p in self.state.placed.items() if p.leaving}
        done, _ = ray.wait([*adding, *leaving], num_returns=len(adding) + len(leaving), timeout=0)
        for ref in done:
            if ref in leaving:
                camera, placement = leaving[ref]
                with contextlib.suppress(Exception):
                    call(ref, 0)  # stopped, or its node is gone: it starts on its new node
                with self.state.lock:
                    placement.leaving = None
                    if self.state.placed.get(camera) is placement and camera in self.state.wanted:
                        agent = self.state.agents.get(placement.node)
                        if agent is None:
                            del self.state.placed[camera]
                        else:
                            placement.adding = agent.handle.add_camera.remote(
                                self.state.wanted[camera]
                            )
                continue
            camera, placement = adding[ref]
            self._finish_add(camera, placement, ref)

    def _finish_add(self, camera_id: str, placement: Placement, ref: Any) -> None:
        try:
            call(ref, 0)
        except UNREACHABLE as error:
            log.warning("camera %s: node %s did not take it (%s)", camera_id, placement.node, error)
            with self.state.lock:
                placement.adding = None
                if self.state.placed.get(camera_id) is placement:
                    del self.state.placed[camera_id]
            return
        except Exception as error:
            with self.state.lock:
                placement.adding = None
                camera = self.state.wanted.get(camera_id)
                if self.state.placed.get(camera_id) is placement:
                    del self.state.placed[camera_id]
            if camera is not None:
                self._fail(camera, error)
            return
        with self.state.lock:
            placement.adding = None
            placement.started_at = time.monotonic()
        log.info("camera %s runs on node %s", camera_id, placement.node)

    def _place_waiting(self) -> None:
        with self.state.lock:
            if not self.state.waiting():
                return
        after_seq = self.store.latest_seq()
        with self.state.lock:
            waiting = self.state.waiting()
            for camera, node in place(waiting, self.state.slots(), self.state.assignment()).items():
                self._add_async(camera, node, after_seq)

    def _rebalance(self) -> None:
        """Move cameras to a node that joined, toward every node's proportional share."""
        after_seq = self.store.latest_seq()
        with self.state.lock:
            settled = {
                c: p.node
                for c, p in self.state.placed.items()
                if p.started_at is not None and not p.leaving
            }
            moves = rebalance(self.state.slots(), settled)
            for move in moves:
                source = self.state.agents[move.source]
                placement = Placement(move.target, after_seq)
                placement.leaving = (move.source, source.handle.remove_camera.remote(move.camera))
                self.state.placed[move.camera] = placement
        for move in moves:
            log.info(
                "camera %s moves from node %s to node %s", move.camera, move.source, move.target
            )


class ControllerLoop(Worker):
    """Runs :meth:`Controller.tick` every ``tick_s``."""

    def __init__(self, controller: Controller, tick_s: float) -> None:
        super().__init__("controller")
        self._controller = controller
        self._tick_s = tick_s

    def run(self) -> None:
        while not self.stopping:
            self.heartbeat.beat()
            started = time.monotonic()
            try:
                self._controller.tick()
            except Exception:  # one bad round (a Ray hiccup) must not end the loop
                log.exception("controller round failed")
            self.wait(max(0.0, self._tick_s - (time.monotonic() - started)))
