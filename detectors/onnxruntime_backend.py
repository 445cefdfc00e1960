"""ONNX Runtime on the CPU: one session for every input size, run on a thread of its own.

ONNX Runtime's intra-op pool spins between operators by default, holding every core it has even
while waiting; here spinning is off and the pool has exactly the inference thread budget. Runs
go to one background thread, so the caller letterboxes, tracks and writes while the network
runs (one run at a time: two concurrent runs would need twice the threads).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from detectors.base import Image, Size
from detectors.export import ONNX_FILE
from detectors.exported import BackendModel, Engine, Output, Running, Variant
from detectors.letterbox import Letterbox

MAX_IN_FLIGHT = 2
"""One run in the session, one waiting: enough to overlap the caller's work with inference."""


class OnnxRuntimeModel(BackendModel):
    def __init__(self, folder: Path, variant: Variant, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._runner = ThreadPoolExecutor(1, thread_name_prefix="trackcast-onnxruntime")

    def compile(self, size: Size, in_flight: int) -> Engine:
        return OnnxRuntimeEngine(self)

    def run(self, images: Sequence[Image], letterbox: Letterbox) -> list[Output]:
        padded = np.empty((*letterbox.input, 3), np.uint8)
        outputs = []
        for image in images:
            letterbox.apply(image, padded)
            blob = cv2.dnn.blobFromImage(padded, 1 / 255.0, swapRB=True)
            (output, *_) = self._session.run(None, {self._input: blob})
            outputs.append(np.asarray(output, dtype=np.float32))
        return outputs

    def submit(self, images: Sequence[Image], letterbox: Letterbox) -> Running:
        return _Run(self._runner.submit(self.run, list(images), letterbox))

    def close(self) -> None:
        self._runner.shutdown(wait=True)


class OnnxRuntimeEngine(Engine):
    """The shared session, for one input size (ONNX Runtime needs nothing per size)."""

    def __init__(self, model: OnnxRuntimeModel) -> None:
        self._model = model

    def start(self, images: Sequence[Image], letterbox: Letterbox) -> Running:
        return self._model.submit(images, letterbox)


class _Run(Running):
    def __init__(self, future: Future[list[Output]]) -> None:
        self._future = future

    def done(self) -> bool:
        return self._future.done()

    def outputs(self) -> list[Output]:
        return self._future.result()
