"""Whether the torch device a user named exists, asked before ultralytics is given it.

ultralytics answers an unusable device with its banner on stdout and a multi-line error; a user
needs one line that names the device and what there is instead.
"""

from __future__ import annotations

import re

from detectors.errors import ModelError

_CUDA = re.compile(r"^cuda(?::(\d+))?$")
_INDEXES = re.compile(r"^\d+(?:,\d+)*$")
"""ultralytics' own spelling: ``0`` or ``0,1``."""


def check_device(device: str | None) -> None:
    """Return if torch can run on ``device`` (None, ``cpu``, an existing ``cuda:N`` or ``mps``);
    else raise :class:`ModelError` with one line saying why."""
    if device is None:
        return
    spec = device.strip().lower()
    if spec in ("", "cpu"):
        return
    import torch  # only for a device other than the CPU: torch is slow to import

    cuda = _CUDA.match(spec)
    if cuda or _INDEXES.match(spec):
        indexes = [int(cuda.group(1) or 0)] if cuda else [int(i) for i in spec.split(",")]
        if not torch.cuda.is_available():
            build = "" if torch.version.cuda else ", a CPU-only build"
            raise ModelError(
                f"device {device} is not available: torch {torch.__version__}{build} sees no "
                "CUDA GPU; use --device cpu (or leave it out)"
            )
        count = torch.cuda.device_count()
        if any(index >= count for index in indexes):
            there = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
            raise ModelError(
                f"device {device} is not available: torch sees {count} CUDA GPU"
                f"{'' if count == 1 else 's'} ({there})"
            )
        return
    if spec == "mps":
        if not torch.backends.mps.is_available():
            raise ModelError(f"device {device} is not available: this torch has no MPS (Apple GPU)")
        return
    raise ModelError(f"device {device!r} is not a device trackcast knows: use cpu or cuda:N")
