"""Synthetic street scenes with exact ground truth, and a noisy detector to feed trackers.

``evaluation.world`` moves people (and runners, cyclists, vehicles, groups) on a ground plane seen
by a fixed camera, with static occluders, and gives every ground-truth box its visibility: the
fraction of it inside the image and not covered by anything nearer.

The detector model turns ground truth into detections: boxes jittered in position and size, misses
that become likely as visibility falls, confidence falling with visibility and size, random false
positives, and static spots (a coat stand, a poster) that fire for seconds at a time, the way real
detectors do. Everything is drawn from ``numpy`` generators seeded by ``seed``: the same seed and
configs give the same scene, byte for byte; the scene does not depend on the noise settings.

``Preset`` names the scenes: walkers (the default: people walking), runners, vehicles, groups,
occlusions, edges and crowd, each 25 fps and 30 s unless told otherwise:

    .venv/bin/python -m evaluation.synthetic out/synthetic --seed 1 --video out/synthetic.mp4
    .venv/bin/python -m evaluation.synthetic out/occl --preset occlusions --video out/occl.mp4

writes a MOTChallenge sequence folder (``gt/gt.txt``, ``det/det.txt``, ``seqinfo.ini``) and a
demo video of the scene (people and occluders as filled boxes, detections as white outlines).
"""

from __future__ import annotations

import argparse
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evaluation.mot_io import FloatArray, MotSequence, write_mot
from evaluation.world import (
    ASPECT,
    CAMERA_HEIGHT_M,
    PERSON_HEIGHT_M,
    AgentKind,
    AgentProfile,
    Arrivals,
    SceneConfig,
    generate_truth,
    occluders,
    simulate,
    visibility,
)

__all__ = [
    "ASPECT",
    "CAMERA_HEIGHT_M",
    "DETECTOR_MIN_CONF",
    "OCCLUDER_COLOR",
    "PERSON_HEIGHT_M",
    "PRESETS",
    "AgentKind",
    "AgentProfile",
    "Arrivals",
    "NoiseConfig",
    "Preset",
    "SceneConfig",
    "SyntheticScene",
    "detect",
    "generate",
    "generate_preset",
    "generate_truth",
    "main",
    "preset_config",
    "render",
    "visibility",
]

DETECTOR_MIN_CONF = 0.1
"""Detections below this are not reported (trackcast's default ``--conf``)."""
OCCLUDER_COLOR = (40, 40, 40)
"""How ``render`` paints static occluders."""


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
    gt, kinds = simulate(config, seed)
    vehicles = frozenset(i for i, kind in kinds.items() if kind == AgentKind.VEHICLE)
    detections = detect(gt, config, noise or NoiseConfig(), seed, vehicles)
    static = occluders(config, seed)[0]
    return SyntheticScene(config, gt, detections, kinds=kinds, occluders=static)


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
