"""OpenVINO on the CPU: exported YOLO models compiled per input size, requests run asynchronously.

Colour conversion, scaling to 0..1 and the channel layout are built into the compiled model
(OpenVINO's pre-processing runs on its own threads); Python only letterboxes into the request's
input buffer. With one frame in flight the model is compiled for latency (one stream using every
inference thread); with more, for throughput (one stream per thread, each request on its own
stream). Under CPU contention the throughput layout degrades gracefully where one stream with
all threads would wait for its slowest thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detectors.base import Image, Size
from detectors.errors import ModelError
from detectors.export import OPENVINO_FILE
from detectors.exported import BackendModel, Engine, Output, Running, Variant
from detectors.letterbox import Letterbox

Buffer = np.ndarray[Any, np.dtype[np.uint8]]
"""A request's input: 1 x H x W x 3, BGR, shared with OpenVINO."""

HINTS = {"fp32": "f32", "bf16": "bf16", "fp16": "f16"}
"""trackcast precision → OpenVINO ``INFERENCE_PRECISION_HINT``. INT8 models take no hint: the
parts NNCF left in floating point then run at the CPU's fastest float precision."""
CAPABILITIES = {"bf16": "BF16", "fp16": "FP16"}
"""Precisions that need a CPU capability (``OPTIMIZATION_CAPABILITIES``) to run natively."""


def cpu_capabilities() -> tuple[str, ...]:
    import openvino as ov

    return tuple(str(c) for c in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"))


def check_precision(precision: str) -> None:
    """ModelError when this CPU cannot run ``precision`` natively."""
    needed = CAPABILITIES.get(precision)
    if needed is None:
        return
    available = cpu_capabilities()
    if needed not in available:
        raise ModelError(
            f"this CPU cannot run {precision} natively (OpenVINO reports {', '.join(available)}); "
            "use --precision int8 or fp32"
        )


class OpenVinoModel(BackendModel):
    """An OpenVINO IR read once and compiled per input size."""

    def __init__(self, folder: Path, variant: Variant, threads: int) -> None:
        import openvino as ov

        self._core = ov.Core()
        # compiled engines are cached too: a restart compiles each stream size in a blink
        self._core.set_property({"CACHE_DIR": str(folder / "compiled")})
        self._path = folder / OPENVINO_FILE
        self._hint = HINTS.get(variant.precision)
        self._threads = threads

    def compile(self, size: Size, in_flight: int) -> Engine:
        import openvino as ov
        from openvino.preprocess import ColorFormat, PrePostProcessor

        model = self._core.read_model(self._path)
        model.reshape({model.inputs[0]: ov.PartialShape([1, 3, size[0], size[1]])})
        steps = PrePostProcessor(model)
        steps.input().tensor().set_element_type(ov.Type.u8).set_layout(
            ov.Layout("NHWC")
        ).set_color_format(ColorFormat.BGR)
        steps.input().model().set_layout(ov.Layout("NCHW"))
        steps.input().preprocess().convert_element_type(ov.Type.f32).convert_color(
            ColorFormat.RGB
        ).scale(255.0)
        streams = max(1, min(in_flight, self._threads))
        config: dict[str, Any] = {
            "PERFORMANCE_HINT": "THROUGHPUT" if streams > 1 else "LATENCY",
            "NUM_STREAMS": streams,
            "INFERENCE_NUM_THREADS": self._threads,
        }
        if self._hint is not None:
            config["INFERENCE_PRECISION_HINT"] = self._hint
        compiled = self._core.compile_model(steps.build(), "CPU", config)
        return OpenVinoEngine(compiled, size)


class OpenVinoEngine(Engine):
    """Infer requests of one compiled model, reused; one per frame in flight."""

    def __init__(self, compiled: Any, size: Size) -> None:
        self._compiled = compiled
        self._size = size
        self._idle: list[tuple[Any, Buffer]] = []
        self._lock = threading.Lock()

    def start(self, images: Sequence[Image], letterbox: Letterbox) -> Running:
        jobs = []
        for image in images:
            request, buffer = self._acquire()
            letterbox.apply(image, buffer[0])
            request.start_async()
            jobs.append((request, buffer))
        return _Requests(self, jobs)

    def release(self, request: Any, buffer: Buffer) -> None:
        with self._lock:
            self._idle.append((request, buffer))

    def _acquire(self) -> tuple[Any, Buffer]:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        import openvino as ov

        buffer = np.empty((1, self._size[0], self._size[1], 3), np.uint8)
        request = self._compiled.create_infer_request()
        request.set_input_tensor(ov.Tensor(buffer, shared_memory=True))
        return request, buffer


class _Requests(Running):
    def __init__(self, engine: OpenVinoEngine, jobs: list[tuple[Any, Buffer]]) -> None:
        self._engine = engine
        self._jobs = jobs

    def done(self) -> bool:
        return all(request.wait_for(0) for request, _ in self._jobs)

    def outputs(self) -> list[Output]:
        outputs = []
        for request, buffer in self._jobs:
            request.wait()
            outputs.append(np.array(request.get_output_tensor(0).data, dtype=np.float32))
            self._engine.release(request, buffer)
        return outputs
