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

    .venv/bin/python -m evaluation.synthetic out/synthetic --seed 1 --video out/synthetic.mp4

writes a MOTChallenge sequence folder (``gt/gt.txt``, ``det/det.txt``, ``seqinfo.ini``) and a
demo video of the scene (people as filled boxes, detections as white outlines).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class SceneConfig:
    """Camera, duration and crowd.

    Attributes:
        frames: Sequence length in frames.
        fps: Frame rate of the sequence.
        width, height: Image size in pixels.
        horizon: Image row of the horizon, as a fraction of the height.
        near_m, far_m: Depth range people walk in, in metres; ``near_m`` touches the bottom edge.
        initial_people: People already in view on the first frame.
        arrivals_per_s: Mean rate of people entering later.
        speed_mps: Mean walking speed (each person's varies by 20 %).
        turns_per_s: Mean rate at which a person starts a turn of 30 to 100 degrees.
    """

    frames: int = 750
    fps: float = 25.0
    width: int = 1280
    height: int = 720
    horizon: float = 0.2
    near_m: float = 5.0
    far_m: float = 30.0
    initial_people: int = 10
    arrivals_per_s: float = 0.8
    speed_mps: float = 1.3
    turns_per_s: float = 0.15

    @property
    def focal(self) -> float:
        """Focal length in pixels that puts ``near_m`` at the bottom edge."""
        return (1 - self.horizon) * self.height * self.near_m / CAMERA_HEIGHT_M


@dataclass(frozen=True)
class NoiseConfig:
    """The detector model.

    Attributes:
        jitter: Standard deviation of box centre and log-size noise, relative to the box size.
        miss: Chance of missing a fully visible person.
        half_visible: Visibility at which a person is missed half the time.
        false_positives: Mean random false positives per frame.
        static_spots: Places that look like a person and fire in bursts.
        spot_on_s, spot_off_s: Mean length of a spot's bursts and of the pauses between them.
    """

    jitter: float = 0.04
    miss: float = 0.04
    half_visible: float = 0.35
    false_positives: float = 0.3
    static_spots: int = 3
    spot_on_s: float = 2.0
    spot_off_s: float = 6.0


@dataclass(frozen=True)
class SyntheticScene:
    """Ground truth (with visibility) and detections (ids -1) of one generated sequence."""

    config: SceneConfig
    gt: MotSequence
    detections: MotSequence
    name: str = "synthetic"

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
class _Walker:
    """One person's ground-plane state: position (m), heading (rad), speed (m/s)."""

    x: float
    z: float
    heading: float
    speed: float
    height_m: float
    turn_rate: float = 0.0
    turn_frames: int = 0
    seen: bool = False


@dataclass
class _Crowd:
    config: SceneConfig
    rng: np.random.Generator
    walkers: dict[int, _Walker] = field(default_factory=dict)
    next_id: int = 1

    def half_width(self, z: float) -> float:
        """Half the visible ground width at depth ``z``, in metres."""
        return z * self.config.width / 2 / self.config.focal

    def depth(self) -> float:
        """A random depth, uniform in image rows (so near people are as common as far ones)."""
        c = self.config
        return 1 / float(self.rng.uniform(1 / (c.far_m - 2), 1 / (c.near_m + 1)))

    def spawn(self, inside: bool) -> None:
        c, rng = self.config, self.rng
        z, target_z = self.depth(), self.depth()
        target_x = float(rng.uniform(-0.8, 0.8)) * self.half_width(target_z)
        if inside:
            x = float(rng.uniform(-0.9, 0.9)) * self.half_width(z)
        elif rng.random() < 0.75:
            x = float(rng.choice([-1.0, 1.0])) * (self.half_width(z) + 0.3)
        else:
            z = c.far_m + 1
            x = float(rng.uniform(-0.7, 0.7)) * self.half_width(z)
        heading = math.atan2(target_z - z, target_x - x) + float(rng.normal(0, 0.15))
        self.walkers[self.next_id] = _Walker(
            x=x,
            z=z,
            heading=heading,
            speed=c.speed_mps * float(rng.uniform(0.8, 1.2)),
            height_m=PERSON_HEIGHT_M * float(rng.normal(1.0, 0.06)),
            seen=inside,
        )
        self.next_id += 1

    def step(self) -> None:
        c, rng = self.config, self.rng
        for walker_id, w in list(self.walkers.items()):
            if w.turn_frames == 0 and rng.random() < c.turns_per_s / c.fps:
                angle = math.radians(float(rng.uniform(30, 100))) * float(rng.choice([-1, 1]))
                w.turn_frames = max(1, round(float(rng.uniform(0.5, 1.5)) * c.fps))
                w.turn_rate = angle / w.turn_frames
            if w.turn_frames > 0:
                w.heading += w.turn_rate
                w.turn_frames -= 1
            w.x += w.speed / c.fps * math.cos(w.heading)
            w.z += w.speed / c.fps * math.sin(w.heading)
            inside = abs(w.x) < self.half_width(w.z) and c.near_m <= w.z <= c.far_m
            w.seen = w.seen or inside
            walked_out = w.seen and not inside
            missed_view = not w.seen and (w.z < c.near_m or abs(w.x) > self.half_width(w.z) + 3)
            if walked_out or missed_view:  # gone for good
                del self.walkers[walker_id]

    def boxes(self) -> tuple[list[int], FloatArray, FloatArray]:
        """Ids, ``left, top, width, height`` boxes and depths of the people in the image."""
        c = self.config
        ids, rows, depths = [], [], []
        for walker_id, w in self.walkers.items():
            if w.z <= 0.5:
                continue
            h = c.focal * w.height_m / w.z
            foot_x = c.width / 2 + c.focal * w.x / w.z
            foot_y = c.horizon * c.height + c.focal * CAMERA_HEIGHT_M / w.z
            box = (foot_x - ASPECT * h / 2, foot_y - h, ASPECT * h, h)
            if box[0] + box[2] > 0 and box[0] < c.width and box[1] < c.height:
                ids.append(walker_id)
                rows.append(box)
                depths.append(w.z)
        return ids, np.array(rows).reshape(-1, 4), np.array(depths)


def visibility(boxes: FloatArray, depths: FloatArray, width: int, height: int) -> FloatArray:
    """Fraction of each box inside the image and not covered by a nearer box (12x12 samples)."""
    steps = (np.arange(12) + 0.5) / 12
    result = np.zeros(len(boxes))
    for i, (left, top, w, h) in enumerate(boxes):
        px = np.repeat(left + steps * w, 12)
        py = np.tile(top + steps * h, 12)
        seen = (px >= 0) & (px < width) & (py >= 0) & (py < height)
        for j in np.flatnonzero(depths < depths[i]):
            ol, ot, ow, oh = boxes[j]
            seen &= ~((px >= ol) & (px < ol + ow) & (py >= ot) & (py < ot + oh))
        result[i] = seen.mean()
    return result


def generate_truth(config: SceneConfig, seed: int) -> MotSequence:
    """Ground truth of a scene: class 1, consider flag 1, visibility in column 9."""
    rng = np.random.default_rng([seed, 0])
    crowd = _Crowd(config, rng)
    for _ in range(config.initial_people):
        crowd.spawn(inside=True)
    rows = []
    for frame in range(1, config.frames + 1):
        for _ in range(rng.poisson(config.arrivals_per_s / config.fps)):
            crowd.spawn(inside=False)
        ids, boxes, depths = crowd.boxes()
        vis = visibility(boxes, depths, config.width, config.height)
        for walker_id, box, v in zip(ids, boxes, vis, strict=True):
            rows.append([frame, walker_id, *box, 1, 1, v])
        crowd.step()
    return MotSequence.from_columns(np.array(rows).reshape(-1, 9))


def detect(gt: MotSequence, config: SceneConfig, noise: NoiseConfig, seed: int) -> MotSequence:
    """Noisy detections of ``gt``: ids -1, confidence in column 7, class 1."""
    rng = np.random.default_rng([seed, 1])
    spots = _spots(config, noise, rng)
    spot_on = np.zeros(len(spots), dtype=bool)
    rows: list[npt.NDArray[np.float64]] = []
    for frame in range(1, config.frames + 1):
        truth = gt.select(gt.frames == frame)
        rows.append(_true_detections(truth, noise, rng))
        rows.append(_false_positives(config, noise, rng))
        spot_on = _toggle(spot_on, config, noise, rng)
        boxes = spots[spot_on] * np.exp(rng.normal(0, noise.jitter / 2, (int(spot_on.sum()), 4)))
        rows.append(_rows(boxes, rng.uniform(0.2, 0.7, len(boxes))))
        for block in rows[-3:]:
            block[:, 0] = frame
    table = np.concatenate(rows)
    return MotSequence.from_columns(table[table[:, 6] >= DETECTOR_MIN_CONF])


def _true_detections(
    truth: MotSequence, noise: NoiseConfig, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    n = len(truth)
    p_detect = (1 - noise.miss) / (1 + np.exp(-(truth.visibility - noise.half_visible) / 0.08))
    detected = rng.random(n) < p_detect
    wh = truth.boxes[:, 2:]
    centre = truth.boxes[:, :2] + wh / 2 + rng.normal(0, noise.jitter, (n, 2)) * wh
    size = wh * np.exp(rng.normal(0, noise.jitter, (n, 2)))
    boxes = np.column_stack([centre - size / 2, size])
    logit = -1.0 + 4.0 * truth.visibility + 0.8 * np.log(wh[:, 1] / 80) + rng.normal(0, 0.5, n)
    confidence = 1 / (1 + np.exp(-logit))
    return _rows(boxes[detected], confidence[detected])


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
    gt = generate_truth(config, seed)
    return SyntheticScene(config, gt, detect(gt, config, noise or NoiseConfig(), seed))


def render(scene: SyntheticScene, path: Path) -> None:
    """An H.264 MP4 of the scene: people as filled boxes, nearest on top, detections outlined."""
    import av
    import cv2

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
            for i in np.argsort(-(truth.boxes[:, 1] + truth.boxes[:, 3])):
                color = tuple(int(v) for v in palette[truth.ids[i] % 1024])
                _box(image, truth.boxes[i], color, cv2.FILLED)
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
    parser.add_argument("--video", type=Path, help="also render an MP4 of the scene here")
    args = parser.parse_args()
    scene = generate(args.seed, SceneConfig(frames=args.frames))
    scene.write(args.folder)
    if args.video:
        args.video.parent.mkdir(parents=True, exist_ok=True)
        render(scene, args.video)
    print(f"{args.folder}: {len(scene.gt)} boxes of {len(np.unique(scene.gt.ids))} people")


if __name__ == "__main__":
    main()
