from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config, parse_config

EXAMPLE = """
detector:
  model: person-yolov8s
  imgsz: 640
tracker:
  name: botsort
runtime:
  batch_size: 4
  batch_wait_ms: 25
cameras:
  - id: entrance
    url: rtsp://user:secret@127.0.0.1:8554/entrance
    transport: udp
    fps_cap: 5
    reconnect:
      backoff_max_s: 2
  - id: lobby-file
    url: data/vtest.avi
    loop: true
    detector:
      model: coco-yolov3-tiny
      classes: [person, car]
"""


def test_example_parses_with_defaults_and_overrides() -> None:
    config = parse_config(EXAMPLE)
    entrance, lobby = config.cameras
    assert (entrance.transport, entrance.fps_cap, entrance.enabled) == ("udp", 5, True)
    assert entrance.reconnect.backoff_max_s == 2 and entrance.reconnect.backoff_initial_s == 0.5
    assert config.detector_for(entrance).model == "person-yolov8s"
    assert config.detector_for(lobby).classes == ("person", "car")
    assert config.tracker_for(lobby).options(frame_rate=10).name == "botsort"
    assert config.detector_for(entrance).options().imgsz == 640


def test_empty_file_is_a_service_with_no_cameras(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    config = load_config(path)
    assert config.cameras == () and config.detector.model == "yolo11n.pt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cameras:\n  - id: a\n    url: x\n    fps: 5\n", "cameras.0.fps: unknown key"),
        ("cameras:\n  - id: a\n", "cameras.0.url: Field required"),
        ("cameras:\n  - {id: a, url: x}\n  - {id: a, url: y}\n", "camera id 'a' is used twice"),
        ("cameras:\n  - {id: 'bad id', url: x}\n", "cameras.0.id: String should match pattern"),
        ("detector:\n  imgsz: 100\n", "detector.imgsz: Input should be a multiple of 32"),
        (
            "tracker:\n  name: magic\n",
            "tracker.name: Input should be 'bytetrack', 'botsort' or 'trackcast'",
        ),
        (
            "cameras:\n  - id: a\n    url: x\n"
            "    reconnect: {backoff_initial_s: 5, backoff_max_s: 1}\n",
            "backoff_max_s must be at least backoff_initial_s",
        ),
        ("- just\n- a list\n", "the top level must be a mapping"),
        ("cameras: [\n", "at line"),
    ],
)
def test_errors_point_at_the_offending_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="cams.yaml")
    assert str(caught.value).startswith("cams.yaml: ")
    assert expected in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_sources_open_nothing_local_unless_configured() -> None:
    assert parse_config("").sources.model_dump() == {
        "media_roots": (),
        "private_networks": False,
        "model_roots": (),
    }
    sources = parse_config(
        "sources: {media_roots: [data, /srv/footage], private_networks: true, "
        "model_roots: [/srv/models]}"
    ).sources
    assert sources.media_roots == ("data", "/srv/footage") and sources.private_networks
    assert sources.model_roots == ("/srv/models",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: {media_root: [data]}", "sources.media_root: unknown key"),
        ("sources: {media_roots: ['']}", "sources.media_roots.0:"),
    ],
)
def test_bad_sources_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text)


SECRETS = """
mqtt:
  host: ${MQTT_HOST}
  port: ${MQTT_PORT:-1884}
  password: ${MQTT_PASSWORD}
  topic_prefix: "site$$1"
cameras:
  - id: gate
    url: rtsp://viewer:${GATE_PASSWORD}@10.0.0.7/stream
"""


def test_values_come_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(SECRETS)
    env = {"MQTT_HOST": "broker.lan", "MQTT_PASSWORD": "pa$$word", "GATE_PASSWORD": "s3cret"}
    config = load_config(path, env=env)
    assert config.mqtt is not None
    assert (config.mqtt.host, config.mqtt.port) == ("broker.lan", 1884)  # the default, as int
    assert config.mqtt.password == "pa$$word"  # a value from the environment is taken as is
    assert config.mqtt.topic_prefix == "site$1"  # $$ in the file is one $
    assert config.cameras[0].url == "rtsp://viewer:s3cret@10.0.0.7/stream"


def test_a_set_variable_beats_its_default_and_an_empty_one_takes_it() -> None:
    text = "data_dir: ${DATA:-/srv/trackcast}\n"
    assert parse_config(text, env={"DATA": "/data"}).data_dir == "/data"
    assert parse_config(text, env={"DATA": ""}).data_dir == "/srv/trackcast"
    assert parse_config(text, env={}).data_dir == "/srv/trackcast"


def test_the_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKCAST_TEST_DATA_DIR", "/from/env")
    assert parse_config("data_dir: ${TRACKCAST_TEST_DATA_DIR}\n").data_dir == "/from/env"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "cameras:\n  - id: a\n    url: rtsp://u:${CAM_PW}@h/x\n",
            "s.yaml: cameras.0.url: environment variable CAM_PW is not set "
            "(set it, or write ${CAM_PW:-default})",
        ),
        ("data_dir: '${DATA'\n", "s.yaml: data_dir: malformed environment reference '${DATA'"),
        ("data_dir: ${1DATA}\n", "s.yaml: data_dir: malformed environment reference '${1DATA}'"),
    ],
)
def test_a_missing_or_malformed_reference_names_the_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="s.yaml", env={})
    assert str(caught.value).startswith(expected)


def test_keys_are_never_interpolated() -> None:
    with pytest.raises(ConfigError, match=r"\$\{KEY\}: unknown key"):
        parse_config("${KEY}: 1\n", env={"KEY": "data_dir"})
