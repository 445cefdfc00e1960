"""The reduced stride benchmark (``bench.stride_quality --quick``): what it writes and shows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.stride_quality import main, markdown

Row = dict[str, Any]

# trackcast's HOTA on the analysed frames, seed 0, 150 frames: test_tracker_quality's EXPECTED
ANALYSED_HOTA = {1: 83.6298, 2: 82.1053, 3: 79.8793, 5: 77.2370}


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    out = tmp_path_factory.mktemp("stride") / "stride_quality.json"
    main(["--quick", "--out", str(out)])
    results: list[Row] = json.loads(out.read_text())["results"]
    return results


def _run(rows: list[Row], rate: int, fill: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["rate"] == rate and r["in_between"] == fill]
    (run,) = row["runs"]
    assert isinstance(run, dict)
    return run


def test_a_row_for_every_frame_and_two_per_reduced_rate(rows: list[Row]) -> None:
    assert [(r["rate"], r["in_between"]) for r in rows] == [
        (1, "detected"),
        *((rate, fill) for rate in (2, 3, 5) for fill in ("predict", "hold")),
    ]


@pytest.mark.parametrize("rate", [2, 3, 5])
def test_predicted_boxes_score_better_than_held_ones(rows: list[Row], rate: int) -> None:
    assert _run(rows, rate, "predict")["hota"] > _run(rows, rate, "hold")["hota"]


@pytest.mark.parametrize("rate", [1, 2, 3, 5])
def test_analysed_frames_score_as_in_the_tracker_benchmark(rows: list[Row], rate: int) -> None:
    """Predictions in between change nothing on the analysed frames, which score as there."""
    fills = ["detected"] if rate == 1 else ["predict", "hold"]
    for fill in fills:
        assert _run(rows, rate, fill)["analysed"]["hota"] == pytest.approx(
            ANALYSED_HOTA[rate], abs=1e-3
        )


def test_markdown_table_has_a_row_per_result(rows: list[Row]) -> None:
    table = markdown(rows, 25.0)
    assert table.count("\n") == 1 + len(rows)
    assert "| 1/1 (25.0 fps) | detected | 83.6 ± 0.0 |" in table
    assert "| 1/5 (5.0 fps) | predict |" in table
