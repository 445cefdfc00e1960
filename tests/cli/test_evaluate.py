"""``trackcast eval`` on MOTChallenge files: one pair, sequence folders, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from evaluation.synthetic import SceneConfig, generate
from tests.conftest import run_cli

GT_ROWS = "".join(f"{f},1,10,10,20,40,1,1,1\n{f},2,100,10,20,40,1,1,1\n" for f in range(1, 6))
PRED_ROWS = "".join(f"{f},7,10,10,20,40,0.9\n" for f in range(1, 6))


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "gt.txt").write_text(GT_ROWS)
    (tmp_path / "pred.txt").write_text(PRED_ROWS)
    return tmp_path / "gt.txt", tmp_path / "pred.txt"


def test_pair_prints_a_table_and_writes_json(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores" / "s.json"
    assert main(["eval", "--gt", str(pair[0]), "--pred", str(pair[1]), "--json", str(out)]) == 0
    header, row = capsys.readouterr().out.splitlines()
    columns = ["HOTA", "DetA", "AssA", "LocA", "MOTA", "IDF1", "IDSW", "FP", "FN"]
    assert header.split() == ["sequence", *columns]
    assert row.split()[0] == "gt"
    scores = json.loads(out.read_text())["gt"]
    assert (scores["mota"], scores["false_negatives"], scores["id_switches"]) == (50.0, 5, 0)


def test_folders_score_each_sequence_and_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "tracker"
    for seed in (1, 2):
        scene = generate(seed, SceneConfig(frames=30))
        scene.write(gt_dir / f"SYN-{seed}")
        (pred_dir / f"SYN-{seed}.txt").parent.mkdir(exist_ok=True)
        (pred_dir / f"SYN-{seed}.txt").write_text((gt_dir / f"SYN-{seed}/gt/gt.txt").read_text())
    out = tmp_path / "s.json"
    args = ["eval", "--gt-dir", str(gt_dir), "--pred-dir", str(pred_dir), "--json", str(out)]
    assert main(args) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert names == ["SYN-1", "SYN-2", "COMBINED"]
    assert json.loads(out.read_text())["COMBINED"]["hota"] == 100.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either --gt and --pred, or --gt-dir and --pred-dir"),
        (["--gt", "{gt}"], "--gt and --pred go together"),
        (["--gt", "{gt}", "--pred", "{tmp}/absent.txt"], "absent.txt: no such file"),
        (["--gt", "{gt}", "--pred", "{tmp}/bad.txt"], "bad.txt:2: expected at least 6"),
        (["--gt", "{gt}", "--gt-dir", "{tmp}"], "give either"),
        (["--gt-dir", "{tmp}/nope", "--pred-dir", "{tmp}"], "nope: no such folder"),
        (["--gt-dir", "{tmp}", "--pred-dir", "{tmp}"], "no <seq>/gt/gt.txt ground truth"),
        (["--gt-dir", "{tmp}/seqs", "--pred-dir", "{tmp}"], "no tracker file for S1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str],
    message: str,
    pair: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "bad.txt").write_text("1,1,1,1,1,1\n1,2\n")
    (tmp_path / "seqs" / "S1" / "gt").mkdir(parents=True)
    (tmp_path / "seqs" / "S1" / "gt" / "gt.txt").write_text(GT_ROWS)
    argv = [a.format(gt=pair[0], tmp=tmp_path) for a in args]
    assert main(["eval", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("trackcast: error: ")
    assert message in err


def test_installed_command_runs(pair: tuple[Path, Path]) -> None:
    result = run_cli(["eval", "--gt", str(pair[0]), "--pred", str(pair[1])], timeout=120)
    assert result.returncode == 0, result.stderr
    assert "MOTA" in result.stdout
    bad = run_cli(["eval", "--gt", str(pair[0])], timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "trackcast: error: --gt and --pred go together"
