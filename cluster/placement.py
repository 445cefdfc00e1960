"""Which node runs which camera: pure functions over node capacities and current assignments.

A node's capacity is its ``trackcast_cameras`` slots (:data:`cluster.CAMERA_RESOURCE`). A camera
goes to the node with the largest share of its slots free, so that nodes fill in proportion to
their slots; a node with no free slot takes no camera. Rebalancing (when a node joins) moves as
few cameras as it takes to bring every node within about a camera of its proportional share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Slots = Mapping[str, float]
"""Camera slots by node id."""
Assignment = Mapping[str, str]
"""Node id by camera id."""


@dataclass(frozen=True, slots=True)
class Move:
    """Move ``camera`` from node ``source`` to node ``target``."""

    camera: str
    source: str
    target: str


def loads(assignment: Assignment, slots: Slots) -> Counter[str]:
    """Cameras per node, every node of ``slots`` included (0 for an empty one)."""
    counts: Counter[str] = Counter(dict.fromkeys(slots, 0))
    counts.update(node for node in assignment.values() if node in slots)
    return counts


def pick_node(slots: Slots, load: Mapping[str, int]) -> str | None:
    """The node with the largest share of its slots free (then the most free slots, then the
    smallest id, so that the choice is stable); None when no node has a free slot."""
    free = [node for node, count in slots.items() if count - load.get(node, 0) >= 1]
    if not free:
        return None
    return min(free, key=lambda node: _fullest_last(node, slots, load))


def place(cameras: Iterable[str], slots: Slots, assignment: Assignment) -> dict[str, str]:
    """Nodes for ``cameras`` (in the given order) on top of ``assignment``; a camera for which
    no node has a free slot is left out."""
    load = loads(assignment, slots)
    placed: dict[str, str] = {}
    for camera in cameras:
        node = pick_node(slots, load)
        if node is None:
            continue
        placed[camera] = node
        load[node] += 1
    return placed


def reassign(lost: str, slots: Slots, assignment: Assignment) -> dict[str, str]:
    """New nodes for the cameras of node ``lost`` among the other nodes of ``slots`` (a camera
    with no free slot left anywhere is left out)."""
    survivors = {node: count for node, count in slots.items() if node != lost}
    kept = {camera: node for camera, node in assignment.items() if node != lost}
    orphans = sorted(camera for camera, node in assignment.items() if node == lost)
    return place(orphans, survivors, kept)


def rebalance(slots: Slots, assignment: Assignment) -> list[Move]:
    """Moves that bring each node's load toward its share of the cameras (in proportion to its
    slots): one camera at a time from the node furthest above its share to the node with a
    free slot furthest below its, while the two are more than one camera apart from their
    shares (a move then brings both closer). Few moves: a camera never moves twice, and a
    cluster within a camera of its shares is left alone."""
    load = loads(assignment, slots)
    total_slots = sum(slots.values())
    if total_slots <= 0:
        return []
    count = sum(load.values())
    excess = {node: load[node] - count * slots[node] / total_slots for node in slots}
    cameras: dict[str, list[str]] = {node: [] for node in slots}
    for camera, node in sorted(assignment.items()):
        if node in cameras:
            cameras[node].append(camera)
    moves: list[Move] = []
    while True:
        source = max(slots, key=lambda node: (excess[node], node))
        open_nodes = [node for node in slots if slots[node] - load[node] >= 1 and node != source]
        if not open_nodes or not cameras[source]:
            return moves
        target = min(open_nodes, key=lambda node: (excess[node], node))
        if excess[source] - excess[target] <= 1:
            return moves
        camera = cameras[source].pop()
        for node, change in ((source, -1), (target, 1)):
            load[node] += change
            excess[node] += change
        moves.append(Move(camera, source, target))


def _fullest_last(node: str, slots: Slots, load: Mapping[str, int]) -> tuple[float, float, str]:
    """Sorts nodes by the share of their slots in use, then by free slots (most first), then
    by id."""
    used = load.get(node, 0)
    return (used / slots[node], used - slots[node], node)
