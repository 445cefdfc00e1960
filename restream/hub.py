"""Everything one API server streams to browsers, closed together at shutdown."""

from __future__ import annotations

from restream.admission import SessionLimits
from restream.follow import FrameSource
from restream.ice import IceSettings
from restream.jpeg import JpegRelays
from restream.manager import SessionManager
from restream.offer import OfferLimits


class RestreamHub:
    """WHEP sessions and MJPEG relays over one frame source."""

    def __init__(
        self,
        source: FrameSource,
        ice: IceSettings | None = None,
        limits: SessionLimits | None = None,
        offers: OfferLimits | None = None,
    ) -> None:
        self.whep = SessionManager(source, ice, limits, offers)
        self.mjpeg = JpegRelays(source)

    async def close(self) -> None:
        await self.whep.close()
        await self.mjpeg.close()
