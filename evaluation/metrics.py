"""HOTA, CLEAR MOT and identity metrics through TrackEval, with MOT15 benchmark semantics.

TrackEval (PyPI ``trackeval``) computes the scores; this module only builds its per-sequence input
the way TrackEval's ``MotChallenge2DBox`` dataset does with ``BENCHMARK="MOT15"``:

* every ground-truth row whose consider flag (column 7) is not 0 is evaluated, whatever its class
  (MOT17/20 would keep only class 1 and drop predictions matching distractor classes; synthetic
  and single-class ground truth needs neither);
* similarity is box IoU (TrackEval's own ``_calculate_box_ious``), CLEAR and Identity match at 0.5;
* a sequence has ``num_frames`` time steps (its ``seqinfo.ini`` length, else the last frame in
  either file); frames without rows count as empty.

numpy 2: TrackEval 1.3.0, the release pinned here, no longer uses the aliases numpy 2 removed
(``np.float``, ``np.int``, ``np.bool``); older releases fail on numpy 2 with ``AttributeError``.
The reference numbers in ``tests/evaluation/test_metrics.py`` (TUD-Campus, from TrackEval on the
MOT15 benchmark) guard this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from trackeval.datasets import MotChallenge2DBox  # type: ignore[import-untyped]
from trackeval.metrics import CLEAR, HOTA, Identity  # type: ignore[import-untyped]

from evaluation.mot_io import IntArray, MotSequence

COMBINED = "COMBINED"
"""Key of the all-sequences row in :func:`evaluate_sequences`."""


@dataclass(frozen=True)
class Scores:
    """One sequence's (or all sequences') scores; percentages from 0 to 100 as TrackEval prints."""

    hota: float
    deta: float
    assa: float
    loca: float
    mota: float
    idf1: float
    id_switches: int
    false_positives: int
    false_negatives: int
    gt_ids: int
    pred_ids: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class SequencePair:
    """Ground truth and tracker output of one sequence; ``num_frames`` 0 means the last frame."""

    gt: MotSequence
    pred: MotSequence
    num_frames: int = 0


def evaluate(gt: MotSequence, pred: MotSequence, num_frames: int = 0) -> Scores:
    """Scores of one sequence."""
    return evaluate_sequences({"seq": SequencePair(gt, pred, num_frames)})["seq"]


def evaluate_sequences(pairs: Mapping[str, SequencePair]) -> dict[str, Scores]:
    """Scores per sequence and, under :data:`COMBINED`, over all of them (TrackEval's combine)."""
    metrics = _metrics()
    per_metric: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in metrics}
    for seq, pair in pairs.items():
        data = _sequence_data(pair)
        for name, metric in metrics.items():
            per_metric[name][seq] = metric.eval_sequence(data)
    results = {
        seq: _scores({name: per_metric[name][seq] for name in metrics}, _id_counts(pairs[seq]))
        for seq in pairs
    }
    if pairs:
        combined = {name: metrics[name].combine_sequences(per_metric[name]) for name in metrics}
        counts = tuple(sum(c) for c in zip(*(_id_counts(p) for p in pairs.values()), strict=True))
        results[COMBINED] = _scores(combined, (counts[0], counts[1]))
    return results


def _metrics() -> dict[str, Any]:
    config = {"THRESHOLD": 0.5, "PRINT_CONFIG": False}
    return {"hota": HOTA(), "clear": CLEAR(config), "identity": Identity(config)}


def _id_counts(pair: SequencePair) -> tuple[int, int]:
    gt = pair.gt.select(pair.gt.confidences != 0)
    return len(np.unique(gt.ids)), len(np.unique(pair.pred.ids))


def _scores(res: Mapping[str, Mapping[str, Any]], ids: tuple[int, int]) -> Scores:
    hota, clear, identity = res["hota"], res["clear"], res["identity"]
    return Scores(
        hota=100 * float(np.mean(hota["HOTA"])),
        deta=100 * float(np.mean(hota["DetA"])),
        assa=100 * float(np.mean(hota["AssA"])),
        loca=100 * float(np.mean(hota["LocA"])),
        mota=100 * float(clear["MOTA"]),
        idf1=100 * float(identity["IDF1"]),
        id_switches=int(clear["IDSW"]),
        false_positives=int(clear["CLR_FP"]),
        false_negatives=int(clear["CLR_FN"]),
        gt_ids=ids[0],
        pred_ids=ids[1],
    )


def _sequence_data(pair: SequencePair) -> dict[str, Any]:
    """TrackEval's preprocessed sequence data: ids relabelled 0..n-1, IoU per time step."""
    gt = pair.gt.select(pair.gt.confidences != 0)
    pred = pair.pred
    num_frames = pair.num_frames or max(gt.last_frame, pred.last_frame)
    if pred.last_frame > num_frames:
        raise ValueError(
            f"tracker output has frame {pred.last_frame}, after the sequence's {num_frames} frames"
        )
    gt_ids, gt_labels = _relabel(gt.ids)
    pred_ids, pred_labels = _relabel(pred.ids)
    data: dict[str, Any] = {"gt_ids": [], "tracker_ids": [], "similarity_scores": []}
    for frame in range(1, num_frames + 1):
        in_gt = gt.frames == frame
        in_pred = pred.frames == frame
        data["gt_ids"].append(gt_labels[in_gt])
        data["tracker_ids"].append(pred_labels[in_pred])
        data["similarity_scores"].append(
            MotChallenge2DBox._calculate_box_ious(gt.boxes[in_gt], pred.boxes[in_pred])
        )
    data.update(
        num_timesteps=num_frames,
        num_gt_ids=len(gt_ids),
        num_tracker_ids=len(pred_ids),
        num_gt_dets=len(gt),
        num_tracker_dets=len(pred),
    )
    return data


def _relabel(ids: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct ids, and each row's id as an index into them."""
    unique, labels = np.unique(ids, return_inverse=True)
    return unique, labels.astype(np.int64)
