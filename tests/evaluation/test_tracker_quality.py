"""The reduced tracker benchmark (``bench.tracker_quality --quick``) reproduces exactly."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from bench.library_trackers import DEFAULTS, LibraryTracker
from bench.tracker_quality import benchmark, main, parse_args
from bench.tracker_runs import BenchTracker, fast_movers, presets, run
from bench.tracker_tables import acceptance, markdown, paired, raw_table
from bench.tracker_tables import main as tables_main
from evaluation.synthetic import SceneConfig, generate

Report = dict[str, list[dict[str, object]]]

# (tracker, rate): HOTA, IDF1, ID switches, FP, FN, measured on seed 0, 150 frames, defaults.
EXPECTED = {
    ("bytetrack", 1): (75.3926, 88.8814, 4, 17, 229),
    ("bytetrack", 2): (73.4674, 87.3392, 11, 6, 127),
    ("bytetrack", 3): (73.1831, 88.1459, 10, 2, 81),
    ("bytetrack", 5): (70.1096, 85.4237, 10, 1, 51),
    ("botsort", 1): (77.3814, 91.2927, 5, 17, 229),
    ("botsort", 2): (72.0703, 85.3081, 10, 6, 127),
    ("botsort", 3): (73.3805, 88.1459, 10, 2, 81),
    ("botsort", 5): (70.4037, 85.4237, 10, 1, 51),
    ("trackers-bytetrack", 1): (71.3117, 87.9567, 6, 5, 247),
    ("trackers-bytetrack", 2): (70.2628, 87.0041, 5, 4, 140),
    ("trackers-bytetrack", 3): (71.8144, 88.9344, 7, 0, 90),
    ("trackers-bytetrack", 5): (70.9349, 87.7797, 2, 1, 60),
    ("trackers-ocsort", 1): (64.4225, 84.1763, 2, 0, 430),
    ("trackers-ocsort", 2): (62.3098, 81.2317, 1, 0, 234),
    ("trackers-ocsort", 3): (59.4871, 78.3784, 3, 0, 178),
    ("trackers-ocsort", 5): (58.5416, 75.5218, 2, 0, 113),
    ("trackcast", 1): (83.6298, 93.0362, 6, 80, 47),
    ("trackcast", 2): (82.1053, 93.4949, 3, 21, 51),
    ("trackcast", 3): (79.8793, 92.3077, 6, 18, 31),
    ("trackcast", 5): (77.2370, 90.8213, 5, 7, 26),
}


def _quick(tmp_path: Path, *extra: str) -> Report:
    return benchmark(
        parse_args(["--quick", "--jobs", "1", "--out", str(tmp_path / "q.json"), *extra])
    )


def _scores(report: Report) -> dict[tuple[str, int], tuple[float, ...]]:
    result: dict[tuple[str, int], tuple[float, ...]] = {}
    for row in report["results"]:
        runs, rate = row["runs"], row["rate"]
        assert isinstance(runs, list) and isinstance(rate, int)
        (run,) = runs
        key = (str(row["tracker"]), rate)
        result[key] = tuple(
            run[k] for k in ("hota", "idf1", "id_switches", "false_positives", "false_negatives")
        )
    return result


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _quick(tmp_path_factory.mktemp("first"))


def test_reduced_benchmark_repeats_exactly(first: Report, tmp_path: Path) -> None:
    assert _scores(_quick(tmp_path)) == _scores(first)


def test_reduced_benchmark_matches_stored_numbers(first: Report) -> None:
    scores = _scores(first)
    assert set(scores) == set(EXPECTED)
    for key, (hota, idf1, *counts) in EXPECTED.items():
        assert scores[key][0] == pytest.approx(hota, abs=1e-4), key
        assert scores[key][1] == pytest.approx(idf1, abs=1e-4), key
        assert list(scores[key][2:]) == counts, key


def test_rows_carry_every_column_and_the_library_settings(first: Report) -> None:
    for row in first["results"]:
        summary = row["summary"]
        assert isinstance(summary, dict)
        assert {"hota", "deta", "assa", "idf1", "id_switches", "fast_recall"} <= set(summary)
        assert row["preset"] == "walkers"
    (ocsort,) = [
        r for r in first["results"] if r["tracker"] == "trackers-ocsort" and r["rate"] == 5
    ]
    assert ocsort["options"] == DEFAULTS[LibraryTracker.OCSORT]


def test_markdown_table_has_a_row_per_tracker_and_rate(first: Report) -> None:
    rows = first["results"]
    table = markdown(rows, first["raw_recall"], 25.0)
    assert table.count("\n") == 1 + len(rows)
    assert "| walkers | 1/5 (5.0 fps) | bytetrack | default |" in table
    assert "| walkers | 1/5 (5.0 fps) | trackers-ocsort | default |" in table
    # walkers never move 1.5 heights per second: no fast movers, no fast-mover recall
    assert "| walkers | 1/5 (5.0 fps) | 0.0 | 0 | - | - |" in raw_table(first["raw_recall"], 25.0)


def test_paired_table_compares_trackcast_with_the_best_library_row(first: Report) -> None:
    (line,) = [
        row
        for row in paired(first["results"], first["raw_recall"]).splitlines()
        if row.startswith("| walkers | 1/5 |")
    ]
    # seed 0 at 5 fps: trackcast 77.2370 HOTA, trackers' ByteTrack 70.9349 (EXPECTED above)
    assert line.startswith(
        "| walkers | 1/5 | trackers-bytetrack default | +6.3 ± 0.0 | +6.6 ± 0.0 |"
    )
    assert line.endswith("| 1/1 | - | PASS |")


def test_acceptance_needs_three_hota_no_deta_loss_and_fast_recall() -> None:
    assert acceptance(3.0, 0.0, math.nan) == "PASS"
    assert acceptance(3.0, 0.0, 0.6) == "PASS"
    assert acceptance(2.9, -0.1, 0.5) == ("FAIL (ΔHOTA < 3, ΔDetA < 0, fast recall < 0.6 x raw)")


def test_fast_movers_are_recalled_by_trackers_and_detections() -> None:
    # walkers' steps per frame taken at 125 fps: five times their speed, most beyond 1.5 heights/s;
    # at rate 5 the trackers see 25 fps with five walker-frames of motion between frames
    walkers = generate(0, SceneConfig(frames=100))
    scene = replace(walkers, config=replace(walkers.config, fps=125.0))
    assert fast_movers(scene)
    for tracker in (BenchTracker.TRACKERS_BYTETRACK, BenchTracker.TRACKCAST):
        settings = DEFAULTS[LibraryTracker.BYTETRACK] if tracker.library else {}
        result = run(scene, tracker, settings, 5)
        assert 0.0 < result.fast_recall <= 1.0


def test_library_tuning_is_cached_and_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "tuning.json"
    extra = [
        "--rates",
        "5",
        "--frames",
        "60",
        "--seeds",
        "1",
        "--tune-seeds",
        "1",
        "--configs",
        "2",
    ]
    common = ["--jobs", "1", "--tuning-cache", str(cache), "--out", str(tmp_path / "r.json")]
    main([*extra, "--presets", "walkers", *common])
    stored = json.loads(cache.read_text())
    # four library rows are tuned once per preset and rate; trackcast is never cached
    assert sorted(entry["tracker"] for entry in stored.values()) == [
        "botsort",
        "bytetrack",
        "trackers-bytetrack",
        "trackers-ocsort",
    ]
    # a planted choice in the cache is what the next run reports as tuned
    key = next(k for k, v in stored.items() if v["tracker"] == "trackers-ocsort")
    planted = {**DEFAULTS[LibraryTracker.OCSORT], "minimum_iou_threshold": 0.123}
    stored[key]["best"] = planted
    cache.write_text(json.dumps(stored))
    main([*extra, "--presets", "walkers", *common])
    report = json.loads((tmp_path / "r.json").read_text())
    (tuned,) = [
        r
        for r in report["results"]
        if r["tracker"] == "trackers-ocsort" and r["settings"] == "tuned"
    ]
    assert tuned["options"] == planted
    capsys.readouterr()
    main([*extra, "--presets", "walkers", "--retune", *common])
    assert json.loads(cache.read_text())[key]["best"] != planted
    # the JSON report regenerates the printed tables
    printed = capsys.readouterr().out.split("\n\n1 held-out seeds")[0]
    assert printed.startswith("| preset | detection rate | tracker |")
    tables_main([str(tmp_path / "r.json")])
    assert capsys.readouterr().out == printed + "\n"


def test_worker_processes_give_the_same_numbers(first: Report, tmp_path: Path) -> None:
    parallel = _scores(_quick(tmp_path, "--rates", "5", "--jobs", "2"))
    assert parallel == {k: v for k, v in _scores(first).items() if k[1] == 5}


def test_every_preset_has_rows_and_the_raw_detections_recall(tmp_path: Path) -> None:
    every = presets()
    assert "walkers" in every
    report = _quick(tmp_path, "--rates", "5", "--frames", "100", "--presets", *every)
    assert len(report["results"]) == len(every) * len(BenchTracker)
    assert [row["preset"] for row in report["raw_recall"]] == list(every)
    for row in report["raw_recall"]:
        runs = row["runs"]
        assert isinstance(runs, list)
        for value in (runs[0]["recall_0.25"], runs[0]["recall_0.1"]):
            assert math.isnan(value) or 0.0 <= value <= 1.0
