"""The reduced tracker benchmark (``bench.tracker_quality --quick``) reproduces exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.tracker_quality import benchmark, markdown, paired, parse_args

# (tracker, rate): HOTA, IDF1, ID switches, FP, FN, measured on seed 0, 150 frames, defaults.
EXPECTED = {
    ("bytetrack", 1): (75.3926, 88.8814, 4, 17, 229),
    ("botsort", 1): (77.3814, 91.2927, 5, 17, 229),
    ("bytetrack", 2): (73.4674, 87.3392, 11, 6, 127),
    ("botsort", 2): (72.0703, 85.3081, 10, 6, 127),
    ("bytetrack", 3): (73.1831, 88.1459, 10, 2, 81),
    ("botsort", 3): (73.3805, 88.1459, 10, 2, 81),
    ("bytetrack", 5): (70.1096, 85.4237, 10, 1, 51),
    ("botsort", 5): (70.4037, 85.4237, 10, 1, 51),
    ("trackcast", 1): (74.9500, 88.6432, 5, 16, 229),
    ("trackcast", 2): (73.0595, 88.4980, 9, 5, 125),
    ("trackcast", 3): (73.1804, 89.0688, 9, 2, 80),
    ("trackcast", 5): (73.3907, 89.7479, 4, 2, 47),
}


def _scores(tmp_path: Path) -> dict[tuple[str, int], tuple[float, ...]]:
    rows = benchmark(parse_args(["--quick", "--out", str(tmp_path / "q.json")]))
    result: dict[tuple[str, int], tuple[float, ...]] = {}
    for row in rows:
        runs, rate = row["runs"], row["rate"]
        assert isinstance(runs, list) and isinstance(rate, int)
        (run,) = runs
        key = (str(row["tracker"]), rate)
        result[key] = tuple(
            run[k] for k in ("hota", "idf1", "id_switches", "false_positives", "false_negatives")
        )
    return result


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], tuple[float, ...]]:
    return _scores(tmp_path_factory.mktemp("first"))


def test_reduced_benchmark_repeats_exactly(
    first: dict[tuple[str, int], tuple[float, ...]], tmp_path: Path
) -> None:
    assert _scores(tmp_path) == first


def test_reduced_benchmark_matches_stored_numbers(
    first: dict[tuple[str, int], tuple[float, ...]],
) -> None:
    assert set(first) == set(EXPECTED)
    for key, (hota, idf1, *counts) in EXPECTED.items():
        assert first[key][0] == pytest.approx(hota, abs=1e-4), key
        assert first[key][1] == pytest.approx(idf1, abs=1e-4), key
        assert list(first[key][2:]) == counts, key


def test_markdown_table_has_a_row_per_tracker_and_rate(tmp_path: Path) -> None:
    rows = benchmark(parse_args(["--quick", "--rates", "5", "--out", str(tmp_path / "q.json")]))
    table = markdown(rows, 25.0)
    assert table.count("\n") == 1 + len(rows)
    assert "| 1/5 (5.0 fps) | bytetrack | default |" in table


def test_paired_table_compares_trackcast_with_the_best_library_row(tmp_path: Path) -> None:
    rows = benchmark(parse_args(["--quick", "--rates", "5", "--out", str(tmp_path / "q.json")]))
    (line,) = [row for row in paired(rows).splitlines() if row.startswith("| 1/5")]
    # seed 0 at 5 fps: trackcast 73.3907 HOTA, botsort 70.4037, bytetrack 70.1096 (EXPECTED above)
    assert line == "| 1/5 | botsort default | +3.0 ± 0.0 | +4.3 ± 0.0 | -6.0 ± 0.0 | 1/1 |"
