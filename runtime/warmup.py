"""Getting a shared detector ready for each camera's frame size without stalling the others.

An exported detector compiles per frame size, and on its first run an INT8 model is calibrated on
frames of the camera's own stream (``Detector.calibration_frames_wanted``). Doing either on the
detector thread would stop every camera on it for seconds (compiling) or a minute (calibrating),
so :class:`Warmup` collects the calibration frames as they arrive and runs
``Detector.prepare`` on a thread of its own. Until a size is ready, its cameras' frames go to
viewers without tracks; nothing else waits.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass

from detectors import Detector, ModelError
from detectors.base import Image, Size
from runtime.calibration import CalibrationCollector

log = logging.getLogger(__name__)


class WarmupState(enum.Enum):
    CALIBRATING = "calibrating"
    """Collecting frames to calibrate INT8 on."""
    PREPARING = "preparing"
    """Exporting, quantizing or compiling."""
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class WarmupStatus:
    state: WarmupState
    detail: str = ""


class Warmup:
    """Readiness of one detector per frame size; owns the thread that prepares it."""

    def __init__(self, detector: Detector, *, name: str) -> None:
        self._detector = detector
        self._name = name
        self._lock = threading.Lock()
        self._status: dict[Size, WarmupStatus] = {}
        self._collector: CalibrationCollector | None = None
        self._thread: threading.Thread | None = None

    def ready(self, size: Size) -> bool:
        with self._lock:
            status = self._status.get(size)
        return status is not None and status.state is WarmupState.READY

    def status(self, size: Size) -> WarmupStatus | None:
        with self._lock:
            return self._status.get(size)

    def offer(self, size: Size, image: Image) -> WarmupStatus:
        """A frame of ``size`` that cannot be detected yet: keep it for calibration if needed,
        and start preparing once there is what ``prepare`` needs. Cheap; never blocks."""
        with self._lock:
            status = self._status.get(size)
            if status is not None and status.state is not WarmupState.CALIBRATING:
                return status
            if self._thread is not None and self._thread.is_alive():
                status = WarmupStatus(WarmupState.CALIBRATING, "waiting for another size")
                self._status[size] = status
                return status
            wanted = self._detector.calibration_frames_wanted
            if wanted and self._collector is None:
                self._collector = CalibrationCollector(wanted)
            collector = self._collector
            if collector is not None and not collector.offer(image):
                status = WarmupStatus(
                    WarmupState.CALIBRATING, f"{collector.collected}/{collector.count} frames"
                )
                self._status[size] = status
                return status
            calibration = collector.frames() if collector is not None else []
            self._collector = None
            status = WarmupStatus(WarmupState.PREPARING)
            self._status[size] = status
            self._thread = threading.Thread(
                target=self._prepare,
                args=(size, calibration),
                name=f"trackcast-{self._name}-warmup",
                daemon=True,
            )
            self._thread.start()
            return status

    def stop(self, timeout_s: float) -> bool:
        """Wait for a running preparation (it cannot be interrupted); True if none is left."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
            return not thread.is_alive()
        return True

    def _prepare(self, size: Size, calibration: list[Image]) -> None:
        height, width = size
        log.info(
            "%s: preparing %s for %dx%d frames%s",
            self._name,
            self._detector.describe(),
            width,
            height,
            f" (INT8 calibration on {len(calibration)} frames)" if calibration else "",
        )
        try:
            self._detector.prepare(size, calibration)
        except ModelError as error:
            log.error(
                "%s: cannot prepare the detector for %dx%d: %s", self._name, width, height, error
            )
            outcome = WarmupStatus(WarmupState.FAILED, str(error))
        except Exception as error:
            log.exception("%s: preparing the detector failed", self._name)
            outcome = WarmupStatus(WarmupState.FAILED, f"{type(error).__name__}: {error}")
        else:
            outcome = WarmupStatus(WarmupState.READY)
            log.info("%s: ready for %dx%d frames", self._name, width, height)
        with self._lock:
            self._status[size] = outcome
            # sizes that waited for this one start again with their next frame
            for other, status in list(self._status.items()):
                if other != size and status.detail == "waiting for another size":
                    del self._status[other]
