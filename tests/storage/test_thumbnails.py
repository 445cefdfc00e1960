"""Thumbnails: crops with a margin, bounded size, safe paths, failures that cost nothing else."""

from __future__ import annotations

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


def test_paths_cannot_leave_the_directory(tmp_path: Path) -> None:
    store = ThumbnailStore(tmp_path / "thumbs")
    with pytest.raises(ValueError, match="leaves"):
        store.path("../secret.jpg")


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
