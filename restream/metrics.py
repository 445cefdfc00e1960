"""Prometheus metrics of the WebRTC sessions (viewers and publishers), read at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from restream.peers import SessionStats


class SessionCollector(Collector):
    """``stats()`` gives the counts of each kind of session that exists so far."""

    def __init__(self, stats: Callable[[], list[SessionStats]]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        kinds = ["kind"]
        held = GaugeMetricFamily(
            "trackcast_webrtc_sessions",
            "WebRTC sessions held, by kind (viewer, publisher) and state (connecting, connected).",
            labels=["kind", "state"],
        )
        expired = CounterMetricFamily(
            "trackcast_webrtc_sessions_expired",
            "Sessions closed because they were not connected within the connect deadline.",
            labels=kinds,
        )
        refused = CounterMetricFamily(
            "trackcast_webrtc_offers_refused",
            "Offers refused: caller (its token or address held its share, 429) or full (503).",
            labels=["kind", "reason"],
        )
        for stats in self._stats():
            held.add_metric([stats.noun, "connecting"], stats.connecting)
            held.add_metric([stats.noun, "connected"], stats.connected)
            expired.add_metric([stats.noun], stats.expired)
            refused.add_metric([stats.noun, "caller"], stats.refused_caller)
            refused.add_metric([stats.noun, "full"], stats.refused_full)
        yield from (held, expired, refused)
