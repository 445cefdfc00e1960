"""Thumbnails: crops with a margin, bounded size, safe paths, failures that cost nothing else."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from events import Event, Evidence
from storage import ThumbnailStore

FRAME = np.zeros((720, 1280, 3), dtype=np.uint8)
EVENT = Event(type="track.started", camera_id="gate", time=86_400.0 * 365)


def _read(store: ThumbnailStore, relative: str) -> np.ndarray:
    image = cv2.imread(str(store.path(relative)))
    assert image is not None
    return image


def test_a_crop_around_the_box_with_a_margin(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    relative = store.save(EVENT, Evidence(FRAME, (100, 200, 200, 400)))
    assert relative == f"gate/1971-01-01/{EVENT.id}.jpg"
    assert _read(store, relative).shape[:2] == (261, 131)  # 200x100 box plus 15 % a side


def test_margins_stop_at_the_frame_and_big_crops_shrink(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    corner = store.save(EVENT, Evidence(FRAME, (0, 0, 50, 50)))
    assert corner is not None and _read(store, corner).shape[:2] == (58, 58)
    whole = store.save(Event(type="t", camera_id="gate", time=0), Evidence(FRAME, None))
    assert whole is not None and _read(store, whole).shape[:2] == (180, 320)


def test_a_write_failure_returns_none_and_is_counted(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = ThumbnailStore(blocker)  # every write fails: its root is a file
    assert store.save(EVENT, Evidence(FRAME, (1, 1, 20, 20))) is None
    assert store.failed == 1 and store.written == 0


def test_delete(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    relative = store.save(EVENT, Evidence(FRAME, None))
    assert relative is not None and store.path(relative).is_file()
    store.delete(relative)
    assert not store.path(relative).exists()


def test_a_full_disk_costs_only_the_thumbnail(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    directory = tmp_path / "gate" / "1971-01-01"
    directory.mkdir(parents=True)
    (directory / f".{EVENT.id}.jpg.part").symlink_to("/dev/full")  # every write: ENOSPC
    assert store.save(EVENT, Evidence(FRAME, (1, 1, 20, 20))) is None
    assert store.failed == 1
    assert list(directory.iterdir()) == []  # nothing half-written is left behind


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    relative = store.save(EVENT, Evidence(FRAME, (10, 10, 50, 50)))
    assert relative is not None
    assert [p.name for p in store.path(relative).parent.iterdir()] == [f"{EVENT.id}.jpg"]
    assert store.written == 1


@pytest.mark.parametrize("camera_id", ["../outside", "/etc", "a/../../outside"])
def test_an_event_cannot_write_outside_the_directory(tmp_path: Path, camera_id: str) -> None:
    store = ThumbnailStore(tmp_path / "thumbs")
    event = Event(type="track.started", camera_id=camera_id, time=0.0)
    assert store.save(event, Evidence(FRAME, None)) is None
    assert store.failed == 1
    assert list(tmp_path.rglob("*.jpg")) == []


@pytest.mark.parametrize("relative", ["", ".", "../secret.jpg", "/etc/passwd", "gate/../../x.jpg"])
def test_only_paths_inside_the_directory_resolve(tmp_path: Path, relative: str) -> None:
    with pytest.raises(ValueError, match="leaves"):
        ThumbnailStore(tmp_path).path(relative)


def test_unusable_boxes_give_the_whole_frame(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    for box in [(math.nan, 0, 10, 10), (2000, 2000, 2100, 2100), (50, 50, 40, 40)]:
        relative = store.save(Event(type="t", camera_id="gate", time=0), Evidence(FRAME, box))
        assert relative is not None and _read(store, relative).shape[:2] == (180, 320)


def test_an_empty_frame_is_counted_not_raised(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    empty = np.zeros((0, 0, 3), dtype=np.uint8)
    assert store.save(EVENT, Evidence(empty, (0, 0, 1, 1))) is None
    assert store.failed == 1


def test_small_crops_keep_their_size_and_gray_frames_work(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    gray = np.full((100, 200), 128, dtype=np.uint8)
    relative = store.save(EVENT, Evidence(gray, None))
    assert relative is not None and _read(store, relative).shape[:2] == (100, 200)


def test_the_date_directory_is_the_utc_day(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path)
    late = Event(type="t", camera_id="gate", time=86_400.0 * 365 - 0.5)  # 1970-12-31T23:59:59.5Z
    assert store.save(late, Evidence(FRAME, None)) == f"gate/1970-12-31/{late.id}.jpg"
