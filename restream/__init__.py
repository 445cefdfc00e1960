"""Live video out of the runtime: one encoder per camera, shared by every WebRTC (WHEP) viewer,
with each frame's tracks sent beside it; and the latest-JPEG relay behind the MJPEG fallback.

Data flow: ``CameraRuntime`` results -> :class:`CameraFeed` (encodes off the event loop) ->
one :class:`ViewerTrack` per viewer (bounded, drops to the next keyframe when slow) -> aiortc.
"""

from restream.feed import CameraFeed, EncodedFrame
from restream.follow import FrameSource
from restream.hub import RestreamHub
from restream.ice import IceSettings
from restream.jpeg import JpegRelay, JpegRelays
from restream.manager import SessionManager, WhepAnswer
from restream.track import ViewerTrack

__all__ = [
    "CameraFeed",
    "EncodedFrame",
    "FrameSource",
    "IceSettings",
    "JpegRelay",
    "JpegRelays",
    "RestreamHub",
    "SessionManager",
    "ViewerTrack",
    "WhepAnswer",
]
