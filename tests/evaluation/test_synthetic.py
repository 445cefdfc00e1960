from __future__ import annotations

import functools
import hashlib
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from evaluation import read_mot
from evaluation.mot_io import FloatArray, MotSequence
from evaluation.synthetic import (
    OCCLUDER_COLOR,
    PRESETS,
    AgentKind,
    NoiseConfig,
    Preset,
    SceneConfig,
    SyntheticScene,
    generate,
    generate_preset,
    preset_config,
    render,
)

SHORT = SceneConfig(frames=200)


@pytest.fixture(scope="module")
def scene_bytes(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("scene")
    generate(3, SHORT).write(folder)
    return (folder / "gt" / "gt.txt").read_text(), (folder / "det" / "det.txt").read_text()


def test_same_seed_same_files(scene_bytes: tuple[str, str], tmp_path: Path) -> None:
    generate(3, SHORT).write(tmp_path)
    assert (tmp_path / "gt" / "gt.txt").read_text() == scene_bytes[0]
    assert (tmp_path / "det" / "det.txt").read_text() == scene_bytes[1]


def test_other_seed_other_scene(scene_bytes: tuple[str, str], tmp_path: Path) -> None:
    generate(4, SHORT).write(tmp_path)
    assert (tmp_path / "gt" / "gt.txt").read_text() != scene_bytes[0]


def test_noise_settings_do_not_change_the_scene() -> None:
    quiet = generate(3, SHORT, NoiseConfig(false_positives=0, static_spots=0))
    np.testing.assert_array_equal(quiet.gt.boxes, generate(3, SHORT).gt.boxes)


def test_written_folder_is_a_mot_sequence(tmp_path: Path) -> None:
    scene = generate(3, SHORT)
    scene.write(tmp_path)
    assert "seqLength=200" in (tmp_path / "seqinfo.ini").read_text()
    gt = read_mot(tmp_path / "gt" / "gt.txt")
    assert len(gt) == len(scene.gt)
    assert set(np.unique(gt.classes)) == {1}


def test_scene_is_busy_with_occlusions_and_perspective() -> None:
    gt = generate(5).gt
    per_frame = np.bincount(gt.frames)[1:]
    assert per_frame.min() >= 3
    assert np.all((gt.visibility >= 0) & (gt.visibility <= 1))
    assert np.mean(gt.visibility < 0.5) > 0.05  # people hide each other
    bottom = gt.boxes[:, 1] + gt.boxes[:, 3]
    near = bottom > np.percentile(bottom, 75)
    assert gt.boxes[near, 3].mean() > 1.5 * gt.boxes[~near, 3].mean()  # nearer is bigger


def test_occluded_people_are_missed_more_and_scored_lower() -> None:
    scene = generate(5)
    gt, det = scene.gt, scene.detections
    found = np.zeros(len(gt), dtype=bool)
    best_conf = np.zeros(len(gt))
    for frame in np.unique(gt.frames):
        g = np.flatnonzero(gt.frames == frame)
        d = np.flatnonzero(det.frames == frame)
        centres = det.boxes[d, :2] + det.boxes[d, 2:] / 2
        for i in g:
            left, top, w, h = gt.boxes[i]
            near = (np.abs(centres[:, 0] - left - w / 2) < 0.2 * w) & (
                np.abs(centres[:, 1] - top - h / 2) < 0.2 * h
            )
            found[i] = near.any()
            best_conf[i] = det.confidences[d[near]].max() if near.any() else 0
    hidden, clear = gt.visibility < 0.3, gt.visibility > 0.9
    assert found[clear].mean() > 0.9
    assert found[hidden].mean() < 0.5 * found[clear].mean()
    visible_found = found & (gt.visibility > 0.5)
    assert best_conf[found & (gt.visibility < 0.5)].mean() < best_conf[visible_found].mean()


def test_detector_adds_false_positives() -> None:
    quiet = generate(5, SHORT, NoiseConfig(false_positives=0, static_spots=0))
    assert len(generate(5, SHORT).detections) > len(quiet.detections)
    assert np.all(quiet.detections.ids == -1)


def test_render_writes_a_video(tmp_path: Path) -> None:
    config = SceneConfig(frames=10, width=320, height=240)
    render(generate(1, config), tmp_path / "scene.mp4")
    with av.open(str(tmp_path / "scene.mp4")) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 10
    assert (frames[0].width, frames[0].height) == (320, 240)


# Presets: each is measurably the scene it claims to be (short scenes, a few seeds).

PRESET_FRAMES = 250
WALKERS_SHA256 = (  # today's generate(3, SceneConfig(frames=200)): gt.txt, det.txt
    "0f40dc516193fee51ffe39005134508b09f1e7d1db2a2077f86aefb634b9f887",
    "0059d72de014368bf29848a5daeef7279ff23d68f386f39b401eb9598eb974cf",
)


@functools.cache
def preset_scene(preset: Preset, seed: int = 1) -> SyntheticScene:
    return generate_preset(seed, preset, PRESET_FRAMES)


def tracks(gt: MotSequence) -> dict[int, MotSequence]:
    return {int(i): gt.select(gt.ids == i) for i in np.unique(gt.ids)}


def centres(boxes: FloatArray) -> FloatArray:
    return boxes[:, :2] + boxes[:, 2:] / 2


def moves(track: MotSequence, gap: int = 5) -> FloatArray:
    """Centre displacement over ``gap`` rows of a track, in box heights."""
    c = centres(track.boxes)
    return np.asarray(np.hypot(*(c[gap:] - c[:-gap]).T) / track.boxes[:-gap, 3], dtype=np.float64)


def touches_border(box: FloatArray, config: SceneConfig) -> bool:
    left, top, w, h = box
    return bool(left <= 0 or top <= 0 or left + w >= config.width or top + h >= config.height)


def clip(boxes: FloatArray, config: SceneConfig) -> FloatArray:
    """Boxes cut to the image."""
    lt = np.clip(boxes[:, :2], 0, [config.width, config.height])
    rb = np.clip(boxes[:, :2] + boxes[:, 2:], 0, [config.width, config.height])
    return np.column_stack([lt, rb - lt])


def iou(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of every box in ``a`` with every box in ``b``."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, :2] + a[:, None, 2:], b[None, :, :2] + b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a, area_b = np.prod(a[:, 2:], axis=1), np.prod(b[:, 2:], axis=1)
    return np.asarray(inter / (area_a[:, None] + area_b[None, :] - inter), dtype=np.float64)


def test_walkers_preset_is_todays_scene(tmp_path: Path) -> None:
    generate_preset(3, Preset.WALKERS, 200).write(tmp_path)
    written = [(tmp_path / name).read_bytes() for name in ("gt/gt.txt", "det/det.txt")]
    assert tuple(hashlib.sha256(data).hexdigest() for data in written) == WALKERS_SHA256
    assert PRESETS[0] == Preset.WALKERS and set(PRESETS) == set(Preset)


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_are_deterministic_25_fps_mot_scenes(preset: Preset, tmp_path: Path) -> None:
    scene = preset_scene(preset)
    again = generate_preset(1, preset, PRESET_FRAMES)
    np.testing.assert_array_equal(again.gt.boxes, scene.gt.boxes)
    np.testing.assert_array_equal(again.detections.boxes, scene.detections.boxes)
    assert scene.name == preset.value and scene.config.fps == 25
    assert preset_config(preset)[0].frames == SceneConfig.frames
    scene.write(tmp_path)
    gt = read_mot(tmp_path / "gt" / "gt.txt")
    assert len(gt) == len(scene.gt) and set(np.unique(gt.classes)) == {1}
    assert np.all((gt.visibility >= 0) & (gt.visibility <= 1))
    assert set(scene.kinds) == set(np.unique(scene.gt.ids).tolist())


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_detections_are_sane(preset: Preset) -> None:
    """Most detections are of someone, and most people in plain view are detected."""
    scene = preset_scene(preset)
    gt, det = scene.gt, scene.detections
    matched, clear, found = 0, 0, 0
    for frame in range(1, PRESET_FRAMES + 1):
        g, d = gt.select(gt.frames == frame), det.boxes[det.frames == frame]
        truth = clip(g.boxes, scene.config)  # as detections of people partly out of frame are
        overlap = iou(d, truth) if len(d) and len(g) else np.zeros((len(d), len(g)))
        matched += int((overlap.max(axis=1, initial=0) >= 0.5).sum())
        visible = g.visibility > 0.9
        clear += int(visible.sum())
        found += int((overlap.max(axis=0, initial=0)[visible] >= 0.5).sum())
    assert matched / len(det) > 0.75, matched / len(det)
    assert found / clear > 0.85, found / clear


def test_runners_move_a_third_of_their_height_per_fifth_of_a_second() -> None:
    fast = {AgentKind.RUNNER, AgentKind.CYCLIST}
    for seed in (1, 2):
        scene = preset_scene(Preset.RUNNERS, seed)
        by_id = {i: t for i, t in tracks(scene.gt).items() if len(t) > 10}
        speed = {i: float(np.median(moves(t))) for i, t in by_id.items()}
        runners = [i for i in by_id if scene.kinds[i] in fast]
        assert len(runners) >= 5
        assert np.mean([speed[i] >= 0.3 for i in speed]) > 0.3  # a good share of all ids
        assert np.mean([0.3 <= speed[i] <= 1.0 for i in runners]) > 0.8
        spans = [np.ptp(centres(by_id[i].boxes), axis=0) for i in runners]
        assert np.mean([dx > dy for dx, dy in spans]) > 0.7  # mostly across the image
    walkers = tracks(preset_scene(Preset.WALKERS).gt).values()
    assert max(float(np.median(moves(t))) for t in walkers if len(t) > 10) < 0.3


def test_vehicles_are_wide_fast_and_large() -> None:
    scene = preset_scene(Preset.VEHICLES)
    gt = scene.gt
    vehicle = np.array([scene.kinds[int(i)] == AgentKind.VEHICLE for i in gt.ids])
    assert len(np.unique(gt.ids[vehicle])) >= 5
    aspect = gt.boxes[:, 2] / gt.boxes[:, 3]
    assert np.median(aspect[vehicle]) > 1.5 and np.median(aspect[~vehicle]) < 0.5
    assert np.median(gt.boxes[vehicle, 2]) > 3 * np.median(gt.boxes[~vehicle, 2])
    by_id = tracks(gt)
    speed = [np.median(moves(by_id[int(i)])) for i in np.unique(gt.ids[vehicle])]
    assert np.median(speed) > 0.5  # box heights per 0.2 s; 8-15 m/s for 1.6-2.3 m tall boxes


def parallel_pairs(scene: SyntheticScene) -> int:
    """Pairs of ids that go the same way side by side for at least 2 s."""
    by_id = [t for t in tracks(scene.gt).values() if len(t) >= 50]
    count = 0
    for k, a in enumerate(by_id):
        for b in by_id[k + 1 :]:
            _, ia, ib = np.intersect1d(a.frames, b.frames, return_indices=True)
            if len(ia) < 50:
                continue
            ca, cb = centres(a.boxes[ia]), centres(b.boxes[ib])
            va, vb = ca[-1] - ca[0], cb[-1] - cb[0]
            height = a.boxes[ia, 3].mean()
            if np.linalg.norm(va) < height or np.linalg.norm(vb) < height:
                continue
            cos = va @ vb / np.linalg.norm(va) / np.linalg.norm(vb)
            count += bool(cos > 0.95 and np.linalg.norm(ca - cb, axis=1).max() < 2 * height)
    return count


def test_groups_walk_side_by_side() -> None:
    for seed in (1, 2):
        together = parallel_pairs(preset_scene(Preset.GROUPS, seed))
        assert together >= 8
        assert together > 2 * parallel_pairs(preset_scene(Preset.WALKERS, seed))


def hidden_spells(track: MotSequence, fps: float) -> list[float]:
    """Seconds spent under 0.1 visibility, each between stretches over 0.5 visibility."""
    v = track.visibility
    hidden = np.flatnonzero(v < 0.1)
    runs = np.split(hidden, np.flatnonzero(np.diff(hidden) > 1) + 1) if len(hidden) else []
    return [
        len(run) / fps
        for run in runs
        if v[: run[0]].max(initial=0) > 0.5 and v[run[-1] + 1 :].max(initial=0) > 0.5
    ]


def test_occluders_hide_people_for_one_to_three_seconds() -> None:
    scene = preset_scene(Preset.OCCLUSIONS)
    assert len(scene.occluders) == 3 and len(preset_scene(Preset.WALKERS).occluders) == 0
    spells = [s for t in tracks(scene.gt).values() for s in hidden_spells(t, scene.config.fps)]
    assert sum(1 <= s <= 3 for s in spells) >= 5
    quiet = generate(1, replace(scene.config, occluders=0), preset_config(Preset.OCCLUSIONS)[1])
    assert len(quiet.gt) == len(scene.gt)  # occluders are not ground truth
    assert scene.gt.visibility.mean() < quiet.gt.visibility.mean() - 0.1


def test_edges_preset_enters_and_leaves_at_the_borders() -> None:
    scene = preset_scene(Preset.EDGES)
    c = scene.config

    def border_share(scene: SyntheticScene) -> float:
        ends = [t.boxes[k] for t in tracks(scene.gt).values() for k in (0, -1)]
        return float(np.mean([touches_border(b, scene.config) for b in ends]))

    assert border_share(scene) > 0.6 and border_share(preset_scene(Preset.WALKERS)) < 0.5
    assert len(tracks(scene.gt)) >= 25
    bottom = scene.gt.boxes[:, 1] + scene.gt.boxes[:, 3]
    assert np.mean(bottom > c.height + 100) > 0.05  # near the camera, partly out of frame
    assert np.all(scene.gt.visibility[bottom > c.height + 100] < 1)
    det = scene.detections.boxes
    assert det[:, :2].min() >= 0 and np.all(det[:, 1] + det[:, 3] <= c.height)


def test_crowd_is_dense_and_people_hide_each_other() -> None:
    gt = preset_scene(Preset.CROWD).gt
    assert np.bincount(gt.frames)[1:].mean() >= 35
    assert np.mean(gt.visibility < 0.5) > 0.25


def test_cli_renders_a_preset_with_its_occluders(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "evaluation.synthetic", str(tmp_path / "seq")]
    command += ["--preset", "occlusions", "--frames", "3", "--video", str(tmp_path / "x.mp4")]
    subprocess.run(command, check=True, capture_output=True)
    assert "name=occlusions" in (tmp_path / "seq" / "seqinfo.ini").read_text()
    scene = generate_preset(0, Preset.OCCLUSIONS, 3)
    with av.open(str(tmp_path / "x.mp4")) as container:
        image = next(iter(container.decode(video=0))).to_ndarray(format="rgb24")
    for left, top, w, h in scene.occluders:
        centre = image[int(max(top, 0) + h / 2), int(left + w / 2)].astype(int)
        assert np.abs(centre - OCCLUDER_COLOR).max() < 12
