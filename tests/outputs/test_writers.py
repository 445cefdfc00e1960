from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
import supervision as sv

from outputs import AnnotatedVideoWriter, FrameResult, JsonlWriter, MotWriter, OutputError


def _result(index: int, *, analysed: bool = True, width: int = 64, height: int = 48) -> FrameResult:
    tracks = sv.Detections(
        xyxy=np.array([[1.234, 2.0, 11.5, 22.25], [30.0, 10.0, 40.0, 30.0]], dtype=np.float32),
        confidence=np.array([0.9, 0.55], dtype=np.float32),
        class_id=np.array([0, 2]),
        tracker_id=np.array([7, 9]),
        data={"class_name": np.array(["person", "car"]), "posture": np.array(["fall", ""])},
    )
    image = np.full((height, width, 3), 40, dtype=np.uint8)
    return FrameResult(index=index, pts=index / 10, image=image, tracks=tracks, analysed=analysed)


def test_mot_lines_are_one_based_with_width_and_height(tmp_path: Path) -> None:
    writer = MotWriter(tmp_path / "mot.txt")
    writer.write(_result(0))
    writer.write(_result(1, analysed=False))
    writer.close()
    lines = (tmp_path / "mot.txt").read_text().splitlines()
    assert lines == [  # a frame between detections has its predicted boxes too
        "1,7,1.23,2.00,10.27,20.25,0.9000,-1,-1,-1",
        "1,9,30.00,10.00,10.00,20.00,0.5500,-1,-1,-1",
        "2,7,1.23,2.00,10.27,20.25,0.9000,-1,-1,-1",
        "2,9,30.00,10.00,10.00,20.00,0.5500,-1,-1,-1",
    ]


def test_jsonl_has_one_record_per_frame_saying_if_it_was_analysed(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path / "tracks.jsonl")
    for index in range(3):
        writer.write(_result(index, analysed=index != 1))
    writer.close()
    records = [json.loads(line) for line in (tmp_path / "tracks.jsonl").read_text().splitlines()]
    assert [r["frame"] for r in records] == [0, 1, 2]
    assert [r["analysed"] for r in records] == [True, False, True]
    assert records[2]["pts"] == pytest.approx(0.2)
    assert (records[0]["width"], records[0]["height"]) == (64, 48)
    first = records[0]["tracks"][0]
    assert first == {
        "track_id": 7,
        "class_id": 0,
        "class_name": "person",
        "confidence": 0.9,
        "box": [1.23, 2.0, 11.5, 22.25],
        "attributes": {"posture": "fall"},
    }


def test_video_has_one_frame_per_input_frame_and_even_size(tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    writer = AnnotatedVideoWriter(path, width=65, height=49, fps=10)
    for index in range(12):
        writer.write(_result(index, width=65, height=49, analysed=index % 2 == 0))
    writer.close()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 64, 48)
        frames = list(container.decode(stream))
    assert len(frames) == 12
    drawn = frames[5].to_ndarray(format="bgr24")
    assert np.abs(drawn.astype(int) - 40).max() > 60  # boxes and labels changed the grey frame


@pytest.mark.parametrize("writer", [MotWriter, JsonlWriter])
def test_unwritable_path_is_an_output_error(tmp_path: Path, writer: type[MotWriter]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        writer(blocker / "out.txt")


def test_video_into_a_directory_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot write"):
        AnnotatedVideoWriter(tmp_path, width=64, height=48, fps=10)
