"""An API replica joins the cluster: connect the driver, then find or start the controller."""

from __future__ import annotations

from typing import Any

import ray

from cluster import CONTROLLER_NAME, NAMESPACE, ClusterError
from config import AppConfig
from runtime.cameras import DetectorFactory


def connect(config: AppConfig, detector_factory: DetectorFactory | None = None) -> Any:
    """The controller's actor handle; the first replica to ask starts it (with ``config`` and
    ``detector_factory``), the others get the same one."""
    from cluster.controller import Controller

    address = config.cluster.resolved_address()
    if address is None:
        raise ClusterError("cluster mode: no cluster address")
    if not ray.is_initialized():
        try:
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
        except ConnectionError as error:
            raise ClusterError(f"cannot reach the Ray cluster at {address}: {error}") from None
    return Controller.options(
        name=CONTROLLER_NAME,
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
    ).remote(config, detector_factory=detector_factory)
