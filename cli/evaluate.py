"""``trackcast eval``: score tracker output against MOTChallenge ground truth (TrackEval metrics).

One pair: ``--gt gt.txt --pred pred.txt``. Whole benchmarks: ``--gt-dir DIR --pred-dir DIR`` in
MOTChallenge layout, ground truth in ``DIR/<seq>/gt/gt.txt`` (with an optional
``DIR/<seq>/seqinfo.ini`` giving ``seqLength``) and tracker output in ``DIR/<seq>.txt`` (TrackEval's
``trackers/mot_challenge/<benchmark>/<tracker>/data`` folder). Every ground-truth sequence needs a
tracker file; extra tracker files are ignored.
"""

from __future__ import annotations

import argparse
import configparser
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evaluation import Scores, SequencePair

EXAMPLES = """examples:
  trackcast eval --gt data/MOT17-02/gt/gt.txt --pred out/MOT17-02.txt
  trackcast eval --gt-dir data/MOT17/train --pred-dir out/mot17 --json out/scores.json
"""

COLUMNS = (
    ("HOTA", "hota"),
    ("DetA", "deta"),
    ("AssA", "assa"),
    ("LocA", "loca"),
    ("MOTA", "mota"),
    ("IDF1", "idf1"),
    ("IDSW", "id_switches"),
    ("FP", "false_positives"),
    ("FN", "false_negatives"),
)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "eval",
        help="score MOTChallenge tracker output against ground truth",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--gt", type=Path, help="ground-truth MOT file of one sequence")
    parser.add_argument("--pred", type=Path, help="tracker MOT file of the same sequence")
    parser.add_argument("--gt-dir", type=Path, help="folder of <seq>/gt/gt.txt sequences")
    parser.add_argument("--pred-dir", type=Path, help="folder of <seq>.txt tracker files")
    parser.add_argument("--json", type=Path, help="also write all scores here as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from evaluation import COMBINED, evaluate_sequences  # TrackEval takes a second to import

    pairs = _pairs(args)
    results = evaluate_sequences(pairs)
    if len(pairs) == 1:
        results.pop(COMBINED)
    print(table(results))
    if args.json:
        document = {name: scores.as_dict() for name, scores in results.items()}
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            raise ValueError(f"cannot write {args.json}: {error.strerror or error}") from None
    return 0


def _pairs(args: argparse.Namespace) -> dict[str, SequencePair]:
    from evaluation import SequencePair, read_mot

    single = args.gt is not None or args.pred is not None
    folders = args.gt_dir is not None or args.pred_dir is not None
    if single == folders:
        raise ValueError("give either --gt and --pred, or --gt-dir and --pred-dir")
    if single:
        if args.gt is None or args.pred is None:
            raise ValueError("--gt and --pred go together")
        return {args.gt.stem: SequencePair(read_mot(args.gt), read_mot(args.pred))}
    if args.gt_dir is None or args.pred_dir is None:
        raise ValueError("--gt-dir and --pred-dir go together")
    return _folder_pairs(args.gt_dir, args.pred_dir)


def _folder_pairs(gt_dir: Path, pred_dir: Path) -> dict[str, SequencePair]:
    for folder in (gt_dir, pred_dir):
        if not folder.is_dir():
            raise ValueError(f"{folder}: no such folder")
    sequences = sorted(path.parent.parent for path in gt_dir.glob("*/gt/gt.txt"))
    if not sequences:
        raise ValueError(f"{gt_dir}: no <seq>/gt/gt.txt ground truth in this folder")
    missing = [seq.name for seq in sequences if not (pred_dir / f"{seq.name}.txt").is_file()]
    if missing:
        raise ValueError(f"{pred_dir}: no tracker file for {', '.join(missing)} (<seq>.txt)")
    from evaluation import SequencePair, read_mot

    return {
        seq.name: SequencePair(
            read_mot(seq / "gt" / "gt.txt"),
            read_mot(pred_dir / f"{seq.name}.txt"),
            _sequence_length(seq / "seqinfo.ini"),
        )
        for seq in sequences
    }


def _sequence_length(path: Path) -> int:
    """``seqLength`` from a MOTChallenge ``seqinfo.ini``; 0 (the last frame) when absent."""
    if not path.is_file():
        return 0
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        return parser.getint("Sequence", "seqLength", fallback=0)
    except (configparser.Error, ValueError) as error:
        raise ValueError(f"{path}: not a valid seqinfo.ini ({error})") from None


def table(results: dict[str, Scores]) -> str:
    """A fixed-width table, one row per sequence, percentages to one decimal."""
    width = max(8, *(len(name) for name in results))
    header = f"{'sequence':<{width}}" + "".join(f"{title:>8}" for title, _ in COLUMNS)
    lines = [header]
    for name, scores in results.items():
        values = scores.as_dict()
        cells = "".join(
            f"{values[key]:>8.2f}" if isinstance(values[key], float) else f"{values[key]:>8d}"
            for _, key in COLUMNS
        )
        lines.append(f"{name:<{width}}{cells}")
    return "\n".join(lines)
