"""Placement: cameras go where the largest share of slots is free; a lost node's cameras spread
over the survivors; a joining node gets cameras with few moves."""

from __future__ import annotations

from collections import Counter

from cluster.placement import Move, loads, pick_node, place, reassign, rebalance


def test_a_camera_goes_to_the_node_with_the_largest_share_of_free_slots() -> None:
    slots = {"a": 4, "b": 8}
    assert pick_node(slots, {"a": 2, "b": 3}) == "b"  # a is half full, b 3/8
    assert pick_node(slots, {"a": 1, "b": 4}) == "a"  # 1/4 < 4/8
    assert pick_node(slots, {"a": 2, "b": 4}) == "b"  # both half full: b has more slots free
    assert pick_node({"a": 2, "b": 2}, {}) == "a"  # a tie is broken by id, stably
    assert pick_node(slots, {"a": 4, "b": 8}) is None
    assert pick_node({"a": 0.5}, {}) is None  # no whole slot
    assert pick_node({}, {}) is None


def test_cameras_fill_nodes_in_proportion_to_their_slots() -> None:
    slots = {"a": 2, "b": 4, "c": 6}
    placed = place([f"c{n}" for n in range(9)], slots, {})
    count = Counter(placed.values())
    for node, share in {"a": 1.5, "b": 3, "c": 4.5}.items():  # 9 cameras over 12 slots
        assert abs(count[node] - share) <= 0.5, count


def test_place_leaves_out_what_does_not_fit() -> None:
    placed = place(["x", "y", "z"], {"a": 2}, {"old": "a"})
    assert placed == {"x": "a"}
    assert loads({"old": "a", "gone": "z"}, {"a": 2, "b": 1}) == {"a": 1, "b": 0}


def test_a_lost_nodes_cameras_spread_over_the_survivors() -> None:
    slots = {"b": 4, "c": 4}
    assignment = {"1": "a", "2": "a", "3": "a", "4": "b", "5": "c", "6": "c"}
    moved = reassign("a", slots, assignment)
    assert set(moved) == {"1", "2", "3"}
    final = Counter([*moved.values(), "b", "c", "c"])
    assert final == {"b": 3, "c": 3}


def test_a_lost_nodes_cameras_beyond_the_free_slots_wait() -> None:
    moved = reassign("a", {"a": 8, "b": 2}, {"1": "a", "2": "a", "3": "a", "4": "b"})
    assert list(moved.values()) == ["b"]


def test_a_joining_node_gets_its_share_in_few_moves() -> None:
    assignment = {f"c{n}": "a" for n in range(6)}
    moves = rebalance({"a": 8, "b": 8}, assignment)
    assert len(moves) == 3
    assert all(m.source == "a" and m.target == "b" for m in moves)
    assert len({m.camera for m in moves}) == 3


def test_rebalance_follows_slots_and_leaves_a_balanced_cluster_alone() -> None:
    assignment = {**{f"a{n}": "a" for n in range(4)}, **{f"b{n}": "b" for n in range(2)}}
    assert rebalance({"a": 8, "b": 4}, assignment) == []  # a: 4/8, b: 2/4
    assert rebalance({"a": 8, "b": 8}, {"x": "a", "y": "b", "z": "a"}) == []  # one apart
    moves = rebalance({"a": 2, "b": 2, "c": 8}, {"1": "a", "2": "a", "3": "b", "4": "b"})
    assert Counter(m.target for m in moves) == {"c": 2}
    assert rebalance({"a": 4}, {"1": "a"}) == []


def test_rebalance_never_overfills_a_node() -> None:
    assert rebalance({"a": 8, "b": 1}, {f"c{n}": "a" for n in range(8)}) == [
        Move("c7", "a", "b")
    ]  # shares 7.1 and 0.9
    assert rebalance({"a": 8, "b": 0.5}, {f"c{n}": "a" for n in range(8)}) == []
