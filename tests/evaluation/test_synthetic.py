from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from evaluation import read_mot
from evaluation.synthetic import NoiseConfig, SceneConfig, generate, render

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
