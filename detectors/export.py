"""Export ultralytics weights to OpenVINO IR or ONNX, and quantize those to INT8 with NNCF.

Exports have dynamic input sizes: one export (and one INT8 calibration) serves every stream
shape, each compiled for its own letterboxed size when it is first seen (``detectors.exported``).
ultralytics' exporter does the conversion; it never installs packages at run time here (its
auto-install is switched off, and every runtime it needs is a dependency of trackcast).

INT8 follows ultralytics' own OpenVINO INT8 export: NNCF post-training quantization with the
``MIXED`` preset, leaving the detection head (box decoding, DFL, sigmoid) in floating point. It is
calibrated on frames of the user's footage, letterboxed like inference input; nothing is
downloaded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from detectors.errors import ModelError

log = logging.getLogger(__name__)

ExportBackend = Literal["openvino", "onnxruntime"]
EXPORT_IMGSZ = 640
"""Size traced at export; the exported model takes any multiple of 32."""
OPENVINO_FILE = "model.xml"
ONNX_FILE = "model.onnx"

Tensor = npt.NDArray[np.float32]
"""A model input: 1 x 3 x H x W, RGB, 0..1."""


def model_file(backend: ExportBackend) -> str:
    return OPENVINO_FILE if backend == "openvino" else ONNX_FILE


def _quiet_torch_extensions() -> None:
    """The exporter and NNCF import ``torch.utils.cpp_extension``, which warns on machines
    without CUDA that it found no CUDA runtime: noise in the middle of a progress line."""
    logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)


def ultralytics_yolo(weights: Path) -> Any:
    """``ultralytics.YOLO(weights)`` with run-time package installs switched off."""
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    from ultralytics import YOLO
    from ultralytics.utils import checks

    checks.AUTOINSTALL = False
    try:
        return YOLO(str(weights), task="detect")
    except Exception as error:  # ultralytics raises many kinds for bad or foreign files
        raise ModelError(f"cannot load model {weights}: {error}") from None


def export_float(weights: Path, backend: ExportBackend, folder: Path) -> dict[str, Any]:
    """Export ``weights`` (ultralytics ``.pt``) into ``folder``; returns the manifest."""
    _quiet_torch_extensions()
    with tempfile.TemporaryDirectory(prefix="trackcast-export-") as scratch:
        # ultralytics writes next to the weights, which may be read-only (site-packages).
        copy = Path(scratch) / weights.name
        shutil.copyfile(weights, copy)
        model = ultralytics_yolo(copy)
        if model.task != "detect":  # the exported heads' outputs are decoded as boxes only
            raise ModelError(
                f"{weights.name} is a {model.task} model; the {backend} backend runs detection "
                "models only: use --backend torch (segmentation masks run on PyTorch)"
            )
        names = {int(k): str(v) for k, v in model.names.items()}
        settings: dict[str, Any] = {"format": "openvino"}
        if backend == "onnxruntime":
            settings = {"format": "onnx", "simplify": False}  # onnxslim is not a dependency
        with _quiet_ultralytics(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.jit.trace's deprecation, tracer warnings
            try:
                produced = Path(
                    model.export(
                        imgsz=EXPORT_IMGSZ,
                        dynamic=True,
                        half=False,
                        int8=False,
                        nms=False,
                        batch=1,
                        device="cpu",
                        **settings,
                    )
                )
            except Exception as error:
                raise ModelError(f"cannot export {weights.name} to {backend}: {error}") from None
        if backend == "openvino":
            stem = copy.stem
            for suffix in (".xml", ".bin"):
                shutil.move(produced / f"{stem}{suffix}", folder / f"model{suffix}")
        else:
            shutil.move(produced, folder / ONNX_FILE)
    return {
        "names": names,
        "precision": "fp32",
        "backend": backend,
        "source": weights.name,
        "ultralytics": version("ultralytics"),
        backend: version(backend),
    }


def quantize_int8(
    float_folder: Path, backend: ExportBackend, calibration: Sequence[Tensor], folder: Path
) -> dict[str, Any]:
    """INT8 copy of the float export in ``float_folder``, calibrated on ``calibration``."""
    if not calibration:
        raise ModelError("INT8 needs calibration frames and none were given")
    _quiet_torch_extensions()
    import nncf

    nncf.set_log_level(logging.ERROR)
    dataset = nncf.Dataset(list(calibration))
    settings: dict[str, Any] = {
        "preset": nncf.QuantizationPreset.MIXED,
        "subset_size": len(calibration),
    }
    with _quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if backend == "openvino":
            import openvino as ov

            model = ov.Core().read_model(float_folder / OPENVINO_FILE)
            names = [(op.get_friendly_name(), op.get_type_name()) for op in model.get_ordered_ops()]
            ignored = nncf.IgnoredScope(names=_head_nodes(names), validate=False)
            quantized = nncf.quantize(model, dataset, ignored_scope=ignored, **settings)
            ov.save_model(quantized, folder / OPENVINO_FILE, compress_to_fp16=False)
        else:
            import onnx

            model = onnx.load(str(float_folder / ONNX_FILE))
            names = [(node.name, node.op_type) for node in model.graph.node]
            ignored = nncf.IgnoredScope(names=_head_nodes(names), validate=False)
            image = model.graph.input[0].name
            feeds = nncf.Dataset(list(calibration), lambda tensor: {image: tensor})
            quantized = nncf.quantize(model, feeds, ignored_scope=ignored, **settings)
            onnx.save(quantized, str(folder / ONNX_FILE))
    return {"precision": "int8", "nncf": version("nncf")}


def _head_nodes(nodes: Sequence[tuple[str, str]]) -> list[str]:
    """Names of the detection head's nodes: the scope of the last sigmoid (class scores), and
    every sigmoid. Quantizing box decoding costs accuracy and saves little time."""
    sigmoids = [name for name, kind in nodes if kind == "Sigmoid"]
    if not sigmoids:
        return []
    last = sigmoids[-1].lstrip("/")
    head = last.split("/", 1)[0]
    prefixes = (f"{head}/", f"/{head}/", f"{head}.dfl", f"/{head}.dfl")
    return [name for name, kind in nodes if kind == "Sigmoid" or name.startswith(prefixes)]


@contextlib.contextmanager
def _quiet_ultralytics() -> Iterator[None]:
    from ultralytics.utils import LOGGER

    level = LOGGER.level
    LOGGER.setLevel(logging.ERROR)
    try:
        with _quiet_stdout():
            yield
    finally:
        LOGGER.setLevel(level)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Keep libraries' banners and progress bars off stdout (the CLI's output)."""
    with Path(os.devnull).open("w") as sink, contextlib.redirect_stdout(sink):
        yield
