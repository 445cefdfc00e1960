from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from stream import NotAVideoError, SourceNotFoundError, SourceOpenError, VideoSource
from tests.media import SQUARE, square_position


def test_decodes_every_frame_with_index_pts_and_pixels(square_clip: Path) -> None:
    with VideoSource(str(square_clip), source_id="cam") as source:
        assert (source.info.width, source.info.height, source.info.fps) == (320, 240, 10.0)
        frames = list(source.frames())
    assert [f.index for f in frames] == list(range(20))
    assert [f.pts for f in frames] == pytest.approx([i / 10 for i in range(20)])
    assert {f.source_id for f in frames} == {"cam"}
    x, y = square_position(7)
    centre = frames[7].image[y + SQUARE // 2, x + SQUARE // 2]
    assert centre.min() > 200 and frames[7].image[5, 5].max() < 30
    assert source.stats.decoded == 20 and source.stats.skipped == 0


def test_vtest_announces_and_decodes_795_frames(vtest: Path) -> None:
    with VideoSource(str(vtest)) as source:
        assert source.info.frame_count == 795
        assert (source.info.width, source.info.height) == (768, 576)
        assert sum(1 for _ in source.frames()) == 795
    assert source.stats.skipped == 0


def test_truncated_file_yields_frames_before_the_cut_and_counts_the_rest(
    vtest: Path, tmp_path: Path
) -> None:
    half = tmp_path / "half.avi"
    data = vtest.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    with VideoSource(str(half)) as source:
        decoded = sum(1 for _ in source.frames())
    assert 300 < decoded < 500
    assert source.stats.skipped == 795 - decoded


def test_corrupt_bytes_in_the_middle_cost_frames_not_the_file(
    square_clip: Path, tmp_path: Path
) -> None:
    data = bytearray(square_clip.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 400] = bytes(400)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with VideoSource(str(damaged)) as source:
        frames = list(source.frames())
    assert 10 <= len(frames) < 20
    assert [f.index for f in frames] == list(range(len(frames)))
    assert source.stats.corrupt_packets >= 1
    assert len(frames) + source.stats.skipped == 20


def test_stopping_early_reports_no_skipped_frames(vtest: Path) -> None:
    with VideoSource(str(vtest)) as source:
        for frame in source.frames():
            if frame.index == 9:
                break
    assert source.stats.decoded == 10 and source.stats.skipped == 0


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match="no such file"):
        VideoSource(str(tmp_path / "nope.mp4"))


def test_text_file_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("these are not frames\n" * 100)
    with pytest.raises(NotAVideoError, match="not a video"):
        VideoSource(str(text))


def test_directory_is_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(NotAVideoError, match="directory"):
        VideoSource(str(tmp_path))


def test_refused_connection_names_the_url_without_password() -> None:
    with pytest.raises(SourceOpenError) as caught:
        VideoSource("rtsp://admin:hunter2@127.0.0.1:9/stream", open_timeout_s=2, read_timeout_s=2)
    message = str(caught.value)
    assert "hunter2" not in message and "admin:***@127.0.0.1:9" in message


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
def test_a_host_that_never_answers_cannot_be_connected_to(scheme: str) -> None:
    """A camera hung at connect is retried like a refused one (not failed as 'not a video')."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"{scheme}://127.0.0.1:{silent.getsockname()[1]}/stream"
        with pytest.raises(SourceOpenError) as caught:
            VideoSource(url, open_timeout_s=1, read_timeout_s=1)
    assert str(caught.value) in (f"cannot connect to {url}", f"cannot connect to {url}: timed out")


def test_frames_are_contiguous_bgr_uint8(square_clip: Path) -> None:
    with VideoSource(str(square_clip)) as source:
        frame = next(source.frames())
    assert frame.image.dtype == np.uint8 and frame.image.shape == (240, 320, 3)
