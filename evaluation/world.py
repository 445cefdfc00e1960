"""The ground-truth world of the synthetic scenes: a camera, agents that move, occluders that hide.

A fixed camera 3 m up, looking level, sees a ground plane: boxes shrink with distance (pinhole
perspective). Agents are people, runners, cyclists and vehicles (upright boxes for people, the
projected corners of a cuboid for bikes and vehicles, so their boxes widen as they turn across the
view); they enter from the sides, the far end or from under the camera, alone or in groups that
keep small offsets, turn now and then and cross each other, so nearer agents hide farther ones, as
do static occluders (pillars, kiosks, parked vans). Every ground-truth box carries its visibility:
the fraction of it inside the image and not covered by anything nearer.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np

from evaluation.mot_io import FloatArray, MotSequence

CAMERA_HEIGHT_M = 3.0
PERSON_HEIGHT_M = 1.7
ASPECT = 0.41
"""Box width over height of a walking person."""


class AgentKind(enum.StrEnum):
    """What moves in a scene."""

    PERSON = "person"
    RUNNER = "runner"
    CYCLIST = "cyclist"
    VEHICLE = "vehicle"


@dataclass(frozen=True)
class AgentProfile:
    """How one kind of agent looks, moves and enters the scene.

    Attributes:
        kind: What it is.
        height_m: Mean height; each agent's size varies by ``height_sd`` (relative).
        aspect: Box width over height of an upright agent (one with no ``length_m``).
        length_m, width_m: Footprint of a cuboid agent (bike, vehicle), whose box is its
            projected corners, so it widens when it turns across the view.
        speed_mps: Mean speed; each agent's is scaled by a factor drawn from ``speed_range``.
        turns_per_s: Mean rate of starting a turn of ``turn_deg`` degrees over ``turn_s`` seconds.
        side_entries, far_entries: Shares of arrivals entering at the sides and at the far end;
            the rest enter from the bottom edge, next to the camera.
        depth_m: Depth range of entries and destinations (default: the whole walkable range).
        across: Head straight across the view (destination at the entry depth).
        heading_sd: Noise on the heading towards the destination, in radians.
    """

    kind: AgentKind = AgentKind.PERSON
    height_m: float = PERSON_HEIGHT_M
    height_sd: float = 0.06
    aspect: float = ASPECT
    length_m: float = 0.0
    width_m: float = 0.0
    speed_mps: float = 1.3
    speed_range: tuple[float, float] = (0.8, 1.2)
    turns_per_s: float = 0.15
    turn_deg: tuple[float, float] = (30.0, 100.0)
    turn_s: tuple[float, float] = (0.5, 1.5)
    side_entries: float = 0.75
    far_entries: float = 0.25
    depth_m: tuple[float, float] | None = None
    across: bool = False
    heading_sd: float = 0.15


@dataclass(frozen=True)
class Arrivals:
    """A stream of agents of one profile: some in view at the start, more arriving later.

    Attributes:
        profile: What arrives.
        per_s: Mean arrivals (of single agents or groups) per second.
        initial: Arrivals already in view on the first frame.
        group: Range of group sizes; groups share heading and speed at small offsets.
    """

    profile: AgentProfile = AgentProfile()
    per_s: float = 0.8
    initial: int = 10
    group: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class SceneConfig:
    """Camera, duration, what moves and what stands in the way.

    Attributes:
        frames: Sequence length in frames.
        fps: Frame rate of the sequence.
        width, height: Image size in pixels.
        horizon: Image row of the horizon, as a fraction of the height.
        near_m, far_m: Depth range people walk in, in metres; ``near_m`` touches the bottom edge.
        arrivals: The streams of agents (the default: walking people, 10 at the start and 0.8/s).
        closest_m: How close agents come before they count as gone (default ``near_m``);
            closer than ``near_m`` their boxes reach out of the bottom of the image.
        occluders: Static objects (pillars, kiosks, parked vans) that hide whoever is behind.
    """

    frames: int = 750
    fps: float = 25.0
    width: int = 1280
    height: int = 720
    horizon: float = 0.2
    near_m: float = 5.0
    far_m: float = 30.0
    arrivals: tuple[Arrivals, ...] = (Arrivals(),)
    closest_m: float | None = None
    occluders: int = 0

    @property
    def focal(self) -> float:
        """Focal length in pixels that puts ``near_m`` at the bottom edge."""
        return (1 - self.horizon) * self.height * self.near_m / CAMERA_HEIGHT_M

    @property
    def nearest(self) -> float:
        return self.near_m if self.closest_m is None else self.closest_m


@dataclass
class _Group:
    """Agents walking together: one ground-plane state they keep small offsets from."""

    x: float
    z: float
    heading: float
    speed: float
    profile: AgentProfile
    turn_rate: float = 0.0
    turn_frames: int = 0


@dataclass
class _Walker:
    """One agent's ground-plane state: position (m), heading (rad), speed (m/s), size (m)."""

    x: float
    z: float
    heading: float
    speed: float
    height_m: float
    turn_rate: float = 0.0
    turn_frames: int = 0
    seen: bool = False
    profile: AgentProfile = AgentProfile()
    length_m: float = 0.0
    width_m: float = 0.0
    group: _Group | None = None
    offset: tuple[float, float] = (0.0, 0.0)
    """Position in its group: metres ahead of and to the left of the group's centre."""


@dataclass
class _Crowd:
    config: SceneConfig
    rng: np.random.Generator
    walkers: dict[int, _Walker] = field(default_factory=dict)
    groups: list[_Group] = field(default_factory=list)
    next_id: int = 1

    def half_width(self, z: float) -> float:
        """Half the visible ground width at depth ``z``, in metres."""
        return z * self.config.width / 2 / self.config.focal

    def depth(self, profile: AgentProfile) -> float:
        """A random depth, uniform in image rows (so near people are as common as far ones)."""
        c = self.config
        near, far = profile.depth_m or (c.nearest + 1, c.far_m - 2)
        return 1 / float(self.rng.uniform(1 / far, 1 / near))

    def arrive(self, arrivals: Arrivals, inside: bool) -> None:
        """One arrival: a single agent, or a group walking together."""
        low, high = arrivals.group
        size = 1 if high <= 1 else int(self.rng.integers(low, high + 1))
        leader = self.spawn(arrivals.profile, inside)
        if size > 1:
            group = _Group(leader.x, leader.z, leader.heading, leader.speed, arrivals.profile)
            self.groups.append(group)
            for member in range(size):
                walker = leader if member == 0 else self.spawn(arrivals.profile, inside)
                abreast = min(size, 3)
                across = (member % abreast - (abreast - 1) / 2) * 0.7
                ahead = -(member // abreast) * 0.9
                noise = self.rng.normal(0, 0.12, 2)
                walker.group = group
                walker.speed = group.speed
                walker.offset = (ahead + float(noise[0]), across + float(noise[1]))
                self.place(walker)

    def spawn(self, profile: AgentProfile, inside: bool) -> _Walker:
        c, rng = self.config, self.rng
        z, target_z = self.depth(profile), self.depth(profile)
        if profile.across:
            target_z = z
        target_x = float(rng.uniform(-0.8, 0.8)) * self.half_width(target_z)
        margin = profile.length_m / 2
        entry = 0.0 if inside else rng.random()
        if inside:
            x = float(rng.uniform(-0.9, 0.9)) * self.half_width(z)
        elif entry < profile.side_entries:
            x = float(rng.choice([-1.0, 1.0])) * (self.half_width(z) + 0.3 + margin)
        elif entry < profile.side_entries + profile.far_entries:
            z = c.far_m + 1
            x = float(rng.uniform(-0.7, 0.7)) * self.half_width(z)
        else:  # from under the camera, walking away
            z, target_z = c.nearest + 0.1, max(target_z, c.nearest + 4)
            x = float(rng.uniform(-0.7, 0.7)) * self.half_width(z)
        heading = math.atan2(target_z - z, target_x - x) + float(rng.normal(0, profile.heading_sd))
        speed = profile.speed_mps * float(rng.uniform(*profile.speed_range))
        scale = float(rng.normal(1.0, profile.height_sd))
        walker = _Walker(
            x=x,
            z=z,
            heading=heading,
            speed=speed,
            height_m=profile.height_m * scale,
            seen=inside,
            profile=profile,
            length_m=profile.length_m * scale,
            width_m=profile.width_m * scale,
        )
        self.walkers[self.next_id] = walker
        self.next_id += 1
        return walker

    def turn(self, mover: _Walker | _Group, profile: AgentProfile) -> None:
        """Maybe start a turn, and follow the one under way."""
        c, rng = self.config, self.rng
        if mover.turn_frames == 0 and rng.random() < profile.turns_per_s / c.fps:
            angle = math.radians(float(rng.uniform(*profile.turn_deg))) * float(rng.choice([-1, 1]))
            mover.turn_frames = max(1, round(float(rng.uniform(*profile.turn_s)) * c.fps))
            mover.turn_rate = angle / mover.turn_frames
        if mover.turn_frames > 0:
            mover.heading += mover.turn_rate
            mover.turn_frames -= 1

    def place(self, walker: _Walker) -> None:
        """Put a group member at its offset from the group's centre."""
        g = walker.group
        assert g is not None
        ahead, left = walker.offset
        cos, sin = math.cos(g.heading), math.sin(g.heading)
        walker.x = g.x + ahead * cos - left * sin
        walker.z = g.z + ahead * sin + left * cos
        walker.heading = g.heading

    def step(self) -> None:
        c = self.config
        for group in self.groups:
            self.turn(group, group.profile)
            group.x += group.speed / c.fps * math.cos(group.heading)
            group.z += group.speed / c.fps * math.sin(group.heading)
        for walker_id, w in list(self.walkers.items()):
            if w.group is None:
                self.turn(w, w.profile)
                w.x += w.speed / c.fps * math.cos(w.heading)
                w.z += w.speed / c.fps * math.sin(w.heading)
            else:
                self.place(w)
            margin = w.length_m / 2
            inside = abs(w.x) < self.half_width(w.z) + margin and c.nearest <= w.z <= c.far_m
            w.seen = w.seen or inside
            walked_out = w.seen and not inside
            missed_view = not w.seen and (
                w.z < c.nearest or abs(w.x) > self.half_width(w.z) + 3 + margin
            )
            if walked_out or missed_view:  # gone for good
                del self.walkers[walker_id]
        members = {id(w.group) for w in self.walkers.values()}
        self.groups = [g for g in self.groups if id(g) in members]

    def boxes(self) -> tuple[list[int], FloatArray, FloatArray]:
        """Ids, ``left, top, width, height`` boxes and depths of the agents in the image."""
        c = self.config
        ids, rows, depths = [], [], []
        for walker_id, w in self.walkers.items():
            box = self.cuboid(w) if w.length_m > 0 else self.upright(w)
            if box is None:
                continue
            if box[0] + box[2] > 0 and box[0] < c.width and box[1] < c.height:
                ids.append(walker_id)
                rows.append(box)
                depths.append(w.z)
        return ids, np.array(rows).reshape(-1, 4), np.array(depths)

    def upright(self, w: _Walker) -> tuple[float, float, float, float] | None:
        c = self.config
        if w.z <= 0.5:
            return None
        h = c.focal * w.height_m / w.z
        foot_x = c.width / 2 + c.focal * w.x / w.z
        foot_y = c.horizon * c.height + c.focal * CAMERA_HEIGHT_M / w.z
        return (foot_x - w.profile.aspect * h / 2, foot_y - h, w.profile.aspect * h, h)

    def cuboid(self, w: _Walker) -> tuple[float, float, float, float] | None:
        """The box around the projected corners of the agent's footprint and roof."""
        c = self.config
        cos, sin = math.cos(w.heading), math.sin(w.heading)
        half_l, half_w = w.length_m / 2, w.width_m / 2
        xs, zs = [], []
        for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            xs.append(w.x + a * half_l * cos - b * half_w * sin)
            zs.append(w.z + a * half_l * sin + b * half_w * cos)
        if min(zs) <= 0.5:
            return None
        us = [c.width / 2 + c.focal * x / z for x, z in zip(xs, zs, strict=True)]
        horizon = c.horizon * c.height
        top = min(horizon + c.focal * (CAMERA_HEIGHT_M - w.height_m) / z for z in zs)
        bottom = max(horizon + c.focal * CAMERA_HEIGHT_M / z for z in zs)
        return (min(us), top, max(us) - min(us), bottom - top)


def occluders(config: SceneConfig, seed: int) -> tuple[FloatArray, FloatArray]:
    """Boxes and depths of the static occluders: a pillar, a kiosk, a parked van, spread across."""
    rng = np.random.default_rng([seed, 2])
    c, n = config, config.occluders
    kinds = [((0.9, 1.2), 4.5), ((1.3, 1.7), 2.6), ((1.9, 2.3), 2.3)]  # width range, height
    boxes, depths = [], []
    for i in range(n):
        (low, high), height_m = kinds[i % len(kinds)]
        z = float(rng.uniform(10.0, 13.0))
        half = z * c.width / 2 / c.focal
        x = ((i + float(rng.uniform(0.25, 0.75))) / n * 2 - 1) * 0.85 * half
        w = float(rng.uniform(low, high))
        foot_y = c.horizon * c.height + c.focal * CAMERA_HEIGHT_M / z
        h = c.focal * height_m / z
        boxes.append((c.width / 2 + c.focal * (x - w / 2) / z, foot_y - h, c.focal * w / z, h))
        depths.append(z)
    return np.array(boxes).reshape(-1, 4), np.array(depths)


def visibility(
    boxes: FloatArray,
    depths: FloatArray,
    width: int,
    height: int,
    cover: FloatArray | None = None,
    cover_depths: FloatArray | None = None,
) -> FloatArray:
    """Fraction of each box inside the image and not covered by a nearer box (12x12 samples).

    ``cover`` and ``cover_depths`` add boxes that hide others without being counted (occluders).
    """
    steps = (np.arange(12) + 0.5) / 12
    px = np.repeat(boxes[:, :1] + steps * boxes[:, 2:3], 12, axis=1)  # (n, 144)
    py = np.tile(boxes[:, 1:2] + steps * boxes[:, 3:4], (1, 12))
    seen = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    if cover is not None and cover_depths is not None:
        boxes, depths_all = np.concatenate([boxes, cover]), np.concatenate([depths, cover_depths])
    else:
        depths_all = depths
    if len(px) == 0:
        return np.zeros(0)
    left, top = boxes[:, 0], boxes[:, 1]
    right, bottom = left + boxes[:, 2], top + boxes[:, 3]
    nearer = depths_all[None, :] < depths[:, None]  # (n, m)
    for j in np.flatnonzero(nearer.any(axis=0)):
        hidden = (px >= left[j]) & (px < right[j]) & (py >= top[j]) & (py < bottom[j])
        seen &= ~(hidden & nearer[:, j : j + 1])
    return np.asarray(seen.mean(axis=1), dtype=np.float64)


def generate_truth(config: SceneConfig, seed: int) -> MotSequence:
    """Ground truth of a scene: class 1, consider flag 1, visibility in column 9."""
    return simulate(config, seed)[0]


def simulate(config: SceneConfig, seed: int) -> tuple[MotSequence, dict[int, AgentKind]]:
    """Ground truth, and the kind of each id."""
    rng = np.random.default_rng([seed, 0])
    crowd = _Crowd(config, rng)
    cover, cover_depths = occluders(config, seed)
    for arrivals in config.arrivals:
        for _ in range(arrivals.initial):
            crowd.arrive(arrivals, inside=True)
    rows = []
    kinds: dict[int, AgentKind] = {}
    for frame in range(1, config.frames + 1):
        for arrivals in config.arrivals:
            for _ in range(rng.poisson(arrivals.per_s / config.fps)):
                crowd.arrive(arrivals, inside=False)
        ids, boxes, depths = crowd.boxes()
        vis = visibility(boxes, depths, config.width, config.height, cover, cover_depths)
        for walker_id, box, v in zip(ids, boxes, vis, strict=True):
            rows.append([frame, walker_id, *box, 1, 1, v])
            kinds[walker_id] = crowd.walkers[walker_id].profile.kind
        crowd.step()
    return MotSequence.from_columns(np.array(rows).reshape(-1, 9)), kinds
