"""A thousand simulated cameras on a local multi-node Ray cluster, through the real controller.

A head and ``--workers`` worker nodes start on 127.0.0.1 (:mod:`cluster.local`), each worker
offering ``--slots`` camera slots; the real controller (:mod:`cluster.controller`) runs with
:class:`cluster.sim_agent.SimAgent` as its node agent: simulated cameras (:mod:`cluster.sim`)
whose events go through the real event writer into the PostgreSQL at ``--database-url``.
Measured:

- placement: from the first ``create`` to every camera streaming, and cameras per node;
- events: the rate committed to PostgreSQL over ``--steady-s`` seconds (read from the table),
  and each node's insert transactions (time per batch, advisory lock wait included);
- failover: one worker's raylet killed without warning, then the time until every camera it ran
  is streaming on another node; afterwards, no event id twice, no gap in ``seq``, and how many
  events the lost node's orphaned agent still wrote after its cameras restarted elsewhere;
- optionally (``--ceiling-s``), the database's insert ceiling: ``--writers`` threads inserting
  batches as fast as they can, beside nothing else.

The database needs nothing but a PostgreSQL the bench may migrate and fill (it deletes the
``events`` and ``cameras`` rows first). A throwaway one, as docs/scaling.md shows::

    .venv/bin/python -m bench.cluster_sim --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from cluster.calls import call
from cluster.client import connect, controller
from cluster.local import LocalRayCluster, local_ray_cluster
from cluster.sim import Backend, DetectorCost, DetectorModel, InsertStats, SimBehaviour
from cluster.sim_agent import sim_agent_class
from config import AppConfig, CameraConfig
from events import Event, EventType
from runtime.cameras import CameraStatus
from storage import EventStore, migrate, open_database
from stream.health import CameraState

ROOT = Path(__file__).resolve().parent.parent
POLL_S = 0.5
PLACEMENT_TIMEOUT_S = 600.0
FAILOVER_TIMEOUT_S = 300.0
CALL_TIMEOUT_S = 60.0
CREATE_IN_FLIGHT = 50
"""``create`` calls sent to the controller before waiting for the first of them."""
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Plan:
    cameras: int = 1000
    workers: int = 4
    slots: int = 350
    """Camera slots per worker node: the survivors of a lost worker must hold every camera."""
    steady_s: float = 30.0
    settle_s: float = 10.0
    """Seconds after the last camera streams before the steady window opens."""
    ceiling_s: float = 0.0
    ceiling_writers: int = 4
    ceiling_batch: int = 500


DEFAULT = Plan()


@dataclass(frozen=True, slots=True)
class Latency:
    count: int
    p50_ms: float
    p95_ms: float
    max_ms: float

    @staticmethod
    def of(seconds: list[float]) -> Latency:
        if not seconds:
            return Latency(0, 0.0, 0.0, 0.0)
        ordered = sorted(seconds)
        return Latency(
            count=len(ordered),
            p50_ms=round(1000 * statistics.median(ordered), 2),
            p95_ms=round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
            max_ms=round(1000 * ordered[-1], 2),
        )


@dataclass(frozen=True, slots=True)
class Integrity:
    events: int
    duplicate_ids: int
    seq_gaps: int
    """Missing seq values between the smallest and the largest."""
    late_from_lost_node: int
    """Events the lost node's agent wrote for a camera after it streamed on another node."""
    ended_node_lost: int
    """``track.ended`` events the controller wrote (reason ``node_lost``) for the lost node's
    open tracks."""
    tracks_left_open: int
    """Tracks the lost node started with no ``track.ended`` after them."""


@dataclass(frozen=True, slots=True)
class Ceiling:
    writers: int
    batch: int
    events_per_s: float
    insert: Latency


@dataclass(frozen=True, slots=True)
class Modelled:
    """What the run simulated: each camera, each node's detector, each node's writer."""

    fps: float
    events_per_s: float
    detector: str
    node_cores: int
    node_detector_fps: float
    max_batch: int
    writer_batch: int
    writer_flush_ms: float


@dataclass
class Result:
    plan: Plan
    modelled: Modelled
    load_before: tuple[float, float, float]
    placement_s: float = 0.0
    per_node: dict[str, int] = field(default_factory=dict)
    events_per_s: float = 0.0
    expected_events_per_s: float = 0.0
    frames_dropped_share: float = 0.0
    insert: Latency = field(default_factory=lambda: Latency.of([]))
    events_per_batch: float = 0.0
    writer_dropped: int = 0
    failover_cameras: int = 0
    failover_s: float = 0.0
    per_node_after: dict[str, int] = field(default_factory=dict)
    integrity: Integrity | None = None
    ceiling: Ceiling | None = None
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    status_errors: list[str] = field(default_factory=list)
    """Errors the controller's ``statuses`` raised while the bench polled it."""


def sim_cameras(count: int) -> list[CameraConfig]:
    return [CameraConfig(id=f"sim-{n:04d}", url=f"rtsp://sim.invalid/{n}") for n in range(count)]


def reset_database(url: str) -> None:
    """Migrate, then empty the tables the simulation fills."""
    engine = open_database(url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("TRUNCATE events, outbox, counts, cameras"))
            connection.execute(sa.text("ALTER SEQUENCE events_seq_seq RESTART WITH 1"))
    finally:
        engine.dispose()


def _until(probe: Callable[[], _T | None], timeout_s: float) -> tuple[_T, float]:
    started = time.monotonic()
    while True:
        value = probe()
        if value is not None:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"not within {timeout_s:.0f} s")
        time.sleep(POLL_S)


class Simulation:
    """One run on ``cluster``: the controller with simulated agents, driven from this process
    (connected to the cluster as a Ray driver)."""

    def __init__(
        self, cluster: LocalRayCluster, config: AppConfig, behaviour: SimBehaviour, plan: Plan
    ) -> None:
        self.cluster = cluster
        self.behaviour = behaviour
        self.plan = plan
        self.result = Result(plan, _describe(config, behaviour), os.getloadavg())
        connect(cluster.address)
        self.controller = controller(config, agent_class=sim_agent_class(behaviour))
        self.pids: dict[str, int] = {}
        """Each node's agent process, to end what a lost node leaves running."""

    def close(self) -> None:
        """Stop the controller and its agents, and the lost node's orphaned agent."""
        import ray

        try:
            call(self.controller.shutdown.remote(), CALL_TIMEOUT_S)
        except Exception as error:  # the cluster goes down next anyway
            print(f"the controller's shutdown failed: {error!r}", flush=True)
        ray.kill(self.controller, no_restart=True)
        ray.shutdown()
        for pid in self.pids.values():
            _kill_orphan(pid)

    def statuses(self) -> dict[str, CameraStatus]:
        statuses: dict[str, CameraStatus] = call(self.controller.statuses.remote(), CALL_TIMEOUT_S)
        return statuses

    def place(self, cameras: list[CameraConfig]) -> None:
        """Create every camera through the controller; time until all of them stream."""
        import ray

        started = time.monotonic()
        in_flight: list[Any] = []
        for camera in cameras:
            in_flight.append(self.controller.create.remote(camera))
            if len(in_flight) >= CREATE_IN_FLIGHT:
                ray.get(in_flight)
                in_flight.clear()
        ray.get(in_flight)
        wanted = {camera.id for camera in cameras}
        _until(lambda: self._streaming(wanted), PLACEMENT_TIMEOUT_S)
        self.result.placement_s = round(time.monotonic() - started, 2)
        self.result.per_node = self._per_node()
        self.pids = {
            node: call(agent.pid.remote(), CALL_TIMEOUT_S) for node, agent in self.agents().items()
        }
        spread = sorted(self.result.per_node.values())
        print(f"placed {len(cameras)} in {self.result.placement_s} s: {spread}", flush=True)

    def steady(self, database_url: str) -> None:
        """The committed event rate over ``steady_s`` and each node's insert transactions."""
        time.sleep(self.plan.settle_s)
        engine = open_database(database_url)
        try:
            before_stats = self.insert_stats()
            count_before, started = _committed(engine), time.monotonic()
            frames_before = self.statuses()
            time.sleep(self.plan.steady_s)
            count_after, ended = _committed(engine), time.monotonic()
            frames_after = self.statuses()
            after_stats = self.insert_stats()
        finally:
            engine.dispose()
        rate = (count_after - count_before) / (ended - started)
        self.result.events_per_s = round(rate, 1)
        self.result.expected_events_per_s = self.behaviour.events_per_s * len(frames_after)
        self.result.frames_dropped_share = round(_dropped_share(frames_before, frames_after), 4)
        seconds: list[float] = []
        batches = events = 0
        for node, stats in after_stats.items():
            previous = before_stats.get(node)
            new = stats.batches - (previous.batches if previous else 0)
            seconds += list(stats.seconds[-new:]) if new else []
            batches += new
            events += stats.events - (previous.events if previous else 0)
        self.result.insert = Latency.of(seconds)
        self.result.events_per_batch = round(events / batches, 1) if batches else 0.0
        self.result.writer_dropped = sum(s.dropped for s in after_stats.values())
        insert = self.result.insert
        batch = self.result.events_per_batch
        print(f"events committed: {rate:.0f}/s; insert p50 {insert.p50_ms} ms, p95 "
              f"{insert.p95_ms} ms, {batch} a batch", flush=True)  # fmt: skip

    def failover(self) -> tuple[str, set[str], float]:
        """Kill the worker with the most cameras; time until each of them streams elsewhere.
        Returns the lost node, its cameras and when (wall clock) they all streamed again."""
        per_node = self._assignment()
        victim = max(
            self.cluster.workers, key=lambda n: len(per_node.get(LocalRayCluster.node_id(n), ()))
        )
        lost = LocalRayCluster.node_id(victim)
        moved = set(per_node.get(lost, ()))
        started = time.monotonic()
        self.cluster.remove_worker(victim)
        _until(lambda: self._streaming(moved, avoiding=lost), FAILOVER_TIMEOUT_S)
        self.result.failover_s = round(time.monotonic() - started, 2)
        self.result.failover_cameras = len(moved)
        self.result.per_node_after = self._per_node()
        spread = sorted(self.result.per_node_after.values())
        print(f"failover: {len(moved)} cameras elsewhere after {self.result.failover_s} s: "
              f"{spread}", flush=True)  # fmt: skip
        return lost, moved, time.time()

    def agents(self) -> dict[str, Any]:
        """The agent actor of each node that runs a camera (found through one of them)."""
        agents: dict[str, Any] = {}
        for node in call(self.controller.nodes.remote(), CALL_TIMEOUT_S):
            for camera_id in node.cameras:
                agent = call(self.controller.agent_for.remote(camera_id), CALL_TIMEOUT_S)
                if agent is not None:
                    agents[node.node] = agent
                    break
        return agents

    def insert_stats(self) -> dict[str, InsertStats]:
        """Each node's inserts so far."""
        agents = self.agents()
        refs = {node: agent.insert_stats.remote() for node, agent in agents.items()}
        return {node: call(ref, CALL_TIMEOUT_S) for node, ref in refs.items()}

    def _assignment(self) -> dict[str, list[str]]:
        nodes: dict[str, list[str]] = {}
        for camera_id, status in self.statuses().items():
            if status.node is not None:
                nodes.setdefault(status.node, []).append(camera_id)
        return nodes

    def _per_node(self) -> dict[str, int]:
        return {node[:12]: len(cameras) for node, cameras in sorted(self._assignment().items())}

    def _streaming(self, wanted: set[str], avoiding: str | None = None) -> bool | None:
        try:
            statuses = self.statuses()
        except Exception as error:  # counted and shown: the controller failed to answer
            self.result.status_errors.append(repr(error))
            print(f"the controller's statuses failed: {error!r}", flush=True)
            return None
        for camera_id in wanted:
            status = statuses.get(camera_id)
            if status is None or status.health.state is not CameraState.STREAMING:
                return None
            if avoiding is not None and status.node in (None, avoiding):
                return None
        return True


def check_integrity(database_url: str, lost: str, moved: set[str], back_at: float) -> Integrity:
    """No duplicate id, no seq gap, every track of the lost node ended, and what the lost node
    wrote after its cameras moved."""
    lost_node = {"node": lost, "cameras": sorted(moved), "back_at": back_at}
    engine = open_database(database_url)
    try:
        with engine.connect() as connection:
            count, distinct, low, high = connection.execute(
                sa.text("SELECT count(*), count(DISTINCT id), min(seq), max(seq) FROM events")
            ).one()
            late, ended, left_open = (
                int(connection.execute(sa.text(query), lost_node).scalar_one())
                for query in (LATE_EVENTS, NODE_LOST_ENDINGS, LEFT_OPEN)
            )
    finally:
        engine.dispose()
    gaps = 0 if not count else int(high) - int(low) + 1 - int(count)
    return Integrity(int(count), int(count) - int(distinct), gaps, late, ended, left_open)


FROM_LOST_NODE = "data->>'node' = :node AND camera_id = ANY(:cameras)"
LATE_EVENTS = f"""SELECT count(*) FROM events WHERE {FROM_LOST_NODE} AND time > :back_at
    AND coalesce(data->>'reason', '') <> 'node_lost'"""
NODE_LOST_ENDINGS = f"""SELECT count(*) FROM events WHERE {FROM_LOST_NODE}
    AND type = 'track.ended' AND data->>'reason' = 'node_lost'"""
LEFT_OPEN = f"""SELECT count(*) FROM events s WHERE {FROM_LOST_NODE} AND type = 'track.started'
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.type = 'track.ended'
        AND e.camera_id = s.camera_id AND e.track_id = s.track_id AND e.seq > s.seq
        AND e.data->>'node' = :node)"""


def insert_ceiling(database_url: str, writers: int, batch: int, seconds: float) -> Ceiling:
    """``writers`` threads inserting ``batch`` synthetic events per transaction through the real
    :class:`EventStore` for ``seconds``: the rate the database (and its insert lock) allows."""
    engine = open_database(database_url)
    store = EventStore(engine)
    latencies: list[list[float]] = [[] for _ in range(writers)]
    done = threading.Event()

    def write(own: list[float]) -> None:
        while not done.is_set():
            rows = _ceiling_rows(batch)
            started = time.perf_counter()
            store.insert(rows)
            own.append(time.perf_counter() - started)

    threads = [threading.Thread(target=write, args=(own,)) for own in latencies]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    done.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    engine.dispose()
    every = [s for own in latencies for s in own]
    return Ceiling(writers, batch, round(len(every) * batch / elapsed, 1), Latency.of(every))


def sim_config(database_url: str, data_dir: Path) -> AppConfig:
    """The cluster's configuration: the shared database and data directory, no cameras."""
    return AppConfig.model_validate({"data_dir": str(data_dir), "storage": {"url": database_url}})


def simulate(
    cluster: LocalRayCluster, config: AppConfig, behaviour: SimBehaviour, plan: Plan
) -> Result:
    """The whole run on a started ``cluster`` (whose workers hold ``plan.slots`` each)."""
    database_url = str(config.storage.url)
    reset_database(database_url)
    simulation = Simulation(cluster, config, behaviour, plan)
    try:
        simulation.place(sim_cameras(plan.cameras))
        if plan.steady_s > 0:
            simulation.steady(database_url)
        lost, moved, back_at = simulation.failover()
        time.sleep(plan.settle_s)  # what the lost node's orphaned agent still writes shows now
    finally:
        simulation.close()
    result = simulation.result
    result.integrity = check_integrity(database_url, lost, moved, back_at)
    if plan.ceiling_s > 0:
        result.ceiling = insert_ceiling(
            database_url, plan.ceiling_writers, plan.ceiling_batch, plan.ceiling_s
        )
    result.load_after = os.getloadavg()
    return result


def _ceiling_rows(batch: int) -> list[tuple[Event, str | None]]:
    now = time.time()
    crossing = {"direction": "in"}
    return [
        (
            Event(EventType.LINE_CROSSED, f"ceiling-{n % 100}", now, n, "person", "door", crossing),
            None,
        )
        for n in range(batch)
    ]


def _kill_orphan(pid: int) -> None:
    """End ``pid`` if it is still a Ray worker process (a lost node's agent keeps running)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"SimAgent" in command or b"ray::" in command:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _committed(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one())


def _dropped_share(before: dict[str, CameraStatus], after: dict[str, CameraStatus]) -> float:
    frames = dropped = 0
    for camera_id, status in after.items():
        earlier = before.get(camera_id)
        if earlier is None or earlier.node != status.node:
            continue
        frames += status.health.frames_in - earlier.health.frames_in
        dropped += status.health.frames_dropped - earlier.health.frames_dropped
    return dropped / frames if frames else 0.0


def _describe(config: AppConfig, behaviour: SimBehaviour) -> Modelled:
    detector = behaviour.detector
    return Modelled(
        fps=behaviour.fps,
        events_per_s=behaviour.events_per_s,
        detector=f"{detector.model} {detector.imgsz} {detector.backend}",
        node_cores=detector.cores,
        node_detector_fps=round(detector.fps, 1),
        max_batch=behaviour.max_batch,
        writer_batch=config.storage.batch_size,
        writer_flush_ms=config.storage.flush_interval_ms,
    )


def table(result: Result) -> str:
    plan, insert, integrity = result.plan, result.insert, result.integrity
    rows = [
        ("cameras / workers / slots each", f"{plan.cameras} / {plan.workers} / {plan.slots}"),
        ("time to place all (streaming)", f"{result.placement_s} s"),
        ("cameras per node", " ".join(map(str, result.per_node.values()))),
        ("events committed", f"{result.events_per_s}/s"),
        ("events offered", f"{result.expected_events_per_s:.0f}/s"),
        ("insert p50 / p95 / max", f"{insert.p50_ms} / {insert.p95_ms} / {insert.max_ms} ms"),
        ("events per insert", f"{result.events_per_batch}"),
        ("frames dropped (detector busy)", f"{100 * result.frames_dropped_share:.1f} %"),
        ("failover: cameras of the lost node", f"{result.failover_cameras}"),
        ("failover: all streaming elsewhere", f"{result.failover_s} s"),
        ("cameras per node after", " ".join(map(str, result.per_node_after.values()))),
    ]
    if integrity is not None:
        rows += [
            ("events stored", f"{integrity.events}"),
            ("duplicate ids / seq gaps", f"{integrity.duplicate_ids} / {integrity.seq_gaps}"),
            ("events by the lost node after", f"{integrity.late_from_lost_node}"),
            ("its tracks ended (node_lost)", f"{integrity.ended_node_lost}"),
            ("its tracks left open", f"{integrity.tracks_left_open}"),
        ]
    if result.ceiling is not None:
        ceiling = result.ceiling
        rows.append(
            (
                f"insert ceiling, {ceiling.writers} x {ceiling.batch}",
                f"{ceiling.events_per_s}/s, p50 {ceiling.insert.p50_ms} ms",
            )
        )
    load = f"{result.load_before[0]:.2f} / {result.load_after[0]:.2f}"
    rows.append(("load before / after", load))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgresql+psycopg://...")
    parser.add_argument("--cameras", type=int, default=DEFAULT.cameras)
    parser.add_argument("--workers", type=int, default=DEFAULT.workers)
    parser.add_argument("--slots", type=int, default=DEFAULT.slots)
    parser.add_argument("--fps", type=float, default=1.0)
    parser.add_argument("--events-per-s", type=float, default=1.0, help="per camera")
    parser.add_argument("--model", choices=list(DetectorModel), default=DetectorModel.YOLO11N)
    parser.add_argument("--imgsz", type=int, choices=(320, 640), default=320)
    parser.add_argument("--backend", choices=list(Backend), default=Backend.OPENVINO_INT8)
    parser.add_argument("--node-cores", type=int, default=16, help="cores each node models")
    parser.add_argument("--steady-s", type=float, default=DEFAULT.steady_s)
    parser.add_argument("--ceiling-s", type=float, default=10.0, help="0: no ceiling run")
    parser.add_argument("--ceiling-writers", type=int, default=DEFAULT.ceiling_writers)
    parser.add_argument("--ceiling-batch", type=int, default=DEFAULT.ceiling_batch)
    parser.add_argument(
        "--ceiling-only", action="store_true", help="only the insert ceiling, no cluster"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "cluster_sim.json")
    args = parser.parse_args()
    if args.ceiling_only:
        reset_database(args.database_url)
        ceiling = insert_ceiling(
            args.database_url, args.ceiling_writers, args.ceiling_batch, args.ceiling_s
        )
        print(json.dumps({**asdict(ceiling), "load": os.getloadavg()}))
        return
    detector = DetectorCost(
        DetectorModel(args.model), args.imgsz, Backend(args.backend), args.node_cores
    )
    plan = Plan(
        args.cameras,
        args.workers,
        args.slots,
        args.steady_s,
        ceiling_s=args.ceiling_s,
        ceiling_writers=args.ceiling_writers,
        ceiling_batch=args.ceiling_batch,
    )
    behaviour = SimBehaviour(args.fps, args.events_per_s, detector)
    with tempfile.TemporaryDirectory(prefix="trackcast-sim-") as scratch:
        config = sim_config(args.database_url, Path(scratch))
        with local_ray_cluster(workers=args.workers, cameras_per_worker=args.slots) as cluster:
            result = simulate(cluster, config, behaviour, plan)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(asdict(result), indent=2) + "\n")
    print(table(result))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
