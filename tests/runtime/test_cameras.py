"""CameraRuntime with real cameras: looping files and a real RTSP server, real or test detectors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import supervision as sv

from config import AppConfig, CameraConfig, DetectorConfig, RuntimeConfig
from detectors import Detector, ModelError, PendingDetections
from detectors.base import Image
from outputs import FrameResult
from runtime.cameras import CameraRuntime
from storage import EventStore, EventWriter, ThumbnailStore, migrate, open_database
from stream.health import CameraState
from tests.blob_detector import BrightBlobDetector
from tests.blocked_store import BlockedStore
from tests.media import write_moving_square_clip, write_square_clip
from tests.sources import UNRESTRICTED
from tests.waiting import wait_until


def _camera(camera_id: str, url: str, **fields: object) -> CameraConfig:
    return CameraConfig.model_validate({"id": camera_id, "url": url, **fields})


@pytest.fixture
def runtimes() -> Iterator[list[CameraRuntime]]:
    created: list[CameraRuntime] = []
    yield created
    for runtime in created:
        assert runtime.stop(timeout_s=15)
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []


def _config(**fields: Any) -> AppConfig:
    """A config whose cameras may open any file and address (these tests are not about that)."""
    return AppConfig(sources=UNRESTRICTED, **fields)


def _blob_runtime(runtimes: list[CameraRuntime], config: AppConfig) -> CameraRuntime:
    detectors: list[Detector] = []

    def factory(_: DetectorConfig) -> Detector:
        detectors.append(BrightBlobDetector())
        return detectors[-1]

    runtime = CameraRuntime(config, detector_factory=factory)
    runtimes.append(runtime)
    return runtime


def _looping_pair(clip: Path, runtime: RuntimeConfig) -> AppConfig:
    """Two cameras, ``a`` and ``b``, both playing ``clip`` in a loop."""
    return _config(
        cameras=(_camera("a", str(clip), loop=True), _camera("b", str(clip), loop=True)),
        runtime=runtime,
    )


def test_two_file_cameras_share_a_detector_and_track_separately(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    config = _looping_pair(square_clip, RuntimeConfig(batch_size=2, batch_wait_ms=30))
    runtime = _blob_runtime(runtimes, config)
    runtime.start()
    subscriptions = {c: runtime.subscribe(c) for c in ("a", "b")}
    wait_until(lambda: all(runtime.status(c).frames_analysed >= 15 for c in "ab"), timeout_s=15)
    for camera_id, slot in subscriptions.items():
        result = slot.take(2.0)
        assert result is not None and result.camera_id == camera_id
        assert result.tracks.tracker_id is not None and list(result.tracks.tracker_id) == [1]
    assert len(runtime._workers) == 1  # one model for both cameras
    worker = next(iter(runtime._workers.values()))
    assert worker.frames >= 30 and worker.batches < worker.frames  # batches mixed both cameras


def test_cameras_come_and_go_without_disturbing_the_others(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    runtime = _blob_runtime(runtimes, _config(cameras=(_camera("a", str(square_clip), loop=True),)))
    runtime.start()
    wait_until(lambda: runtime.status("a").frames_analysed >= 5, timeout_s=10)
    runtime.add_camera(_camera("b", str(square_clip), loop=True))
    wait_until(lambda: runtime.status("b").frames_analysed >= 5, timeout_s=10)
    with pytest.raises(ValueError, match="already exists"):
        runtime.add_camera(_camera("b", str(square_clip)))
    before = runtime.status("a").frames_analysed
    assert runtime.remove_camera("b")
    wait_until(lambda: runtime.status("a").frames_analysed >= before + 10, timeout_s=10)
    assert runtime.camera_ids() == ["a"]
    with pytest.raises(KeyError):
        runtime.status("b")


class _ClosingBlobDetector(BrightBlobDetector):
    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_worker_goes_with_its_last_camera_and_a_new_camera_gets_a_fresh_one(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    detectors: list[_ClosingBlobDetector] = []

    def factory(_: DetectorConfig) -> Detector:
        detectors.append(_ClosingBlobDetector())
        return detectors[-1]

    runtime = CameraRuntime(_config(), detector_factory=factory)
    runtimes.append(runtime)
    small = {"loop": True, "detector": {"imgsz": 64}}
    for camera_id in ("a", "b"):
        runtime.add_camera(_camera(camera_id, str(square_clip), **small))
    runtime.add_camera(_camera("c", str(square_clip), loop=True, detector={"imgsz": 96}))
    assert [w.name for w in runtime.detector_workers()] == ["detector-0", "detector-1"]
    wait_until(lambda: runtime.status("a").frames_analysed >= 3, timeout_s=15)
    assert runtime.remove_camera("a")
    assert len(runtime.detector_workers()) == 2 and not detectors[0].closed  # b still uses it
    assert runtime.remove_camera("b") and runtime.remove_camera("c")
    assert runtime.detector_workers() == [] and all(d.closed for d in detectors)
    assert not [t for t in threading.enumerate() if t.name.startswith("trackcast-detector")]
    runtime.add_camera(_camera("d", str(square_clip), **small))
    (worker,) = runtime.detector_workers()
    assert worker.name == "detector-2" and worker.detector is detectors[2]
    wait_until(lambda: runtime.status("d").frames_analysed >= 3, timeout_s=15)


def test_fps_cap_limits_what_is_analysed(square_clip: Path, runtimes: list[CameraRuntime]) -> None:
    config = _config(cameras=(_camera("a", str(square_clip), loop=True, fps_cap=4),))
    runtime = _blob_runtime(runtimes, config)
    runtime.start()
    time.sleep(3.2)
    status = runtime.status("a")
    assert 8 <= status.frames_analysed <= 15  # about 4 per second of the 10 fps file
    assert status.frames_capped > 0


def _analysed_fps(
    runtime: CameraRuntime, camera_ids: tuple[str, ...], window_s: float
) -> list[float]:
    before = [runtime.status(c).frames_analysed for c in camera_ids]
    time.sleep(window_s)
    after = [runtime.status(c).frames_analysed for c in camera_ids]
    return [(a - b) / window_s for a, b in zip(after, before, strict=True)]


def test_a_dead_camera_does_not_slow_the_live_ones(
    camera_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    """Two live RTSP cameras, then a third pointing at a closed port: the live ones keep their
    analysed fps within 20 % of what they had alone. A cheap detector keeps both windows paced by
    the 10 fps source rather than by the CPU, so a busy machine does not change the rate between
    them (a real model's rate follows the machine's load, which this test must not measure)."""
    from tests.servers.rtsp import RtspCamera

    live = ("live1", "live2")
    with RtspCamera(camera_clip) as server:
        config = _config(cameras=tuple(_camera(c, server.url) for c in live))
        runtime = CameraRuntime(config, detector_factory=lambda _: BrightBlobDetector())
        runtimes.append(runtime)
        runtime.start()
        wait_until(lambda: all(runtime.status(c).frames_analysed > 20 for c in live), 20)
        alone = _analysed_fps(runtime, live, window_s=8)
        runtime.add_camera(
            _camera("dead", "rtsp://127.0.0.1:9/none", reconnect={"backoff_max_s": 0.5})
        )
        with_dead = _analysed_fps(runtime, live, window_s=8)
        for camera_id, before, after in zip(live, alone, with_dead, strict=True):
            assert after >= 0.8 * before, (camera_id, alone, with_dead)
            assert runtime.status(camera_id).health.state is CameraState.STREAMING
        dead = runtime.status("dead").health
        assert dead.state in (CameraState.BACKOFF, CameraState.CONNECTING)
        assert dead.reconnects >= 3


class _SlowBlobDetector(BrightBlobDetector):
    """Takes 80 ms per call: one call at a time cannot keep up with two 10 fps cameras."""

    def detect(self, frames):  # type: ignore[no-untyped-def]
        time.sleep(0.08)
        return super().detect(frames)


def test_a_saturated_detector_shares_its_time_fairly(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    config = _looping_pair(square_clip, RuntimeConfig(batch_size=1, batch_wait_ms=0))
    runtime = CameraRuntime(config, detector_factory=lambda _: _SlowBlobDetector())
    runtimes.append(runtime)
    runtime.start()
    time.sleep(4)
    a, b = (runtime.status(c).frames_analysed for c in "ab")
    assert a + b >= 20
    assert 0.7 <= a / b <= 1.3, (a, b)


def test_trackers_run_at_the_rate_each_camera_is_analysed(
    tmp_path: Path, runtimes: list[CameraRuntime]
) -> None:
    from tests.media import write_moving_square_clip
    from tracking.trackcast_tracker import TrackcastTracker

    clip = tmp_path / "fast.mp4"
    write_moving_square_clip(clip, frames=50, fps=25)
    config = _config(
        cameras=(
            _camera("native", str(clip), loop=True),
            _camera("capped", str(clip), loop=True, fps_cap=5),
        )
    )
    runtime = _blob_runtime(runtimes, config)
    runtime.start()
    wait_until(lambda: all(runtime.status(c).frames_analysed > 3 for c in ("native", "capped")), 10)
    rates = {}
    for camera_id in ("native", "capped"):
        tracker = runtime._pipeline(camera_id).tracker
        assert isinstance(tracker, TrackcastTracker)  # the default
        assert tracker._last_timestamp is not None  # fed each frame's time, not only the rate
        rates[camera_id] = tracker.options.frame_rate
    assert rates == {"native": 25.0, "capped": 5.0}


def test_still_frames_skip_the_detector_and_show_predicted_tracks(
    tmp_path: Path, runtimes: list[CameraRuntime]
) -> None:
    """A square that rests 6 s, walks 1 s and rests again: once its track has stood still for
    ``stationary_after_s`` (3 s), the resting frames skip the detector (keyframes aside), its
    walking frames all reach it, and every frame the gate skips still shows the square's track."""
    positions = [(40, 60)] * 60 + [(40 + 12 * i, 60) for i in range(1, 11)] + [(160, 60)] * 20
    clip = tmp_path / "rest-walk-rest.mp4"
    write_square_clip(clip, positions)
    runtime = _blob_runtime(runtimes, _config(cameras=(_camera("a", str(clip)),)))
    runtime.start()
    slot = runtime.subscribe("a")
    results: list[FrameResult] = []
    while (result := slot.take(10.0)) is not None and result.index < len(positions) - 1:
        results.append(result)
    status = runtime.status("a")
    assert status.frames_gated >= 20, status
    assert status.duty_cycle < 0.8
    walking = [r for r in results if 61 <= r.index <= 69]
    assert walking and all(r.analysed for r in walking)
    tracked = [r for r in results if r.index >= 5]
    skipped = [r for r in tracked if not r.analysed]
    assert len(skipped) >= 20
    assert all(list(r.tracks.tracker_id) == [1] for r in skipped)  # type: ignore[arg-type]


def test_frames_of_a_size_the_detector_is_not_ready_for_show_without_tracks(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    """A detector that must calibrate on 5 frames first: those frames go out without tracks
    (the camera's status says so), the calibration gets the camera's own frames, and then
    tracking starts."""
    detector = _CalibratingDetector(wanted=5)
    runtime = CameraRuntime(
        _config(cameras=(_camera("a", str(square_clip), loop=True),)),
        detector_factory=lambda _: detector,
    )
    runtimes.append(runtime)
    runtime.start()
    slot = runtime.subscribe("a")
    first = slot.take(10.0)
    assert first is not None and not first.analysed and len(first.tracks) == 0
    wait_until(lambda: runtime.status("a").detector_state.startswith("calibrating"), 10)
    wait_until(lambda: runtime.status("a").frames_analysed >= 5, timeout_s=20)
    assert runtime.status("a").detector_state == "ready"
    assert detector.prepared == [((240, 320), 5)]
    assert runtime.status("a").frames_analysed >= 5


def test_with_privacy_on_frames_the_detector_did_not_look_at_are_published_black(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    """While the detector calibrates nobody knows where the hidden classes are: with privacy
    classes set, those frames go out black. After, the white square (the clip's only bright
    thing) never shows in a published frame, tracked or only detected, while the detector got
    the original frames and tracks it."""
    detector = _CalibratingDetector(wanted=5)
    privacy = {"classes": ["square"], "mode": "black"}
    camera = _camera("a", str(square_clip), loop=True, privacy=privacy)
    runtime = CameraRuntime(_config(cameras=(camera,)), detector_factory=lambda _: detector)
    runtimes.append(runtime)
    runtime.start()
    slot = runtime.subscribe("a")
    first = slot.take(10.0)
    assert first is not None and not first.analysed and not first.image.any()
    wait_until(lambda: runtime.status("a").frames_analysed >= 1, timeout_s=20)
    published = [slot.take(10.0) for _ in range(25)]
    assert all(r is not None and r.image.max() < 64 for r in published)
    assert any(r is not None and r.analysed and len(r.tracks) == 1 for r in published)
    assert detector.prepared == [((240, 320), 5)]  # calibrated on the original frames


class _CalibratingDetector(BrightBlobDetector):
    """Wants calibration frames until ``prepare`` got them."""

    def __init__(self, wanted: int) -> None:
        super().__init__()
        self._wanted = wanted
        self.prepared: list[tuple[tuple[int, int], int]] = []

    @property
    def calibration_frames_wanted(self) -> int:
        return 0 if self.prepared else self._wanted

    def prepare(self, frame_size: tuple[int, int], calibration: Sequence[Image] = ()) -> None:
        time.sleep(0.5)  # like a quantization that takes a while
        self.prepared.append((frame_size, len(calibration)))


class _Answering(PendingDetections):
    def __init__(self, future: Future[list[sv.Detections]]) -> None:
        self._future = future

    def result(self) -> list[sv.Detections]:
        return self._future.result()

    def done(self) -> bool:
        return self._future.done()


class _AsyncSlowBlobDetector(BrightBlobDetector):
    """Answers 150 ms after each submission, from its own thread: a 10 fps camera whose every
    frame wants detection keeps it busy all the time."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="slow-blob")

    def submit(self, frames: Sequence[Image]) -> PendingDetections:
        return _Answering(self._pool.submit(self._slow, list(frames)))

    def _slow(self, frames: list[Image]) -> list[sv.Detections]:
        time.sleep(0.15)
        return self.detect(frames)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def test_a_busy_camera_does_not_hold_back_the_frames_another_cameras_gate_skips(
    tmp_path: Path, runtimes: list[CameraRuntime]
) -> None:
    """One camera's square always moves, so every frame it has wants a detector that is busy
    all the time; the other's square stands still, so its gate skips nearly every frame. The
    worker does not wait for the busy camera's detections before taking the still camera's
    frames: those go out as they arrive (almost none dropped), while the busy camera's frame held
    for the detector is replaced by its newest (counted as dropped)."""
    moving, still = tmp_path / "moving.mp4", tmp_path / "still.mp4"
    write_moving_square_clip(moving, frames=30)
    write_square_clip(still, [(40, 60)] * 50)
    config = _config(
        cameras=(
            _camera("busy", str(moving), loop=True),
            _camera("still", str(still), loop=True, motion={"stationary_after_s": 0.5}),
        )
    )
    detector = _AsyncSlowBlobDetector()
    runtime = CameraRuntime(config, detector_factory=lambda _: detector)
    runtimes.append(runtime)
    runtime.start()
    wait_until(lambda: runtime.status("still").frames_gated >= 30, timeout_s=60)
    first = runtime.status("still").health
    wait_until(lambda: runtime.status("still").frames_gated >= 90, timeout_s=120)
    last = runtime.status("still").health
    arrived = last.frames_in - first.frames_in
    dropped = last.frames_dropped - first.frames_dropped
    assert arrived >= 50
    assert dropped <= 0.15 * arrived, (dropped, arrived)  # blocking on the detector drops ~1/3
    busy = runtime.status("busy")
    assert busy.frames_analysed >= 10
    assert busy.health.frames_dropped > 0  # 10 fps into 6.7 detections a second


class GatedFactory:
    """Detectors whose ``imgsz=320`` model loads until ``release`` is set; counts the loads."""

    def __init__(self) -> None:
        self.loading = threading.Event()
        self.release = threading.Event()
        self.loads: list[DetectorConfig] = []

    def __call__(self, config: DetectorConfig) -> Detector:
        self.loads.append(config)
        if config.imgsz == 320:
            self.loading.set()
            assert self.release.wait(120), "the test never released the model"
        return BrightBlobDetector()


def test_a_model_load_holds_no_lock_and_concurrent_adds_share_it(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    factory = GatedFactory()
    config = _config(cameras=(_camera("a", str(square_clip), loop=True),))
    runtime = CameraRuntime(config, detector_factory=factory)
    runtimes.append(runtime)
    runtime.start()
    slow = {"loop": True, "detector": {"imgsz": 320}}
    errors: list[BaseException] = []

    def add(camera_id: str) -> None:
        try:
            runtime.add_camera(_camera(camera_id, str(square_clip), **slow))
        except BaseException as error:
            errors.append(error)

    adders = [threading.Thread(target=add, args=(c,)) for c in ("b", "c")]
    for thread in adders:
        thread.start()
    try:
        assert factory.loading.wait(60)
        wait_until(lambda: set(runtime._adding) == {"b", "c"}, timeout_s=30)
        # While the model loads, everything that takes the runtime's lock answers.
        assert runtime.camera_ids() == ["a"]
        assert runtime.status("a").health.camera_id == "a"
        starting = runtime.status("b")  # shown as starting, though not running yet
        assert starting.health.state is CameraState.STARTING
        assert starting.detector_state == "loading model"
        assert len(runtime.threads()) == 2 and len(runtime.detector_workers()) == 1
        with pytest.raises(ValueError, match="already exists"):
            runtime.add_camera(_camera("b", str(square_clip), **slow))
        assert not factory.release.is_set()
    finally:
        factory.release.set()
        for thread in adders:
            thread.join()
    assert errors == []
    assert [c.imgsz for c in factory.loads] == [None, 320]  # one load for both new cameras
    assert sorted(runtime.camera_ids()) == ["a", "b", "c"]
    wait_until(lambda: all(runtime.status(c).frames_analysed >= 5 for c in "bc"), timeout_s=30)
    workers = runtime.detector_workers()
    assert len(workers) == 2 and len({w.name for w in workers}) == 2


def test_a_failed_load_fails_every_add_waiting_for_it(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    def factory(config: DetectorConfig) -> Detector:
        raise ModelError(f"no model {config.model!r}")

    runtime = CameraRuntime(_config(), detector_factory=factory)
    runtimes.append(runtime)
    with pytest.raises(ModelError):
        runtime.add_camera(_camera("a", str(square_clip)))
    assert runtime.camera_ids() == [] and runtime._loading == {} and runtime._adding == {}
    with pytest.raises(ModelError):  # the failure is not remembered: a later add tries again
        runtime.add_camera(_camera("a", str(square_clip)))


def test_a_stuck_event_store_never_stalls_the_detector(
    square_clip: Path, runtimes: list[CameraRuntime], tmp_path: Path
) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'events.db'}")
    migrate(engine)
    blocked = BlockedStore(EventStore(engine))
    writer = EventWriter(
        blocked, ThumbnailStore(tmp_path / "thumbnails"), queue_size=1, flush_interval_s=0.01
    )
    writer.start()
    config = _looping_pair(square_clip, RuntimeConfig(batch_size=2, batch_wait_ms=30))
    runtime = CameraRuntime(config, detector_factory=lambda _: BrightBlobDetector(), events=writer)
    runtimes.append(runtime)
    try:
        runtime.start()
        # One event hangs in an insert, one waits in the queue, the others are dropped.
        wait_until(lambda: writer.dropped >= 2, timeout_s=60)
        before = {c: runtime.status(c).frames_analysed for c in "ab"}
        wait_until(
            lambda: all(runtime.status(c).frames_analysed >= before[c] + 20 for c in "ab"),
            timeout_s=60,
        )
        assert not blocked.release.is_set() and writer.queue_depth() == 1
        assert all(runtime.status(c).analysis_errors == 0 for c in "ab")
    finally:
        blocked.release.set()
        assert runtime.stop(timeout_s=15)
        assert writer.stop(timeout_s=15)
        engine.dispose()
    assert writer.written + writer.dropped == writer.emitted


def test_a_stop_during_a_model_load_starts_nothing_after_it(
    square_clip: Path, runtimes: list[CameraRuntime]
) -> None:
    factory = GatedFactory()
    runtime = CameraRuntime(_config(), detector_factory=factory)
    runtimes.append(runtime)
    errors: list[BaseException] = []

    def add() -> None:
        try:
            runtime.add_camera(_camera("b", str(square_clip), detector={"imgsz": 320}))
        except BaseException as error:
            errors.append(error)

    adder = threading.Thread(target=add)
    adder.start()
    try:
        assert factory.loading.wait(60)
        assert runtime.stop(timeout_s=15)  # does not wait for the load
    finally:
        factory.release.set()
        adder.join()
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
    assert runtime.camera_ids() == [] and runtime.detector_workers() == []
    # (the fixture checks that no worker or camera thread is left)
