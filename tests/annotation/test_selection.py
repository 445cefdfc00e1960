"""Frame selection on synthetic signatures and images: interval, events, scene change,
near-duplicates, review."""

from __future__ import annotations

import numpy as np
import pytest

from annotation.selection import (
    FrameSelector,
    ReviewReason,
    SampleReason,
    SelectionOptions,
    Signature,
    difference,
    signature,
)
from annotation.tracks import TrackBox, TrackRecord

FPS = 10


def flat(level: float) -> Signature:
    return np.full((36, 64), level, dtype=np.float32)


def kept(selector: FrameSelector, frames: list[Signature]) -> list[int]:
    return [i for i, f in enumerate(frames) if selector.sample(i / FPS, f) is not None]


def test_signature_difference_is_in_grey_levels_and_ignores_resolution() -> None:
    dark = np.full((480, 640, 3), 100, dtype=np.uint8)
    light = np.full((480, 640, 3), 110, dtype=np.uint8)
    assert signature(dark).shape == (48, 64)
    assert difference(signature(dark), signature(light)) == pytest.approx(10)


def test_every_n_seconds_keeps_one_frame_per_interval() -> None:
    frames = [flat(5 * i) for i in range(50)]  # every frame differs: no duplicates
    selector = FrameSelector(SelectionOptions(every_s=2.0))
    assert kept(selector, frames) == [0, 20, 40]


def test_near_duplicates_are_skipped_until_the_scene_differs() -> None:
    frames = [flat(0)] * 30 + [flat(0.5)] * 10 + [flat(3)] * 10
    selector = FrameSelector(SelectionOptions(every_s=1.0, duplicate_below=1.0))
    # frame 10 and 30 are due but look like frame 0; frame 40 differs by 3 levels
    assert kept(selector, frames) == [0, 40]
    assert selector.duplicates == 30  # each due frame from 10 to 39 was a duplicate


def test_scene_change_keeps_the_first_frame_and_each_change() -> None:
    frames = [flat(10)] * 10 + [flat(12)] * 10 + [flat(30)] * 10 + [flat(31)] * 10
    selector = FrameSelector(SelectionOptions(every_s=None, scene_change=8.0))
    assert kept(selector, frames) == [0, 20]
    assert selector.sample(4.0, flat(60)) is SampleReason.SCENE_CHANGE


def test_events_keep_the_frame_nearest_each_event() -> None:
    """An event stamped a little after its frame (the decoding time) keeps that frame, not the
    next one; two events nearest one frame keep it once."""
    frames = [flat(5 * i) for i in range(40)]
    options = SelectionOptions(every_s=None, event_times=(-1.0, 0.53, 0.54, 0.56, 3.04, 99.0))
    selector = FrameSelector(options)
    reasons = [selector.sample(i / FPS, f) for i, f in enumerate(frames)]
    assert [i for i, r in enumerate(reasons) if r is not None] == [0, 5, 6, 30]
    assert {r for r in reasons if r is not None} == {SampleReason.EVENT}


def test_options_reject_impossible_thresholds() -> None:
    with pytest.raises(ValueError, match="interval"):
        SelectionOptions(every_s=0)
    with pytest.raises(ValueError, match="review confidence"):
        SelectionOptions(review_confidence=1.5)


def record(frame: int, *tracks: tuple[int, float]) -> TrackRecord:
    boxes = tuple(TrackBox(tid, 0, "person", conf, (0, 0, 10, 10)) for tid, conf in tracks)
    return TrackRecord(frame, frame / FPS, 64, 36, True, boxes)


def test_review_flags_new_tracks_and_each_tracks_first_low_confidence() -> None:
    selector = FrameSelector(SelectionOptions(review_confidence=0.5, review_new_tracks=True))
    frames = [
        record(0, (1, 0.9)),
        record(1, (1, 0.9)),
        record(2, (1, 0.4)),
        record(3, (1, 0.3)),  # still uncertain: already flagged
        record(4, (1, 0.9), (2, 0.8)),
        record(5, (1, 0.9), (2, 0.2)),
    ]
    reviews = [selector.review(r, flat(0)) for r in frames]
    assert reviews == [
        (ReviewReason.NEW_TRACK,),
        (),
        (ReviewReason.LOW_CONFIDENCE,),
        (),
        (ReviewReason.NEW_TRACK,),
        (ReviewReason.LOW_CONFIDENCE,),
    ]
