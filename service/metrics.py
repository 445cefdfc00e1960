"""Prometheus metrics for one service, in its own registry (no process-wide globals).

Gauges and counters are read from the live objects at scrape time; only the detector latency is
observed as it happens (a histogram per detector worker).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from runtime.recorder import RecorderStats, RecordingState
from service.process_stats import process_stats
from service.readiness import readiness
from storage.health import StoragePart
from stream.heartbeat import ThreadState

if TYPE_CHECKING:
    from service.service import Service


class FeedKind(enum.Enum):
    """What a live feed carries (the ``feed`` label of ``trackcast_feed_clients``)."""

    EVENTS = "events"
    FRAMES = "frames"


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.detector_latency = Histogram(
            "trackcast_detector_latency_seconds",
            "Time of one detector call (one batch).",
            ["worker"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.http_requests = Counter(
            "trackcast_http_requests",
            "HTTP requests answered, by method, route template (unmatched: no route took it) and "
            "status code; WebSockets are not counted here (see trackcast_feed_clients).",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "trackcast_http_request_duration_seconds",
            "Seconds from a request's arrival to its response's headers (a stream's first byte, "
            "not its end), by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered request (``route``: the template, never the raw path)."""
        self.http_requests.labels(method=method, route=route, status=str(status)).inc()
        self.http_latency.labels(method=method, route=route).observe(seconds)

    def observe_batch(self, worker: str, seconds: float, frames: int) -> None:
        self.detector_latency.labels(worker=worker).observe(seconds)

    def bind(self, service: Service) -> None:
        self.registry.register(_ServiceCollector(service))


def _counter(name: str, doc: str, labels: list[str]) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, labels=labels)


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


class _ServiceCollector(Collector):
    def __init__(self, service: Service) -> None:
        self._service = service

    def collect(self) -> Iterator[Metric]:
        yield from self._cameras()
        yield from self._events()
        yield from self._threads()
        yield from self._storage()
        yield from self._feeds()
        yield from self._process()

    def _cameras(self) -> Iterator[Metric]:
        cam = ["camera"]
        up = _gauge("trackcast_camera_up", "1 while the camera is streaming.", cam)
        fps_in = _gauge("trackcast_camera_fps_in", "Frames per second decoded.", cam)
        fps_out = _gauge("trackcast_camera_fps_out", "Frames per second analysed.", cam)
        frames_in = _counter("trackcast_camera_frames", "Frames decoded.", cam)
        dropped = _counter(
            "trackcast_camera_frames_dropped", "Frames replaced before analysis.", cam
        )
        analysed = _counter("trackcast_camera_frames_analysed", "Frames analysed.", cam)
        reconnects = _counter("trackcast_camera_reconnects", "Reconnections.", cam)
        probes = _counter(
            "trackcast_camera_probes", "Reachability checks of the source while in backoff.", cam
        )
        queue = _gauge(
            "trackcast_camera_queue_depth", "Frames waiting for the detector (0 or 1).", cam
        )
        gated = _counter(
            "trackcast_camera_frames_gated",
            "Frames the motion gate kept from the detector (shown with predicted tracks).",
            cam,
        )
        duty = _gauge(
            "trackcast_camera_detector_duty_cycle",
            "Share of the camera's recent frames that went to the detector.",
            cam,
        )
        failed = _gauge(
            "trackcast_camera_failed",
            "1 while the camera is failed (its analysis stopped, or its source cannot work).",
            cam,
        )
        errors = _counter(
            "trackcast_camera_analysis_errors", "Errors in the camera's analysis steps.", cam
        )
        filtered = _counter(
            "trackcast_camera_detections_filtered",
            "Detections dropped before tracking by the camera's class filters (reason min_score, "
            "min_area, max_area) and ignore masks (reason ignore).",
            ["camera", "reason"],
        )
        ring_bytes = _gauge(
            "trackcast_camera_clip_ring_bytes", "Encoded video kept for clips, in bytes.", cam
        )
        ring_seconds = _gauge(
            "trackcast_camera_clip_ring_seconds", "Encoded video kept for clips, in seconds.", cam
        )
        ring_packets = _gauge(
            "trackcast_camera_clip_ring_packets", "Encoded packets kept for clips.", cam
        )
        ring_evicted = _counter(
            "trackcast_camera_clip_ring_evicted_packets",
            "Packets dropped from the clip ring: the oldest, to stay within its caps, and any "
            "before a connection's first keyframe.",
            cam,
        )
        encoded = _counter(
            "trackcast_camera_clip_encoded_frames",
            "Published frames encoded into the clip ring (cameras whose clips are encoded).",
            cam,
        )
        encode_dropped = _counter(
            "trackcast_camera_clip_encoder_dropped_frames",
            "Published frames the clip encoder dropped because it was behind.",
            cam,
        )
        recording = _RecordingMetrics(cam)
        clips = _counter(
            "trackcast_camera_clips",
            "Event clips since the camera started, by outcome (written, failed).",
            ["camera", "outcome"],
        )
        runtime = self._service.runtime
        for camera_id in runtime.camera_ids():
            try:
                status = runtime.status(camera_id)
            except KeyError:  # removed while scraping
                continue
            health = status.health
            up.add_metric([camera_id], 1.0 if health.state.value == "streaming" else 0.0)
            fps_in.add_metric([camera_id], health.fps_in)
            fps_out.add_metric([camera_id], status.fps_out)
            frames_in.add_metric([camera_id], health.frames_in)
            dropped.add_metric([camera_id], health.frames_dropped)
            analysed.add_metric([camera_id], status.frames_analysed)
            reconnects.add_metric([camera_id], health.reconnects)
            probes.add_metric([camera_id], health.probes)
            queue.add_metric([camera_id], status.queue_depth)
            gated.add_metric([camera_id], status.frames_gated)
            duty.add_metric([camera_id], status.duty_cycle)
            failed.add_metric([camera_id], 1.0 if health.state.value == "failed" else 0.0)
            errors.add_metric([camera_id], status.analysis_errors)
            for reason, count in status.detections_filtered.items():
                filtered.add_metric([camera_id, reason.value], count)
            if status.clip_ring is not None:
                ring = status.clip_ring
                ring_bytes.add_metric([camera_id], ring.bytes)
                ring_seconds.add_metric([camera_id], ring.seconds)
                ring_packets.add_metric([camera_id], ring.packets)
                ring_evicted.add_metric([camera_id], ring.evicted_packets + ring.orphan_packets)
            if status.clip_encoder is not None:
                encoded.add_metric([camera_id], status.clip_encoder.encoded)
                encode_dropped.add_metric([camera_id], status.clip_encoder.dropped)
            if status.recording is not None:
                recording.add(camera_id, status.recording)
            if status.clips is not None:
                clips.add_metric([camera_id, "written"], status.clips.written)
                clips.add_metric([camera_id, "failed"], status.clips.failed)
        yield from (up, fps_in, fps_out, frames_in, dropped, analysed, reconnects, queue)
        yield from (gated, duty, failed, errors, probes, filtered)
        yield from (ring_bytes, ring_seconds, ring_packets, ring_evicted, clips)
        yield from (encoded, encode_dropped)
        yield from recording.metrics()

    def _threads(self) -> Iterator[Metric]:
        labels = ["thread"]
        alive = _gauge(
            "trackcast_thread_alive", "1 while the thread runs (0: dead or ended).", labels
        )
        stalled = _gauge(
            "trackcast_thread_stalled",
            "1 while the thread is alive but missed its heartbeat.",
            labels,
        )
        dead = _gauge("trackcast_thread_dead", "1 once the thread's loop raised.", labels)
        age = _gauge(
            "trackcast_thread_heartbeat_age_seconds", "Seconds since the thread's last heartbeat.",
            labels,
        )  # fmt: skip
        for thread in readiness(self._service).threads:
            running = thread.state in (ThreadState.RUNNING, ThreadState.STALLED)
            alive.add_metric([thread.name], 1.0 if running else 0.0)
            stalled.add_metric([thread.name], 1.0 if thread.state is ThreadState.STALLED else 0.0)
            dead.add_metric([thread.name], 1.0 if thread.state is ThreadState.DEAD else 0.0)
            age.add_metric([thread.name], thread.beat_age_s)
        yield from (alive, stalled, dead, age)

    def _feeds(self) -> Iterator[Metric]:
        clients = _gauge(
            "trackcast_feed_clients",
            "Live feed subscribers: events (event WebSocket and SSE clients), frames (track "
            "WebSocket and SSE, MJPEG and WebRTC viewers of a camera's tracked frames).",
            ["feed"],
        )
        clients.add_metric([FeedKind.EVENTS.value], self._service.feed.subscriber_count())
        clients.add_metric([FeedKind.FRAMES.value], self._service.runtime.subscriber_count())
        yield clients
        overflows = _counter(
            "trackcast_feed_overflows",
            "Feed clients closed because they fell a whole queue behind (an event client resumes "
            "from its last seq); frame feeds never queue: they skip to the newest frame.",
            ["feed"],
        )
        overflows.add_metric([FeedKind.EVENTS.value], self._service.feed.overflows)
        yield overflows
        skipped = _counter(
            "trackcast_feed_frames_skipped",
            "Tracked frames a frame-feed subscriber skipped: a newer one replaced it before the "
            "subscriber took it (a slow viewer skips to live; it never queues).",
            ["feed"],
        )
        skipped.add_metric([FeedKind.FRAMES.value], self._service.runtime.subscriber_skips())
        yield skipped
        workers = self._service.runtime.detector_workers()
        yield GaugeMetricFamily(
            "trackcast_detector_workers",
            "Detector workers running (one per detector config in use; released with its last "
            "camera).",
            value=len(workers),
        )
        cameras = _gauge("trackcast_detector_worker_cameras", "Cameras per worker.", ["worker"])
        for worker in workers:
            cameras.add_metric([worker.name], worker.camera_count())
        yield cameras

    def _process(self) -> Iterator[Metric]:
        stats = process_stats()
        if stats.resident_bytes is not None:
            yield GaugeMetricFamily(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                value=stats.resident_bytes,
            )
        if stats.os_threads is not None:
            yield GaugeMetricFamily(
                "process_threads", "OS threads of the process.", value=stats.os_threads
            )
        yield GaugeMetricFamily(
            "trackcast_python_threads",
            "Threads started by Python, the main thread included.",
            value=stats.python_threads,
        )
        yield GaugeMetricFamily(
            "trackcast_service_threads",
            "Threads the service owns (cameras, detector workers, storage, deliveries).",
            value=stats.service_threads,
        )

    def _storage(self) -> Iterator[Metric]:
        writer = self._service.writer
        errors = _counter(
            "trackcast_storage_errors",
            "Storage failures: failed event inserts (each retried), thumbnails not saved, "
            "failed retention runs.",
            ["kind"],
        )
        errors.add_metric(["database"], writer.write_errors)
        errors.add_metric(["thumbnail"], writer.thumbnail_errors)
        errors.add_metric(["retention"], self._service.retention.errors)
        yield errors
        failing = _gauge(
            "trackcast_storage_failing",
            "1 while a part of storage keeps failing: database (event inserts: events are held "
            "in memory and /readyz is 503), thumbnail (files), retention.",
            ["kind"],
        )
        seconds = _gauge(
            "trackcast_storage_failing_seconds",
            "How long the part of storage has been failing (0 while it works).",
            ["kind"],
        )
        for part in StoragePart:
            failure = self._service.storage_health.failure(part)
            failing.add_metric([part.value], 0.0 if failure is None else 1.0)
            seconds.add_metric([part.value], 0.0 if failure is None else failure.failing_s)
        yield from (failing, seconds)

    def _events(self) -> Iterator[Metric]:
        writer = self._service.writer
        yield CounterMetricFamily(
            "trackcast_events_emitted", "Events emitted by analysis.", value=writer.emitted
        )
        yield CounterMetricFamily(
            "trackcast_events_stored", "Events committed to storage.", value=writer.written
        )
        yield CounterMetricFamily(
            "trackcast_events_dropped", "Events lost to a full write queue.", value=writer.dropped
        )
        yield CounterMetricFamily(
            "trackcast_events_rejected", "Events the database refused.", value=writer.rejected
        )
        yield CounterMetricFamily(
            "trackcast_events_lost",
            "Events not stored because the database still failed when the service stopped.",
            value=writer.lost,
        )
        yield GaugeMetricFamily(
            "trackcast_event_queue_depth",
            "Events waiting to be written.",
            value=writer.queue_depth(),
        )
        yield GaugeMetricFamily(
            "trackcast_events_pending",
            "Events held in memory, not yet stored: queued, and the batch being written (or "
            "retried while the database fails).",
            value=writer.pending(),
        )
        yield GaugeMetricFamily(
            "trackcast_events_pending_limit",
            "Most events held in memory (storage.max_pending_events); newer ones are dropped.",
            value=writer.max_pending,
        )
        yield GaugeMetricFamily(
            "trackcast_event_feed_clients", "Live event feed clients.",
            value=self._service.feed.subscriber_count(),
        )  # fmt: skip
        delivered = _counter("trackcast_events_delivered", "Events delivered.", ["target"])
        failed = _counter(
            "trackcast_events_delivery_failed", "Failed delivery attempts.", ["target"]
        )
        dead = _counter("trackcast_events_dead_lettered", "Events given up on.", ["target"])
        depth = _gauge("trackcast_delivery_queue_depth", "Events waiting for delivery.", ["target"])
        for delivery in self._service.deliveries:
            stats = delivery.stats()
            delivered.add_metric([stats.target], stats.delivered)
            failed.add_metric([stats.target], stats.failed)
            dead.add_metric([stats.target], stats.dead_lettered)
            depth.add_metric([stats.target], stats.queue_depth)
        yield from (delivered, failed, dead, depth)


class _RecordingMetrics:
    """Per camera that records: its segments on disk and what went wrong."""

    def __init__(self, labels: list[str]) -> None:
        self.up = _gauge(
            "trackcast_camera_recording_up",
            "1 while the camera records (or waits for video); 0 while recording is stopped "
            "(a full disk, a folder it cannot write).",
            labels,
        )
        self.bytes = _gauge(
            "trackcast_camera_recording_bytes", "Bytes of recorded segments on disk.", labels
        )
        self.segments = _gauge(
            "trackcast_camera_recording_segments", "Recorded segments on disk.", labels
        )
        self.errors = _counter(
            "trackcast_camera_recording_write_errors",
            "Segments that could not be written (each stops recording for a few seconds).",
            labels,
        )
        self.dropped = _counter(
            "trackcast_camera_recording_dropped_packets",
            "Packets not recorded because the disk did not keep up (the queue was full).",
            labels,
        )
        self.deleted = _counter(
            "trackcast_camera_recording_deleted_segments",
            "Segments deleted by retention (age or disk use).",
            labels,
        )

    def add(self, camera_id: str, stats: RecorderStats) -> None:
        self.up.add_metric([camera_id], 0.0 if stats.state is RecordingState.STOPPED else 1.0)
        self.bytes.add_metric([camera_id], stats.bytes)
        self.segments.add_metric([camera_id], stats.segments)
        self.errors.add_metric([camera_id], stats.write_errors)
        self.dropped.add_metric([camera_id], stats.dropped_packets)
        self.deleted.add_metric([camera_id], stats.deleted_segments)

    def metrics(self) -> Iterator[Metric]:
        yield from (self.up, self.bytes, self.segments, self.errors, self.dropped, self.deleted)
