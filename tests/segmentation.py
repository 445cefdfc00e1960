"""A segmentation model for plumbing tests: ultralytics' ``yolo11n-seg.yaml`` with seeded random
weights, built once into the test cache (no trained ``-seg`` weights are on disk, and the tests
never download).

Random weights alone find nothing: the class logits start at ultralytics' low prior. Here the
coarsest head level (stride 32) scores class 0 (``person``) at exactly 0.5 everywhere, so every
frame gives the same boxes after NMS (at ``conf`` up to 0.5), each 2 x 2 strides, and each
mask is where the sum of the (random) prototypes is positive, cropped to its box.
"""

from __future__ import annotations

import os
from pathlib import Path

SEG_MODEL_NAME = "random-yolo11n-seg.pt"
"""Ends in ``-seg``: the loader runs it on PyTorch, as it would ``yolo11n-seg.pt``."""
SEG_CONF = 0.25
"""A confidence that keeps the boxes the model reports (each scores 0.5)."""
SEED = 17


def seg_weights(cache: Path) -> Path:
    """The model file under ``cache`` (built on first use; atomic, so runs may share it)."""
    path = cache / "segmentation" / SEG_MODEL_NAME
    if path.is_file():
        return path
    import torch
    from ultralytics import YOLO

    torch.manual_seed(SEED)
    model = YOLO("yolo11n-seg.yaml")
    head = model.model.model[-1]
    with torch.no_grad():
        for level, scores in enumerate(head.cv3):
            bias = scores[-1].bias
            bias.fill_(-20.0)
            if level == len(head.cv3) - 1:
                bias[0] = 0.0
        for boxes in head.cv2:  # every side 1 stride from the anchor: boxes of 2 x 2 strides
            bias = boxes[-1].bias.view(4, head.reg_max)
            bias.fill_(-10.0)
            bias[:, 1] = 10.0
        for coefficients in head.cv4:  # every mask the sum of the prototypes
            coefficients[-1].weight.zero_()
            coefficients[-1].bias.fill_(1.0)
    model.model.names = {i: "person" if i == 0 else f"class{i}" for i in range(head.nc)}
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    model.save(str(scratch))
    scratch.replace(path)
    return path
