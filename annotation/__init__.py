"""Automatic annotation: a video and its tracks (``trackcast track --jsonl``) become a dataset.

The file tree is the data flow: :mod:`annotation.tracks` reads the tracks file,
:mod:`annotation.selection` decides which frames to keep, :mod:`annotation.yolo` and
:mod:`annotation.coco` write them, :mod:`annotation.export` decodes the video and runs the lot.
"""
