"""``trackcast track`` end to end on real footage and real models, as a user runs it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from tests.conftest import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[2]

FRAMES = 200


@dataclass(frozen=True)
class TrackRun:
    result: CliResult
    video: Path
    mot: Path
    jsonl: Path


@pytest.fixture(scope="module")
def person_run(vtest: Path, tmp_path_factory: pytest.TempPathFactory) -> TrackRun:
    out = tmp_path_factory.mktemp("person_run")
    run = TrackRun(
        result=CliResult(0, "", ""),
        video=out / "sub" / "vtest.mp4",  # a missing folder is created
        mot=out / "vtest.mot.txt",
        jsonl=out / "vtest.jsonl",
    )
    result = run_cli(
        [
            "track", str(vtest), "--model", "person-yolov8s", "--max-frames", str(FRAMES),
            "--video", str(run.video), "--mot", str(run.mot), "--jsonl", str(run.jsonl),
        ]
    )  # fmt: skip
    return TrackRun(result, run.video, run.mot, run.jsonl)


def _jsonl(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_person_run_succeeds_with_a_summary(person_run: TrackRun) -> None:
    assert person_run.result.returncode == 0, person_run.result.stderr
    assert f"{FRAMES} frames decoded, 0 skipped" in person_run.result.stdout
    assert "frame/s" in person_run.result.stderr  # the progress bar reports fps


def test_people_are_found_and_ids_stay_stable(person_run: TrackRun) -> None:
    records = _jsonl(person_run.jsonl)
    assert [r["frame"] for r in records] == list(range(FRAMES))
    per_frame = [len(r["tracks"]) for r in records]
    assert sum(per_frame) / FRAMES >= 4
    ids = {t["track_id"] for r in records for t in r["tracks"]}
    assert len(ids) <= 40
    summary = person_run.result.stdout
    assert f"{sum(per_frame) / FRAMES:.2f} tracks per frame, {len(ids)} track ids" in summary
    assert {t["class_name"] for r in records for t in r["tracks"]} == {"person"}


def test_the_readmes_jsonl_record_is_the_first_line_of_the_readmes_run(
    person_run: TrackRun,
) -> None:
    """The README shows the first record of its own first command (one track of it): same keys,
    same frame fields, and a track that the real run has, within rounding of the backend."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"JSON Lines record.*?```json\n(.*?)```", readme, re.DOTALL)
    assert block is not None, "no JSON Lines example in the README"
    shown = json.loads(block.group(1))
    real = _jsonl(person_run.jsonl)[0]
    assert shown.keys() == real.keys()
    assert {k: shown[k] for k in shown if k != "tracks"} == {
        k: real[k] for k in real if k != "tracks"
    }
    [track] = shown["tracks"]
    same_id = [t for t in real["tracks"] if t["track_id"] == track["track_id"]]
    assert len(same_id) == 1, real["tracks"]
    [actual] = same_id
    assert track.keys() == actual.keys()
    for key in ("class_id", "class_name", "attributes"):
        assert track[key] == actual[key]
    assert track["confidence"] == pytest.approx(actual["confidence"], abs=0.02)
    assert track["box"] == pytest.approx(actual["box"], abs=2.0)


def test_mot_and_jsonl_hold_the_same_boxes(person_run: TrackRun) -> None:
    from_jsonl = sorted(
        (r["frame"] + 1, t["track_id"], *t["box"])
        for r in _jsonl(person_run.jsonl)
        for t in r["tracks"]
    )
    from_mot = []
    for line in person_run.mot.read_text().splitlines():
        frame, track_id, left, top, width, height, *_ = line.split(",")
        x1, y1 = float(left), float(top)
        from_mot.append((int(frame), int(track_id), x1, y1, x1 + float(width), y1 + float(height)))
    from_mot.sort()
    assert len(from_mot) == len(from_jsonl) > 0
    for mot_row, jsonl_row in zip(from_mot, from_jsonl, strict=True):
        assert mot_row[:2] == jsonl_row[:2]
        assert mot_row[2:] == pytest.approx(jsonl_row[2:], abs=0.011)


def test_annotated_video_decodes_to_the_input_frame_count(person_run: TrackRun) -> None:
    with av.open(str(person_run.video)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (768, 576)
        assert sum(1 for _ in container.decode(stream)) == FRAMES


def test_yolov3_tiny_sees_the_van_until_classes_person_removes_it(
    vtest: Path, tmp_path: Path
) -> None:
    def vehicles_on_van(classes: list[str]) -> int:
        jsonl = tmp_path / "coco.jsonl"
        args = ["track", str(vtest), "--model", "coco-yolov3-tiny", "--max-frames", "10"]
        result = run_cli([*args, *classes, "--jsonl", str(jsonl), "--no-progress"])
        assert result.returncode == 0, result.stderr
        return sum(
            1
            for record in _jsonl(jsonl)
            for t in record["tracks"]
            if t["class_name"] in {"car", "truck", "bus"}
            and 640 < (t["box"][0] + t["box"][2]) / 2 < 730
            and 40 < (t["box"][1] + t["box"][3]) / 2 < 110
        )

    assert vehicles_on_van([]) >= 5
    assert vehicles_on_van(["--classes", "person"]) == 0


def test_truncated_copy_yields_tracks_for_the_part_that_decodes(
    vtest: Path, tmp_path: Path
) -> None:
    half = tmp_path / "half.avi"
    data = vtest.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    jsonl = tmp_path / "half.jsonl"
    result = run_cli(
        ["track", str(half), "--model", "coco-yolov3-tiny", "--classes", "person",
         "--jsonl", str(jsonl), "--no-progress"]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = _jsonl(jsonl)
    assert 300 < len(records) < 500
    assert sum(len(r["tracks"]) for r in records) > len(records)
    skipped = 795 - len(records)
    assert f"{len(records)} frames decoded, {skipped} skipped" in result.stdout
    assert f"{skipped} frame(s) could not be decoded" in result.stderr


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "no such file"),
        ("not-video", "is not a video"),
        ("unknown-model", "unknown model 'nonsense-net'"),
        ("unwritable", "cannot write"),
        ("unknown-class", "unknown class 'unicorn'"),
        ("bad-imgsz", "imgsz must be a positive multiple of 32"),
        ("full-disk", "cannot write /dev/full: No space left on device"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(
    case: str, expected: str, vtest: Path, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 50)
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    args = {
        "missing": [str(tmp_path / "absent.mp4")],
        "not-video": [str(text)],
        "unknown-model": [str(vtest), "--model", "nonsense-net"],
        "unwritable": [str(vtest), "--model", "coco-yolov3-tiny", "--mot", str(blocker / "x.txt")],
        "unknown-class": [str(vtest), "--model", "coco-yolov3-tiny", "--classes", "unicorn"],
        "bad-imgsz": [str(vtest), "--model", "coco-yolov3-tiny", "--imgsz", "100"],
        "full-disk": [str(vtest), "--model", "coco-yolov3-tiny", "--max-frames", "5",
                      "--jsonl", "/dev/full"],
    }[case]  # fmt: skip
    result = run_cli(["track", *args, "--no-progress"], timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trackcast: error:"), result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_offline_default_model_fails_fast_with_the_offline_aliases(
    vtest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKCAST_OFFLINE", "1")
    result = run_cli(["track", str(vtest), "--max-frames", "1", "--no-progress"], timeout=60)
    assert result.returncode == 2
    assert "yolo11n.pt is not on disk" in result.stderr
    assert "person-yolov8s" in result.stderr


def test_help_lists_the_documented_options() -> None:
    result = run_cli(["track", "--help"], timeout=60)
    assert result.returncode == 0
    for option in ("--model", "--imgsz", "--conf", "--classes", "--tracker", "--stride",
                   "--max-frames", "--video", "--mot", "--jsonl"):  # fmt: skip
        assert option in result.stdout


def test_motion_gate_skips_still_frames_and_predicts_them(tmp_path: Path) -> None:
    """A square that rests most of the clip: gated frames are written with predicted boxes."""
    from tests.media import write_square_clip

    clip = tmp_path / "rest.mp4"
    write_square_clip(clip, [(40, 60)] * 60 + [(40 + 10 * i, 60) for i in range(10)])
    jsonl = tmp_path / "t.jsonl"
    result = run_cli(
        ["track", str(clip), "--model", "coco-yolov3-tiny", "--motion-gate",
         "--jsonl", str(jsonl), "--no-progress"]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = _jsonl(jsonl)
    assert len(records) == 70
    analysed = [r["frame"] for r in records if r["analysed"]]
    assert 0 in analysed and set(range(61, 70)) <= set(analysed)  # first frame, then motion
    assert len(analysed) < 60  # still frames mostly skipped (keyframes every 1.5 s remain)


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
def test_a_host_name_that_does_not_resolve_says_so_in_one_line(scheme: str) -> None:
    """.invalid never resolves (RFC 6761), online or not; FFmpeg alone says 'Input/output
    error'."""
    url = f"{scheme}://viewer:hunter2@camera.invalid/stream"
    result = run_cli(["track", url, "--model", "coco-yolov3-tiny", "--no-progress"], timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"trackcast: error: cannot connect to {scheme}://viewer:***@camera.invalid/stream: "
        "cannot resolve host camera.invalid\n"
    )


def test_a_device_that_is_not_there_is_one_line_on_stderr_and_nothing_on_stdout(
    vtest: Path,
) -> None:
    import torch  # the first CUDA index this machine lacks: cuda:0 without a GPU

    device = f"cuda:{torch.cuda.device_count()}"
    args = [str(vtest), "--model", "person-yolov8s", "--device", device, "--no-progress"]
    result = run_cli(["track", *args], timeout=300)
    assert result.returncode == 2
    assert result.stdout == ""  # no ultralytics banner
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"trackcast: error: device {device} is not available: torch ")


def test_a_misspelt_class_exits_2_with_the_models_classes(vtest: Path) -> None:
    result = run_cli(
        ["track", str(vtest), "--model", "coco-yolov3-tiny", "--classes", "persn", "--no-progress"],
        timeout=60,
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("trackcast: error: unknown class 'persn'; this model detects: ")
    assert all(name in line for name in ("person", "car", "bicycle", "toothbrush"))
