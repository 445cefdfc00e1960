"""Wires sources, detectors, trackers and sinks into running jobs."""

from runtime.file_job import FileJob, JobOptions, JobReport
from runtime.pipeline import FramePipeline

__all__ = ["FileJob", "FramePipeline", "JobOptions", "JobReport"]
