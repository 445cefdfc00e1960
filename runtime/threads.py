"""One thread budget for inference, decoding, encoding and JPEG: never oversubscribe the cores.

Measured on a 2-core machine (``bench/thread_budget.py``): PyTorch with one OpenMP thread per
core collapses when anything else is busy (its threads spin-wait on each other, and one of them is
always descheduled), while OpenVINO with one stream per core degrades gracefully. So:

* inference gets every core on OpenVINO and ONNX Runtime (the detector runs one stream per thread
  when several frames are in flight); PyTorch gets every core in a file job, whose other threads
  are light, and one fewer in the live service, whose decoders, encoders and JPEG relays are
  always busy;
* each live camera decodes on its own thread with one FFmpeg thread (parallelism comes from the
  cameras, not from slices of one picture); files keep FFmpeg's frame threads;
* each restream encoder (libx264) and each JPEG relay encodes on one thread
  (``restream.encoder``);
* OpenCV's own worker pool is off: resizing and colour conversion run on the calling thread,
  which is already one of the threads above.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2

from detectors import DetectorOptions
from detectors.loader import available_cores


@dataclass(frozen=True, slots=True)
class ThreadBudget:
    cores: int
    live: bool
    """A live service (many busy threads) rather than one file job."""

    @classmethod
    def for_live(cls) -> ThreadBudget:
        return cls(available_cores(), live=True)

    @classmethod
    def for_file(cls) -> ThreadBudget:
        return cls(available_cores(), live=False)

    def inference_threads(self, options: DetectorOptions) -> int:
        """The detector's threads: the user's choice, else per backend (see the module doc)."""
        if options.threads is not None:
            return options.threads
        if options.backend == "torch" and self.live:
            return max(1, self.cores - 1)
        return self.cores

    @property
    def decode_threads(self) -> int:
        """FFmpeg threads of one live camera's decoder."""
        return 1

    def apply(self) -> None:
        """Process-wide settings: OpenCV's pool off (call once at start)."""
        cv2.setNumThreads(0)  # 0: OpenCV runs its loops sequentially on the calling thread
