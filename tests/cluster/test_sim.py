"""The scaling simulation (bench.cluster_sim) run small: the real controller places 40 simulated
cameras on two worker nodes, one worker is killed, and its cameras stream on the other with
every event kept once, in an unbroken seq, and nothing written by the lost node after."""

from __future__ import annotations

from pathlib import Path

from bench.cluster_sim import Plan, sim_config, simulate
from cluster.sim import Backend, DetectorCost, DetectorModel, SimBehaviour
from tests.servers.ray_cluster import local_ray_cluster

CAMERAS = 40


def test_simulated_cameras_are_placed_and_fail_over_without_losing_an_event(
    cluster_database: str, tmp_path: Path
) -> None:
    behaviour = SimBehaviour(
        fps=2.0,
        events_per_s=2.0,
        detector=DetectorCost(DetectorModel.YOLO11N, 320, Backend.OPENVINO_INT8, cores=2),
    )
    plan = Plan(cameras=CAMERAS, workers=2, slots=CAMERAS, steady_s=3.0, settle_s=3.0)
    with local_ray_cluster(workers=2, cameras_per_worker=CAMERAS) as cluster:
        result = simulate(cluster, sim_config(cluster_database, tmp_path), behaviour, plan)

    assert sorted(result.per_node.values()) == [CAMERAS // 2, CAMERAS // 2]
    assert result.events_per_s > 0
    assert result.failover_cameras == CAMERAS // 2
    assert list(result.per_node_after.values()) == [CAMERAS]
    integrity = result.integrity
    assert integrity is not None
    assert integrity.events > 0
    assert (integrity.duplicate_ids, integrity.seq_gaps) == (0, 0)
    assert integrity.late_from_lost_node == 0, "the lost node kept writing after its cameras moved"
    assert integrity.ended_node_lost > 0
    assert integrity.tracks_left_open == 0, "tracks of the lost node were never ended"
