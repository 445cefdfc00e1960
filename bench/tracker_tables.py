"""Markdown tables of the tracker benchmark, from its JSON rows (so they can be regenerated).

A row is a dict with ``preset``, ``rate``, ``tracker``, ``settings`` (default or tuned),
``options``, ``summary`` (mean and standard deviation per column) and ``runs`` (per held-out seed:
the scores, ``ms_per_frame`` and ``fast_recall``). A raw row has ``preset``, ``rate`` and ``runs``
(per seed: ``fast_ids``, ``fast_boxes``, ``recall_0.25``, ``recall_0.1``).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path

Row = dict[str, object]
OURS = "trackcast"
ACCEPT_HOTA = 3.0
"""trackcast's defaults must lead the best library row by this many HOTA points..."""
ACCEPT_DETA = 0.0
"""...and never trail it in DetA..."""
ACCEPT_FAST = 0.6
"""...and keep this share of the raw detections' fast-mover recall at 5 fps (rate 5)."""
ACCEPT_FAST_RATE = 5
RAW_KEY = "recall_0.25"
"""Tracks start at confidence 0.25 (trackcast's ``new_track_thresh``): the ratio's reference."""


COLUMNS = ("hota", "deta", "assa", "idf1", "mota", "id_switches", "ms_per_frame", "fast_recall")


def runs(row: Row) -> list[dict[str, float]]:
    value = row["runs"]
    assert isinstance(value, list)
    return value


def mean(values: Sequence[float]) -> float:
    """Mean of the values that are not NaN (NaN when none is)."""
    kept = [v for v in values if not math.isnan(v)]
    return statistics.fmean(kept) if kept else math.nan


def spread(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return statistics.stdev(kept) if len(kept) > 1 else 0.0


def summarize(per_seed: Sequence[dict[str, float]]) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation over seeds of every reported column the records have."""
    keys = [k for k in COLUMNS if all(k in r for r in per_seed)]
    return {
        k: (mean([float(r[k]) for r in per_seed]), spread([r[k] for r in per_seed])) for k in keys
    }


def _groups(rows: Sequence[Row]) -> list[tuple[str, int]]:
    return list(dict.fromkeys((str(r["preset"]), int(str(r["rate"]))) for r in rows))


def raw_fast_recall(raw: Sequence[Row], preset: str, rate: int, key: str = RAW_KEY) -> float:
    found = [r for r in raw if r["preset"] == preset and r["rate"] == rate]
    return mean([s[key] for s in runs(found[0])]) if found else math.nan


def _number(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def markdown(rows: Sequence[Row], raw: Sequence[Row], fps: float) -> str:
    """Each row: mean ± standard deviation over held-out seeds; fast recall, its share of raw."""
    lines = [
        "| preset | detection rate | tracker | settings | HOTA | DetA | AssA | IDF1 | ID switches "
        "| fast recall (x raw) | ms/frame |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        s = row["summary"]
        assert isinstance(s, dict)
        preset, rate = str(row["preset"]), int(str(row["rate"]))
        cells = [
            f"{s[k][0]:.1f} ± {s[k][1]:.1f}"
            for k in ("hota", "deta", "assa", "idf1", "id_switches")
        ]
        fast = s["fast_recall"][0]
        cells.append(
            f"{_number(fast, 2)} ({_number(fast / raw_fast_recall(raw, preset, rate), 2)})"
        )
        cells.append(f"{s['ms_per_frame'][0]:.2f}")
        lines.append(
            f"| {preset} | 1/{rate} ({fps / rate:.1f} fps) | {row['tracker']} "
            + f"| {row['settings']} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def raw_table(raw: Sequence[Row], fps: float) -> str:
    """The detections' own fast-mover recall, the reference for the trackers' column."""
    lines = [
        "| preset | detection rate | fast movers | their boxes "
        "| raw recall ≥ 0.25 | raw recall ≥ 0.1 |",
        "|---|---|---|---|---|---|",
    ]
    for row in raw:
        rate, per_seed = int(str(row["rate"])), runs(row)
        cells = [
            _number(mean([r["fast_ids"] for r in per_seed])),
            _number(mean([r["fast_boxes"] for r in per_seed]), 0),
            _number(mean([r["recall_0.25"] for r in per_seed]), 2),
            _number(mean([r["recall_0.1"] for r in per_seed]), 2),
        ]
        lines.append(
            f"| {row['preset']} | 1/{rate} ({fps / rate:.1f} fps) | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def best_library(rows: Sequence[Row]) -> Row | None:
    """The library row (any library, default or tuned) with the highest mean held-out HOTA."""
    libraries = [r for r in rows if r["tracker"] != OURS]
    return max(libraries, key=lambda r: mean([s["hota"] for s in runs(r)])) if libraries else None


def _deltas(mine: Row, best: Row, key: str) -> list[float]:
    return [a[key] - b[key] for a, b in zip(runs(mine), runs(best), strict=True)]


def paired(rows: Sequence[Row], raw: Sequence[Row]) -> str:
    """trackcast's defaults minus the best library row per preset and rate, seed by seed.

    Choosing the best library row on the held-out seeds favours the libraries. Differences are
    taken per seed (same detections), so scene-to-scene spread cancels out. The last column is the
    acceptance: ΔHOTA >= 3 and ΔDetA >= 0, and at 5 fps fast-mover recall >= 0.6 x raw.
    """
    lines = [
        "| preset | detection rate | best library setting | ΔHOTA | ΔDetA | ΔAssA | ΔIDF1 "
        "| ΔID switches | seeds better | fast recall / raw | acceptance |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for preset, rate in _groups(rows):
        group = [r for r in rows if r["preset"] == preset and r["rate"] == rate]
        mine = [r for r in group if r["tracker"] == OURS and r["settings"] == "default"]
        best = best_library(group)
        if not mine or best is None:
            continue
        cells = []
        for key in ("hota", "deta", "assa", "idf1", "id_switches"):
            deltas = _deltas(mine[0], best, key)
            cells.append(f"{statistics.fmean(deltas):+.1f} ± {spread(deltas):.1f}")
        better = sum(d > 0 for d in _deltas(mine[0], best, "hota"))
        ratio = mean([s["fast_recall"] for s in runs(mine[0])]) / raw_fast_recall(raw, preset, rate)
        verdict = acceptance(
            statistics.fmean(_deltas(mine[0], best, "hota")),
            statistics.fmean(_deltas(mine[0], best, "deta")),
            ratio if rate == ACCEPT_FAST_RATE else math.nan,
        )
        lines.append(
            f"| {preset} | 1/{rate} | {best['tracker']} {best['settings']} | "
            + " | ".join(cells)
            + f" | {better}/{len(runs(mine[0]))} | {_number(ratio, 2)} | {verdict} |"
        )
    return "\n".join(lines)


def acceptance(delta_hota: float, delta_deta: float, fast_ratio: float) -> str:
    """PASS or FAIL with the failed conditions; a NaN ``fast_ratio`` (no fast movers) is no test."""
    failed = []
    if delta_hota < ACCEPT_HOTA:
        failed.append(f"ΔHOTA < {ACCEPT_HOTA:g}")
    if delta_deta < ACCEPT_DETA:
        failed.append(f"ΔDetA < {ACCEPT_DETA:g}")
    if not math.isnan(fast_ratio) and fast_ratio < ACCEPT_FAST:
        failed.append(f"fast recall < {ACCEPT_FAST:g} x raw")
    return "PASS" if not failed else "FAIL (" + ", ".join(failed) + ")"


def tables(report: dict[str, object]) -> str:
    """All three tables of a ``bench.tracker_quality`` JSON report."""
    rows, raw, fps = report["results"], report["raw_recall"], report.get("fps", 25.0)
    assert isinstance(rows, list) and isinstance(raw, list) and isinstance(fps, float | int)
    return "\n".join(
        [
            markdown(rows, raw, fps),
            "\nRaw detections' recall of fast movers (the reference for the trackers' column):\n",
            raw_table(raw, fps),
            "\ntrackcast (defaults) minus the best library setting, paired by seed:\n",
            paired(rows, raw),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Tables of a bench.tracker_quality JSON report.")
    parser.add_argument("report", type=Path)
    args = parser.parse_args(argv)
    print(tables(json.loads(args.report.read_text())))


if __name__ == "__main__":
    main()
