from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation import MotFormatError, MotSequence, read_mot, write_mot
from evaluation.mot_io import parse_mot


def test_reads_ten_and_six_column_rows() -> None:
    sequence = parse_mot("1,3,10,20,30,40,0.9,1,0.5,-1\n\n2,3,11,21,30,40\n")
    assert list(sequence.frames) == [1, 2]
    assert list(sequence.ids) == [3, 3]
    np.testing.assert_array_equal(sequence.boxes[1], [11, 21, 30, 40])
    assert list(sequence.visibility) == [0.5, -1]
    assert sequence.last_frame == 2


def test_reads_whitespace_separated_rows() -> None:
    assert list(parse_mot("1 3 10 20 30 40 1\n").ids) == [3]


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    sequence = MotSequence.from_columns([[1, 7, 1.25, 2.5, 30, 40, 0.875, 1, 0.5]])
    write_mot(tmp_path / "sub" / "seq.txt", sequence)
    again = read_mot(tmp_path / "sub" / "seq.txt")
    np.testing.assert_array_equal(again.boxes, sequence.boxes)
    assert again.confidences[0] == 0.875


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,3\n", "expected at least 6"),
        ("1,2,a,4,5,6\n", "not a number"),
        ("0,2,3,4,5,6\n", "frame must be a whole number from 1"),
        ("1.5,2,3,4,5,6\n", "frame must be a whole number"),
        ("1,2,3,4,-5,6\n", "must not be negative"),
        ("1,2,3,4,nan,6\n", "finite"),
        ("1,2,3,4,5,6\n1,2,3,4,5,6\n", "id 2 appears twice in frame 1"),
    ],
)
def test_malformed_rows_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(MotFormatError, match=message) as error:
        parse_mot(text, "gt.txt")
    assert str(error.value).startswith("gt.txt:")


def test_detection_files_may_repeat_id_minus_one() -> None:
    assert len(parse_mot("1,-1,3,4,5,6\n1,-1,7,8,5,6\n")) == 2


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(MotFormatError, match="no such file"):
        read_mot(tmp_path / "absent.txt")
