"""Where tracked frames go in batch jobs: an annotated MP4, a MOTChallenge file, JSON Lines."""

from outputs.errors import OutputError
from outputs.jsonl import JsonlWriter
from outputs.mot import MotWriter
from outputs.records import FrameResult, FrameSink
from outputs.video import AnnotatedVideoWriter

__all__ = [
    "AnnotatedVideoWriter",
    "FrameResult",
    "FrameSink",
    "JsonlWriter",
    "MotWriter",
    "OutputError",
]
