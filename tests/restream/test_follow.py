"""CameraFollower: hands each newest frame on, and says in the log why it stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import numpy as np
import pytest
import supervision as sv

from outputs import FrameResult
from restream.follow import CameraFollower
from stream.latest import LatestSlot


class OneCamera:
    """A frame source with one camera, fed by the test."""

    def __init__(self) -> None:
        self.slots: list[LatestSlot[FrameResult]] = []

    def subscribe(
        self, camera_id: str, on_put: Callable[[], None] | None = None
    ) -> LatestSlot[FrameResult]:
        slot: LatestSlot[FrameResult] = LatestSlot(on_put)
        self.slots.append(slot)
        return slot

    def unsubscribe(self, camera_id: str, slot: LatestSlot[FrameResult]) -> None:
        self.slots.remove(slot)
        slot.close()

    def publish(self, index: int) -> None:
        image = np.zeros((8, 8, 3), dtype=np.uint8)
        for slot in list(self.slots):
            slot.put(FrameResult(index, index / 10, image, sv.Detections.empty()))


async def _follow(
    handle: Callable[[FrameResult], None],
) -> tuple[OneCamera, CameraFollower, asyncio.Event]:
    source, ended = OneCamera(), asyncio.Event()

    async def on_frame(result: FrameResult) -> None:
        handle(result)

    async def on_end() -> None:
        ended.set()

    follower = CameraFollower(source, "cam", "test", on_frame, on_end)
    follower.start()
    return source, follower, ended


def test_frames_are_handed_on_until_the_camera_stops(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[int]:
        seen: list[int] = []
        source, follower, ended = await _follow(lambda r: seen.append(r.index))
        for index in range(3):
            source.publish(index)
            while len(seen) <= index:
                await asyncio.sleep(0.01)
        source.slots[0].close()  # the camera was removed
        await asyncio.wait_for(ended.wait(), 10)
        assert not follower.running
        await follower.stop()
        return seen

    caplog.set_level(logging.INFO, "restream.follow")
    assert asyncio.run(scenario()) == [0, 1, 2]
    assert "camera cam: test output ended with the camera" in caplog.text


def test_a_failing_handler_ends_the_follower_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fail(result: FrameResult) -> None:
        raise RuntimeError("encoder broke")

    async def scenario() -> CameraFollower:
        source, follower, ended = await _follow(fail)
        source.publish(0)
        await asyncio.wait_for(ended.wait(), 10)
        assert source.slots == []  # it unsubscribed
        await follower.stop()
        return follower

    follower = asyncio.run(scenario())
    assert not follower.running
    [record] = [r for r in caplog.records if r.name == "restream.follow"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "camera cam: test output failed"
    assert record.exc_info is not None and "encoder broke" in str(record.exc_info[1])
