"""Synthetic pedestrian scenes with exact ground truth, and a noisy detector to feed trackers.

People walk on a ground plane seen by a fixed camera 3 m up, looking level: boxes shrink with
distance (pinhole perspective), people enter from the sides and the far end, turn now and then and
cross each other, so nearer people hide farther ones. Every ground-truth box carries its
visibility: the fraction of it inside the image and not covered by someone nearer.

The detector model turns ground truth into detections: boxes jittered in position and size, misses
that become likely as visibility falls, confidence falling with visibility and size, random false
positives, and static spots (a coat stand, a poster) that fire for seconds at a time, the way real
detectors do. Everything is drawn from ``numpy`` generators seeded by ``seed``: the same seed and
configs give the same scene, byte for byte; the scene does not depend on the noise settings.

Besides walking people, agents can be runners, cyclists and vehicles (cuboids whose boxes widen as
they turn across the view), can walk in groups, and static occluders can hide them. ``Preset``
names the scenes built from these (walkers, runners, vehicles, groups, occlusions, edges, crowd):

    .venv/bin/python -m evaluation.synthetic out/synthetic --seed 1 --video out/synthetic.mp4
    .venv/bin/python -m evaluation.synthetic out/occl --preset occlusions --video out/occl.mp4

writes a MOTChallenge sequence folder (``gt/gt.txt``, ``det/det.txt``, ``seqinfo.ini``) and a
demo video of the scene (people and occluders as filled boxes, detections as white outlines).
"""

from __future__ import annotations

import argparse
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evaluation.mot_io import FloatArray, MotSequence, write_mot

CAMERA_HEIGHT_M = 3.0
PERSON_HEIGHT_M = 1.7
ASPECT = 0.41
"""Box width over height of a walking person."""
DETECTOR_MIN_CONF = 0.1
"""Detections below this are not reported (trackcast's default ``--conf``)."""
OCCLUDER_COLOR = (40, 40, 40)
"""How ``render`` paints static occluders."""


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


@dataclass(frozen=True)
class NoiseConfig:
    """The detector model.

    Attributes:
        jitter: Standard deviation of box centre and log-size noise, relative to the box size.
        miss: Chance of missing a fully visible person.
        vehicle_miss: Chance of missing a fully visible vehicle.
        half_visible: Visibility at which a person is missed half the time.
        false_positives: Mean random false positives per frame.
        static_spots: Places that look like a person and fire in bursts.
        spot_on_s, spot_off_s: Mean length of a spot's bursts and of the pauses between them.
        clip: Clip detected boxes to the image, as real detectors do.
    """

    jitter: float = 0.04
    miss: float = 0.04
    vehicle_miss: float = 0.02
    half_visible: float = 0.35
    false_positives: float = 0.3
    static_spots: int = 3
    spot_on_s: float = 2.0
    spot_off_s: float = 6.0
    clip: bool = False


@dataclass(frozen=True)
class SyntheticScene:
    """Ground truth (with visibility) and detections (ids -1) of one generated sequence.

    ``kinds`` says what each ground-truth id is; ``occluders`` are the static objects' boxes
    (``left, top, width, height``), which hide people but are not ground truth.
    """

    config: SceneConfig
    gt: MotSequence
    detections: MotSequence
    name: str = "synthetic"
    kinds: Mapping[int, AgentKind] = field(default_factory=dict)
    occluders: FloatArray = field(default_factory=lambda: np.zeros((0, 4)))

    def write(self, folder: Path) -> None:
        """A MOTChallenge sequence folder: ``gt/gt.txt``, ``det/det.txt``, ``seqinfo.ini``."""
        write_mot(folder / "gt" / "gt.txt", self.gt)
        write_mot(folder / "det" / "det.txt", self.detections)
        c = self.config
        (folder / "seqinfo.ini").write_text(
            f"[Sequence]\nname={self.name}\nframeRate={c.fps:g}\nseqLength={c.frames}\n"
            f"imWidth={c.width}\nimHeight={c.height}\nimExt=.jpg\n",
            encoding="utf-8",
        )


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


def _occluders(config: SceneConfig, seed: int) -> tuple[FloatArray, FloatArray]:
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
    return _simulate(config, seed)[0]


def _simulate(config: SceneConfig, seed: int) -> tuple[MotSequence, dict[int, AgentKind]]:
    """Ground truth and the kind of each id."""
    rng = np.random.default_rng([seed, 0])
    crowd = _Crowd(config, rng)
    cover, cover_depths = _occluders(config, seed)
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


def detect(
    gt: MotSequence,
    config: SceneConfig,
    noise: NoiseConfig,
    seed: int,
    vehicles: frozenset[int] = frozenset(),
) -> MotSequence:
    """Noisy detections of ``gt``: ids -1, confidence in column 7, class 1.

    Ground-truth ids in ``vehicles`` are missed at ``noise.vehicle_miss`` instead of ``noise.miss``.
    """
    rng = np.random.default_rng([seed, 1])
    spots = _spots(config, noise, rng)
    spot_on = np.zeros(len(spots), dtype=bool)
    rows: list[npt.NDArray[np.float64]] = []
    for frame in range(1, config.frames + 1):
        truth = gt.select(gt.frames == frame)
        miss = np.where(np.isin(truth.ids, list(vehicles)), noise.vehicle_miss, noise.miss)
        found = _true_detections(truth, noise, miss, rng)
        rows.append(_clip(found, config) if noise.clip else found)
        rows.append(_false_positives(config, noise, rng))
        spot_on = _toggle(spot_on, config, noise, rng)
        boxes = spots[spot_on] * np.exp(rng.normal(0, noise.jitter / 2, (int(spot_on.sum()), 4)))
        rows.append(_rows(boxes, rng.uniform(0.2, 0.7, len(boxes))))
        for block in rows[-3:]:
            block[:, 0] = frame
    table = np.concatenate(rows)
    return MotSequence.from_columns(table[table[:, 6] >= DETECTOR_MIN_CONF])


def _true_detections(
    truth: MotSequence, noise: NoiseConfig, miss: FloatArray, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    n = len(truth)
    p_detect = (1 - miss) / (1 + np.exp(-(truth.visibility - noise.half_visible) / 0.08))
    detected = rng.random(n) < p_detect
    wh = truth.boxes[:, 2:]
    centre = truth.boxes[:, :2] + wh / 2 + rng.normal(0, noise.jitter, (n, 2)) * wh
    size = wh * np.exp(rng.normal(0, noise.jitter, (n, 2)))
    boxes = np.column_stack([centre - size / 2, size])
    logit = -1.0 + 4.0 * truth.visibility + 0.8 * np.log(wh[:, 1] / 80) + rng.normal(0, 0.5, n)
    confidence = 1 / (1 + np.exp(-logit))
    return _rows(boxes[detected], confidence[detected])


def _clip(rows: npt.NDArray[np.float64], config: SceneConfig) -> npt.NDArray[np.float64]:
    """Detection rows with their boxes cut to the image; boxes left under 2 pixels are dropped."""
    left = np.clip(rows[:, 2], 0, config.width)
    top = np.clip(rows[:, 3], 0, config.height)
    right = np.clip(rows[:, 2] + rows[:, 4], 0, config.width)
    bottom = np.clip(rows[:, 3] + rows[:, 5], 0, config.height)
    clipped = rows.copy()
    clipped[:, 2:6] = np.column_stack([left, top, right - left, bottom - top])
    return clipped[(clipped[:, 4] >= 2) & (clipped[:, 5] >= 2)]


def _false_positives(
    config: SceneConfig, noise: NoiseConfig, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    n = int(rng.poisson(noise.false_positives))
    return _rows(_random_boxes(config, rng, n), rng.uniform(0.1, 0.55, n))


def _spots(config: SceneConfig, noise: NoiseConfig, rng: np.random.Generator) -> FloatArray:
    return _random_boxes(config, rng, noise.static_spots)


def _toggle(
    on: npt.NDArray[np.bool_], config: SceneConfig, noise: NoiseConfig, rng: np.random.Generator
) -> npt.NDArray[np.bool_]:
    """Bursts: each spot switches on or off with the rate its mean burst or pause implies."""
    flip = rng.random(len(on)) < np.where(
        on, 1 / (noise.spot_on_s * config.fps), 1 / (noise.spot_off_s * config.fps)
    )
    return on ^ flip


def _random_boxes(config: SceneConfig, rng: np.random.Generator, n: int) -> FloatArray:
    """Person-sized boxes standing on the ground at random places in view."""
    z = rng.uniform(config.near_m + 1, config.far_m, n)
    h = config.focal * PERSON_HEIGHT_M / z * rng.uniform(0.7, 1.1, n)
    foot_y = config.horizon * config.height + config.focal * CAMERA_HEIGHT_M / z
    x = rng.uniform(0.05, 0.95, n) * config.width
    return np.column_stack([x - ASPECT * h / 2, foot_y - h, ASPECT * h, h])


def _rows(boxes: FloatArray, confidence: FloatArray) -> npt.NDArray[np.float64]:
    n = len(boxes)
    return np.column_stack(
        [np.zeros(n), np.full(n, -1.0), boxes, confidence, np.ones(n), np.full(n, -1.0)]
    ).reshape(-1, 9)


def generate(
    seed: int, config: SceneConfig | None = None, noise: NoiseConfig | None = None
) -> SyntheticScene:
    """The scene and detections for ``seed``."""
    config = config or SceneConfig()
    gt, kinds = _simulate(config, seed)
    vehicles = frozenset(i for i, kind in kinds.items() if kind == AgentKind.VEHICLE)
    detections = detect(gt, config, noise or NoiseConfig(), seed, vehicles)
    occluders = _occluders(config, seed)[0]
    return SyntheticScene(config, gt, detections, kinds=kinds, occluders=occluders)


class Preset(enum.StrEnum):
    """Named scenes, from today's walkers to the hard cases of a street or shop camera."""

    WALKERS = "walkers"
    """People walking, entering from the sides and the far end (the default scene)."""
    RUNNERS = "runners"
    """Runners and cyclists crossing among walkers: 0.3 to 1 box height per 0.2 s."""
    VEHICLES = "vehicles"
    """Cars and vans at 8-15 m/s, wide and large, some turning, among walkers."""
    GROUPS = "groups"
    """Groups of 2-5 walking together, crossing other groups."""
    OCCLUSIONS = "occlusions"
    """Pillars, kiosks and parked vans hiding people who walk behind them for 1-3 s."""
    EDGES = "edges"
    """Many entries and exits at the edges, near the camera too: boxes partly out of frame."""
    CROWD = "crowd"
    """A dense crowd: about 40 people in view, hiding each other."""


PRESETS: tuple[Preset, ...] = tuple(Preset)

_RUNNER = AgentProfile(
    kind=AgentKind.RUNNER,
    aspect=0.5,
    speed_mps=3.8,
    speed_range=(0.8, 1.3),
    turns_per_s=0.1,
    turn_deg=(20.0, 70.0),
    side_entries=0.9,
    far_entries=0.1,
    across=True,
    heading_sd=0.1,
)
_CYCLIST = AgentProfile(
    kind=AgentKind.CYCLIST,
    height_m=1.75,
    length_m=1.75,
    width_m=0.6,
    speed_mps=6.0,
    speed_range=(0.8, 1.3),
    turns_per_s=0.1,
    turn_deg=(20.0, 70.0),
    side_entries=0.9,
    far_entries=0.1,
    across=True,
    heading_sd=0.1,
)
_CAR = AgentProfile(
    kind=AgentKind.VEHICLE,
    height_m=1.6,
    length_m=4.0,
    width_m=1.8,
    speed_mps=11.0,
    speed_range=(0.75, 1.35),
    turns_per_s=0.12,
    turn_deg=(60.0, 90.0),
    turn_s=(1.2, 2.2),
    side_entries=0.9,
    far_entries=0.1,
    depth_m=(9.0, 27.0),
    across=True,
    heading_sd=0.05,
)
_VAN = replace(
    _CAR, height_m=2.3, length_m=5.0, width_m=2.0, speed_mps=10.0, speed_range=(0.8, 1.4)
)


def preset_config(preset: Preset, frames: int | None = None) -> tuple[SceneConfig, NoiseConfig]:
    """Scene and detector model of ``preset``: 25 fps, ``frames`` long (default 30 s)."""
    scene = _scene(preset)
    noise = NoiseConfig(clip=True) if preset == Preset.EDGES else NoiseConfig()
    return (scene if frames is None else replace(scene, frames=frames)), noise


def _scene(preset: Preset) -> SceneConfig:
    person = AgentProfile()
    arrivals: tuple[Arrivals, ...]
    match preset:
        case Preset.WALKERS:
            return SceneConfig()
        case Preset.RUNNERS:
            arrivals = (
                Arrivals(person, per_s=0.4, initial=5),
                Arrivals(_RUNNER, per_s=0.6, initial=3),
                Arrivals(_CYCLIST, per_s=0.45, initial=2),
            )
            return SceneConfig(arrivals=arrivals)
        case Preset.VEHICLES:
            arrivals = (
                Arrivals(person, per_s=0.4, initial=5),
                Arrivals(_CAR, per_s=0.6, initial=2),
                Arrivals(_VAN, per_s=0.2, initial=1),
            )
            return SceneConfig(arrivals=arrivals)
        case Preset.GROUPS:
            arrivals = (
                Arrivals(person, per_s=0.3, initial=4),
                Arrivals(person, per_s=0.3, initial=3, group=(2, 5)),
            )
            return SceneConfig(arrivals=arrivals)
        case Preset.OCCLUSIONS:
            behind = replace(
                person, side_entries=0.9, far_entries=0.1, depth_m=(15.0, 28.0), across=True
            )
            return SceneConfig(arrivals=(Arrivals(behind, per_s=1.0, initial=12),), occluders=3)
        case Preset.EDGES:
            near = replace(
                person, speed_mps=1.4, side_entries=0.55, far_entries=0.05, depth_m=(2.8, 12.0)
            )
            return SceneConfig(arrivals=(Arrivals(near, per_s=1.5, initial=8),), closest_m=2.3)
        case Preset.CROWD:
            slow = replace(person, speed_mps=1.1)
            return SceneConfig(arrivals=(Arrivals(slow, per_s=2.6, initial=40),))


def generate_preset(seed: int, preset: Preset, frames: int | None = None) -> SyntheticScene:
    """The scene of ``preset`` for ``seed``, named after the preset."""
    config, noise = preset_config(preset, frames)
    return replace(generate(seed, config, noise), name=preset.value)


def render(scene: SyntheticScene, path: Path) -> None:
    """An H.264 MP4 of the scene: people and occluders as filled boxes, nearest on top,
    detections outlined."""
    import av

    c = scene.config
    palette = np.random.default_rng(0).integers(60, 230, (1024, 3))
    background = np.full((c.height, c.width, 3), 90, dtype=np.uint8)
    background[: round(c.horizon * c.height)] = (150, 120, 90)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(c.fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = c.width, c.height, "yuv420p"
        for frame in range(1, c.frames + 1):
            image = background.copy()
            truth = scene.gt.select(scene.gt.frames == frame)
            colors = [tuple(int(v) for v in palette[i % 1024]) for i in truth.ids]
            boxes = np.concatenate([truth.boxes, scene.occluders])
            colors += [OCCLUDER_COLOR] * len(scene.occluders)
            for i in np.argsort(boxes[:, 1] + boxes[:, 3], kind="stable"):  # farthest first
                _box(image, boxes[i], colors[i], -1)
            for box in scene.detections.boxes[scene.detections.frames == frame]:
                _box(image, box, (255, 255, 255), 1)
            video_frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))


def _box(image: npt.NDArray[np.uint8], box: FloatArray, color: tuple[int, ...], thick: int) -> None:
    import cv2

    left, top, w, h = (round(float(v)) for v in box)
    cv2.rectangle(image, (left, top), (left + w, top + h), color, thick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="MOTChallenge sequence folder to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=SceneConfig.frames)
    parser.add_argument(
        "--preset", type=Preset, choices=PRESETS, default=Preset.WALKERS, help="which scene"
    )
    parser.add_argument("--video", type=Path, help="also render an MP4 of the scene here")
    args = parser.parse_args()
    scene = generate_preset(args.seed, args.preset, args.frames)
    scene.write(args.folder)
    if args.video:
        args.video.parent.mkdir(parents=True, exist_ok=True)
        render(scene, args.video)
    print(f"{args.folder}: {len(scene.gt)} boxes of {len(np.unique(scene.gt.ids))} people")


if __name__ == "__main__":
    main()
