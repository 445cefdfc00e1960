"""Tracking quality: MOTChallenge files, TrackEval metrics, synthetic scenes with ground truth."""

from evaluation.metrics import COMBINED, Scores, SequencePair, evaluate, evaluate_sequences
from evaluation.mot_io import MotFormatError, MotSequence, read_mot, write_mot

__all__ = [
    "COMBINED",
    "MotFormatError",
    "MotSequence",
    "Scores",
    "SequencePair",
    "evaluate",
    "evaluate_sequences",
    "read_mot",
    "write_mot",
]
