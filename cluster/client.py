"""How a process of the cluster (an API replica, a test) reaches the controller.

:func:`connect` joins the Ray cluster in trackcast's namespace; :func:`controller` returns the
controller actor, creating it the first time (every replica may call it: Ray creates one). The
actor is detached (it outlives the process that created it) and restarted by Ray if its process
dies; calls made while it restarts raise ``RayActorError`` (retry them). Call its methods with
:func:`cluster.calls.call` to get their own exceptions rather than Ray's wrapper:

    handle = controller(config)
    camera = call(handle.create.remote(CameraConfig(id="door", url=...)), 30)
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import ray

from cluster import CONTROLLER_NAME, NAMESPACE, ClusterError
from cluster.agent import LEASE_S, NodeAgent
from cluster.calls import UNREACHABLE, call
from cluster.controller import Controller, require_postgres
from cluster.interface import ProcessSetup, SenderFactory
from config import AppConfig
from runtime.cameras import DetectorFactory

HEAD_RESOURCE = "node:__internal_head__"
"""The resource Ray gives the head node only. The controller runs there: the head goes down only
with the whole cluster, where a camera node may be lost any time (a controller that restarts
while a node is lost would not know which cameras that node ran, and left their tracks open)."""
HEAD_SHARE = 0.001
SHUTDOWN_SLACK_S = 15.0
"""Beyond the agents' own stop time: the controller's calls to them."""
PROBE_TIMEOUT_S = 10.0
"""How long :func:`connect` waits for the cluster's address to take a TCP connection."""
CONTROLLER_THREADS = 64
"""Concurrent calls the controller serves (each API replica's requests, and its own loop)."""


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` (``auto``, ``HOST:PORT``, ``ray://...``) in
    trackcast's namespace; ClusterError at once if nothing answers there."""
    if ray.is_initialized():
        return
    _probe(address)
    try:
        ray.init(
            address=address, namespace=NAMESPACE, logging_level=logging.WARNING,
            log_to_driver=False,
        )  # fmt: skip
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ClusterError(f"cannot connect to the Ray cluster at {address}: {error}") from None


def _probe(address: str) -> None:
    """ClusterError unless something answers at a ``host:port`` address: ``ray.init`` would
    keep retrying for many minutes (measured: still waiting after 10)."""
    host, colon, port = address.rpartition(":")
    if not colon or "://" in address or not port.isdigit():
        return  # "auto", ray://: Ray resolves them itself
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S).close()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ClusterError(
            f"no Ray cluster answers at {address} ({reason}); start one with"
            " `ray start --head`, or give its GCS address host:port"
        ) from None


def controller(
    config: AppConfig,
    *,
    agent_class: type = NodeAgent,
    detector_factory: DetectorFactory | None = None,
    lease_s: float = LEASE_S,
    setup: ProcessSetup | None = None,
    senders: SenderFactory | None = None,
) -> Any:
    """The controller actor, created with these arguments if it does not run yet (a running
    one keeps the arguments it was created with). ClusterError without PostgreSQL."""
    require_postgres(config)
    actor = ray.remote(Controller).options(
        name=CONTROLLER_NAME,
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
        max_restarts=-1,
        max_concurrency=CONTROLLER_THREADS,
        num_cpus=0,
        resources={HEAD_RESOURCE: HEAD_SHARE},  # on the head, and again there after a restart
    )
    return actor.remote(
        config, agent_class, detector_factory, lease_s=lease_s, setup=setup, senders=senders
    )


def stop_controller(handle: Any, timeout_s: float = 30.0) -> bool:
    """Stop every agent's cameras (their tracks end, their events are flushed), then end the
    controller actor; True if everything stopped in time. The cameras start again with the
    next :func:`controller`."""
    try:
        stopped = bool(call(handle.shutdown.remote(timeout_s), timeout_s + SHUTDOWN_SLACK_S))
    except UNREACHABLE:
        stopped = False
    ray.kill(handle, no_restart=True)
    return stopped
