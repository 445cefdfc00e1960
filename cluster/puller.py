"""One camera's live frames pulled from the node agent that runs it, for this API process.

Started by the camera's first subscriber, stopped by its last: a camera nobody watches here costs
the network nothing. Frames fan out through a :class:`Broadcast` of latest-frame slots, the same
kind that ``CameraRuntime.subscribe`` hands out, so the restreamers (MJPEG, WHEP, track feeds)
work unchanged. The agent is looked up again whenever it stops answering for the camera: after a
failover the pull resumes from the camera's new node. A camera that is deleted closes the slots.

A pull that the agent does not answer is not waited on blindly: when a node is lost, the pull
made just before is answered late or never (a viewer once saw no frame for over 10 s after a
failover, while its camera streamed again elsewhere after 8 s), so past :data:`CHECK_S` the
controller is asked every :data:`CHECK_S` whether that agent still runs the camera, and the pull
is dropped once it does not. However the loop ends, the slots close: viewers end rather than wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ray

from cluster import ClusterError
from cluster.ask import ASK_TIMEOUT_S, ask
from cluster.frames import PackedFrame
from outputs import FrameResult
from runtime.broadcast import Broadcast
from stream.worker import Worker

log = logging.getLogger(__name__)

WAIT_S = 1.0
"""How long one pull waits on the agent for a new frame (it answers sooner when one comes)."""
RETRY_S = 0.5
"""Pause before looking the camera's agent up again after it did not answer."""
CHECK_S = WAIT_S + 1.0
"""How long a pull goes unanswered before the controller is asked whether its agent still runs
the camera (and again every as long)."""
ANSWER_S = WAIT_S + 30.0
"""The longest a pull is waited on while its agent still runs the camera."""
BEAT_S = ASK_TIMEOUT_S + 2 * CHECK_S
"""The longest a round of the loop takes: a lookup, a wait for the answer and its fetch."""


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
        """Ask the loop to end without waiting for it (it ends within :data:`CHECK_S`)."""
        self._stop.set()

    def run(self) -> None:
        try:
            self._follow()
        finally:  # whatever ended it, its viewers end rather than wait for frames
            self.frames.close()

    def _follow(self) -> None:
        agent: Any = None
        after = -1
        while not self.stopping:
            self.heartbeat.beat(BEAT_S)
            try:
                if agent is None:
                    agent = self._agent_for(self.camera_id)
                    if agent is None:  # placed nowhere yet (starting, or its node was lost)
                        self.wait(RETRY_S)
                        continue
                    log.info("camera %s: pulling live frames from %s", self.camera_id, agent)
                packed = self._pull(agent, after)
            except KeyError:
                if agent is None:  # the controller no longer knows it: deleted
                    log.info("camera %s: deleted; its live viewers here end", self.camera_id)
                    break
                agent = None  # the agent no longer runs it: moved, stopped or disabled
                self.wait(RETRY_S)
                continue
            except ClusterError as error:
                log.info("camera %s: live frames interrupted (%s)", self.camera_id, error)
                agent = None
                self.wait(RETRY_S)
                continue
            if packed is not None:
                after = packed.index
                self._publish(packed)

    def _pull(self, agent: Any, after: int) -> PackedFrame | None:
        """The agent's next frame after index ``after``; None if none came or this puller is
        stopping. ClusterError if the agent does not answer in :data:`ANSWER_S` or stops running
        the camera before it answers; KeyError if the camera was deleted meanwhile."""
        ref = agent.frame_after.remote(self.camera_id, after, WAIT_S)
        deadline = time.monotonic() + ANSWER_S
        while True:
            ready, _ = ray.wait([ref], timeout=CHECK_S)
            if ready:  # an answer still on a lost node's object store can be lost: bounded
                packed: PackedFrame | None = ask(ref, timeout_s=CHECK_S)
                return packed
            if self.stopping:
                return None
            if time.monotonic() >= deadline:
                raise ClusterError(f"its agent did not answer a pull in {ANSWER_S:g} s")
            self.heartbeat.beat(BEAT_S)
            if self._agent_for(self.camera_id) != agent:
                raise ClusterError("it no longer runs on the agent asked (moved, or lost)")

    def _publish(self, packed: PackedFrame) -> None:
        result = packed.unpack()
        now = time.time()
        self.stats.frames += 1
        self.stats.bytes += len(packed.jpeg)
        self.stats.added_s += now - packed.packed_at
        if packed.received_at is not None:
            self.stats.latency_s += now - packed.received_at
        self.frames.publish(result)
