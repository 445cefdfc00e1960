"""A light node agent for the scaling simulation: the controller's agent methods over simulated
cameras (:mod:`cluster.sim`).

:class:`SimAgent` answers the controller as :class:`cluster.agent.NodeAgent` does
(:class:`cluster.interface.AgentInterface`: lease, add and remove cameras, statuses, stop), with
the same lease and fencing (:mod:`cluster.fencing`), but its cameras are tasks on one asyncio
loop (one thread per agent, whatever the number of cameras) sharing a detector stand-in that
only takes time. Their events go through the real :class:`storage.EventWriter` into the
database of ``config.storage.url``. The controller builds agents as
``agent_class(config, node, detector_factory, lease_s)``; :func:`sim_agent_class` gives it a
class that carries the cameras' :class:`SimBehaviour`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import ClassVar, TypeVar

from cluster.agent import FENCE_POLL_S, LEASE_S
from cluster.fencing import FencedEvents, Ownership, node_alive
from cluster.interface import AgentReport, ProcessSetup
from cluster.sim import InsertStats, InsertTimer, SimBehaviour, SimCamera
from config import AppConfig, CameraConfig
from runtime.cameras import CameraStatus, DetectorFactory
from storage import EventWriter, ThumbnailStore, open_database
from stream.redact import SecretSet

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 10.0
_T = TypeVar("_T")


class SimAgent:
    """One node's simulated cameras (see the module's docstring). Thread-safe: Ray calls it
    from several threads; every camera change runs on the agent's loop."""

    behaviour: ClassVar[SimBehaviour] = SimBehaviour()

    def __init__(
        self,
        config: AppConfig,
        node: str,
        detector_factory: DetectorFactory | None = None,
        lease_s: float = LEASE_S,
        setup: ProcessSetup | None = None,
    ) -> None:
        """``detector_factory`` is ignored: the detector is simulated."""
        del detector_factory
        if setup is not None:
            setup(SecretSet())
        self.node = node
        self.incarnation = uuid.uuid4().hex
        self._engine = open_database(str(config.storage.url))
        self.store = InsertTimer(self._engine)
        self.writer = EventWriter(
            self.store,
            ThumbnailStore(Path(config.data_dir) / "thumbnails"),
            batch_size=config.storage.batch_size,
            flush_interval_s=config.storage.flush_interval_ms / 1000,
            queue_size=config.storage.max_pending_events,
        )
        self.events = FencedEvents(self.writer)
        self.ownership = Ownership(lease_s, self.node_alive)
        self._rng = random.Random(node)
        self._lock = threading.Lock()
        self._cameras: dict[str, SimCamera] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._loop = asyncio.new_event_loop()
        # Unbounded by size, bounded by the cameras: each has at most one frame waiting.
        self._frames: asyncio.Queue[SimCamera] = asyncio.Queue()
        self._thread = threading.Thread(target=self._main, name=f"trackcast-sim-{node[:8]}")
        self.writer.start()
        self.ownership.start()
        self._thread.start()
        log.info("simulated agent on %s started (incarnation %s)", node, self.incarnation)

    # -- the controller's methods (Ray threads) ------------------------------------------------

    def lease(self, owned: list[str]) -> AgentReport:
        self.ownership.renew(owned)
        return self.report()

    def report(self) -> AgentReport:
        return AgentReport(self.incarnation, self.ownership.since(self.camera_ids()))

    def pid(self) -> int:
        """Its process (the simulation kills what a lost node left running)."""
        return os.getpid()

    def add_camera(self, camera: CameraConfig) -> int:
        since = self.store.latest_seq()
        with self._lock:
            if camera.id in self._cameras:
                raise ValueError(f"camera {camera.id} already runs on node {self.node}")
        self.ownership.take(camera.id, since)
        self.events.admit(camera.id)
        self._call(self._add(camera))
        return since

    def remove_camera(self, camera_id: str) -> bool:
        self.ownership.release(camera_id)
        return self._call(self._remove(camera_id))

    def check_classes(self, camera: CameraConfig) -> None:
        """Every class is known: the simulated detector reports whatever is asked."""

    def camera_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._cameras)

    def statuses(self) -> dict[str, CameraStatus]:
        with self._lock:
            cameras = list(self._cameras.values())
        return {camera.config.id: self._status(camera) for camera in cameras}

    def status(self, camera_id: str) -> CameraStatus | None:
        with self._lock:
            camera = self._cameras.get(camera_id)
        return None if camera is None else self._status(camera)

    def insert_stats(self) -> InsertStats:
        """The event writer's inserts so far (the simulation's measurements)."""
        return InsertStats(
            batches=self.store.batches,
            events=self.store.events,
            seconds=self.store.seconds(),
            dropped=self.writer.dropped,
            rejected=self.writer.rejected,
            fenced=self.events.dropped,
        )

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop every camera and the loop, then write what they emitted; True if all ended and
        every event was kept."""
        self.ownership.stop(timeout_s)
        if self._thread.is_alive():
            self._call(self._remove_all())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout_s)
        kept = self.writer.stop(timeout_s)
        self._engine.dispose()
        return kept and not self._thread.is_alive()

    def node_alive(self) -> bool:
        return node_alive(self.node)

    def fenced_why(self) -> str | None:
        """Why it may run no camera at all, if so."""
        return self.ownership.fenced_why()

    def strays(self) -> list[str]:
        """Cameras it runs that it may no longer run: not owned, or all when fenced."""
        return self.ownership.strays(self.camera_ids())

    def _status(self, camera: SimCamera) -> CameraStatus:
        detector = f"simulated {self.behaviour.detector.backend}"
        return camera.status(self._frames.qsize(), detector)

    def _call(self, work: Coroutine[object, object, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(CALL_TIMEOUT_S)

    # -- on the loop ---------------------------------------------------------------------------

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        tasks = [self._loop.create_task(self._detect()), self._loop.create_task(self._fence())]
        for task in tasks:
            task.add_done_callback(_log_failure)
        try:
            self._loop.run_forever()
        finally:
            for task in tasks:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()

    async def _add(self, config: CameraConfig) -> None:
        camera = SimCamera(config, self.node, self._rng)
        with self._lock:
            self._cameras[config.id] = camera
        self._tasks[config.id] = asyncio.create_task(self._produce(camera))

    async def _remove(self, camera_id: str) -> bool:
        with self._lock:
            camera = self._cameras.pop(camera_id, None)
        task = self._tasks.pop(camera_id, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if camera is None:
            return False
        for event in camera.stopped(time.time()):
            self.events.emit(event)  # dropped if fenced: the controller ends those tracks
        return True

    async def _remove_all(self) -> None:
        for camera_id in list(self._tasks):
            await self._remove(camera_id)

    async def _fence(self) -> None:
        """Stop stray cameras, their events fenced first (as ``cluster.agent.Fencer`` does)."""
        while True:
            strays = self.strays()
            if strays:
                reason = self.fenced_why() or "the controller no longer lists them"
                log.warning("node %s stops %d cameras: %s", self.node, len(strays), reason)
                self.events.fence(strays)
                for camera_id in strays:
                    await self._remove(camera_id)
            await asyncio.sleep(FENCE_POLL_S)

    async def _produce(self, camera: SimCamera) -> None:
        """A frame every ``1 / fps`` from a random phase; a frame still waiting for the detector
        means the new one is dropped (latest-frame: never fall behind real time)."""
        period = 1.0 / self.behaviour.fps
        loop = asyncio.get_running_loop()
        next_at = loop.time() + self._rng.uniform(0, period)
        while True:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += period
            if camera.frame():
                self._frames.put_nowait(camera)

    async def _detect(self) -> None:
        """One batch at a time, as a node's batching detector worker runs them."""
        behaviour = self.behaviour
        while True:
            batch = [await self._frames.get()]
            while len(batch) < behaviour.max_batch and not self._frames.empty():
                batch.append(self._frames.get_nowait())
            await asyncio.sleep(len(batch) * behaviour.detector.frame_s)
            now = time.time()
            for camera in batch:
                if self._cameras.get(camera.config.id) is not camera:
                    continue  # removed while its frame was in the detector
                for event in camera.analysed(now, behaviour.events_per_s):
                    self.events.emit(event)


def _log_failure(task: asyncio.Task[None]) -> None:
    """A loop task that ended other than by cancellation stops the simulation's frames or
    fencing: say so with its traceback."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("simulated agent task %s failed", task.get_coro(), exc_info=error)


def sim_agent_class(behaviour: SimBehaviour) -> type[SimAgent]:
    """A :class:`SimAgent` class whose cameras behave as ``behaviour`` says, for the
    controller's ``agent_class`` (defined here, so that Ray ships it by value, settings
    included)."""

    class ConfiguredSimAgent(SimAgent):
        pass

    ConfiguredSimAgent.behaviour = behaviour
    return ConfiguredSimAgent
