"""One camera's live frames pulled from the node agent that runs it, for this API process.

Started by the camera's first subscriber, stopped by its last: a camera nobody watches here costs
the network nothing. Frames fan out through a :class:`Broadcast` of latest-frame slots, the same
kind that ``CameraRuntime.subscribe`` hands out, so the restreamers (MJPEG, WHEP, track feeds)
work unchanged. The agent is looked up again whenever it stops answering for the camera: after a
failover the pull resumes from the camera's new node. A camera that is deleted closes the slots.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cluster import ClusterError
from cluster.ask import ask
from cluster.frames import PackedFrame
from outputs import FrameResult
from runtime.broadcast import Broadcast
from stream.worker import Worker

log = logging.getLogger(__name__)

WAIT_S = 1.0
"""How long one pull waits on the agent for a new frame (it answers sooner when one comes)."""
RETRY_S = 0.5
"""Pause before looking the camera's agent up again after it did not answer."""


@dataclass
class PullStats:
    """What pulling cost: frames and JPEG bytes received; summed over them, the time from the
    frame's decoding on the node to its arrival here (``latency_s``) and the part of it that the
    trip added, from packing on the node to unpacked here (``added_s``). Wall clocks: exact on
    one host, as good as NTP across hosts."""

    frames: int = 0
    bytes: int = 0
    latency_s: float = 0.0
    added_s: float = 0.0
    started_at: float = 0.0


AgentLookup = Callable[[str], Any]
"""The actor handle of the agent that runs a camera, None if none does; KeyError if the
camera does not exist (``Controller.agent_for`` through the controller)."""


class FramePuller(Worker):
    """Pulls ``camera_id``'s newest frames into :attr:`frames` until stopped or the camera is
    deleted."""

    def __init__(self, camera_id: str, agent_for: AgentLookup) -> None:
        super().__init__(f"pull-{camera_id}")
        self.camera_id = camera_id
        self.frames: Broadcast[FrameResult] = Broadcast()
        self.stats = PullStats(started_at=time.time())
        self._agent_for = agent_for

    def retire(self) -> None:
        """Ask the loop to end without waiting for it (it ends within a pull)."""
        self._stop.set()

    def run(self) -> None:
        agent: Any = None
        after = -1
        while not self.stopping:
            self.heartbeat.beat(WAIT_S + 30.0)
            try:
                if agent is None:
                    agent = self._agent_for(self.camera_id)
                    if agent is None:  # placed nowhere yet (starting, or its node was lost)
                        self.wait(RETRY_S)
                        continue
                packed = ask(
                    agent.frame_after.remote(self.camera_id, after, WAIT_S), timeout_s=WAIT_S + 30
                )
            except KeyError:
                if agent is None:  # the controller no longer knows it: deleted
                    log.info("camera %s: deleted; its live viewers here end", self.camera_id)
                    break
                agent = None  # the agent no longer runs it: moved, stopped or disabled
                self.wait(RETRY_S)
                continue
            except ClusterError as error:
                log.debug("camera %s: pull failed (%s); retrying", self.camera_id, error)
                agent = None
                self.wait(RETRY_S)
                continue
            if packed is not None:
                after = packed.index
                self._publish(packed)
        self.frames.close()

    def _publish(self, packed: PackedFrame) -> None:
        result = packed.unpack()
        now = time.time()
        self.stats.frames += 1
        self.stats.bytes += len(packed.jpeg)
        self.stats.added_s += now - packed.packed_at
        if packed.received_at is not None:
            self.stats.latency_s += now - packed.received_at
        self.frames.publish(result)
