"""Parity with TrackEval on real data, and hand-built edge cases."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from evaluation import COMBINED, MotSequence, SequencePair, evaluate, evaluate_sequences, read_mot


def _tud_campus() -> Path:
    spec = importlib.util.find_spec("motmetrics")
    if spec is None or spec.origin is None:
        pytest.skip("motmetrics (dev dependency) ships the TUD-Campus reference files")
    return Path(spec.origin).parent / "data" / "TUD-Campus"


def test_tud_campus_matches_trackeval_mot15() -> None:
    """TrackEval's MOT15 benchmark run on motmetrics' TUD-Campus gt and tracker output."""
    folder = _tud_campus()
    scores = evaluate(read_mot(folder / "gt.txt"), read_mot(folder / "test.txt"))
    assert scores.mota == pytest.approx(52.65, abs=0.1)
    assert scores.idf1 == pytest.approx(55.77, abs=0.1)
    assert scores.hota == pytest.approx(39.14, abs=0.1)
    assert (scores.id_switches, scores.false_positives, scores.false_negatives) == (7, 13, 150)


def _boxes(rows: list[list[float]]) -> MotSequence:
    return MotSequence.from_columns(rows)


GT = _boxes([[f, 1, 0, 0, 10, 20, 1] for f in range(1, 5)])


def test_perfect_tracking_scores_100() -> None:
    scores = evaluate(GT, GT)
    assert (scores.hota, scores.mota, scores.idf1) == (100.0, 100.0, 100.0)
    assert scores.id_switches == scores.false_positives == scores.false_negatives == 0


def test_one_id_switch_halfway() -> None:
    pred = _boxes([[f, 1 if f <= 2 else 2, 0, 0, 10, 20] for f in range(1, 5)])
    scores = evaluate(GT, pred)
    assert scores.id_switches == 1
    assert scores.mota == 75.0
    assert scores.idf1 == 50.0


def test_empty_prediction_misses_everything() -> None:
    scores = evaluate(GT, MotSequence.empty())
    assert (scores.false_negatives, scores.mota, scores.hota) == (4, 0.0, 0.0)


def test_ignored_gt_rows_are_not_evaluated() -> None:
    gt = _boxes([[1, 1, 0, 0, 10, 20, 1], [1, 2, 50, 0, 10, 20, 0]])
    assert evaluate(gt, _boxes([[1, 1, 0, 0, 10, 20]])).false_negatives == 0


def test_prediction_after_the_sequence_is_an_error() -> None:
    with pytest.raises(ValueError, match="after the sequence's 4 frames"):
        evaluate(GT, _boxes([[9, 1, 0, 0, 10, 20]]), num_frames=4)


def test_combined_pools_sequences() -> None:
    miss = SequencePair(GT, MotSequence.empty())
    results = evaluate_sequences({"a": SequencePair(GT, GT), "b": miss})
    assert results[COMBINED].false_negatives == 4
    assert results[COMBINED].mota == 50.0
    assert results[COMBINED].gt_ids == 2
