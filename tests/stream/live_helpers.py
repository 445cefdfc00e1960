"""Helpers for live-camera tests."""

from __future__ import annotations

import threading

from stream.live import LiveCamera, LiveSettings


class FrameRecorder:
    """Takes every frame the camera offers, on its own thread, and checks none is invented."""

    def __init__(self, camera: LiveCamera) -> None:
        self.camera = camera
        self.indices: list[int] = []
        self.suspicious: list[str] = []
        self._previous: bytes | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            frame = self.camera.frames.take(0.2)
            if frame is None:
                if not self.camera.running:
                    return
                continue
            digest = frame.image.tobytes()[::97]
            if float(frame.image.std()) < 5:
                self.suspicious.append(f"frame {frame.index} is blank")
            if digest == self._previous:
                self.suspicious.append(f"frame {frame.index} repeats the previous one")
            self._previous = digest
            self.indices.append(frame.index)

    @property
    def count(self) -> int:
        return self.camera.health().frames_in

    def join(self) -> None:
        self._thread.join(5)
        assert not self._thread.is_alive()


def start(cameras: list[LiveCamera], url: str, **settings: object) -> LiveCamera:
    camera = LiveCamera(f"cam{len(cameras)}", url, LiveSettings(**settings))  # type: ignore[arg-type]
    cameras.append(camera)
    camera.start()
    return camera
