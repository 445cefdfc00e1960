#!/usr/bin/env bash
# The main job: set up, then track people in data/vtest.avi with the offline person model.
# Writes out/vtest.mp4 (open it in a browser), out/vtest.mot.txt and out/vtest.jsonl;
# TRACKCAST_OUT changes the folder. Extra arguments go to `trackcast track` (e.g. --max-frames 100).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${TRACKCAST_OUT:-$ROOT/out}"
bash "$ROOT/scripts/setup.sh"
"$ROOT/.venv/bin/trackcast" track "$ROOT/data/vtest.avi" --model person-yolov8s \
    --video "$OUT/vtest.mp4" --mot "$OUT/vtest.mot.txt" --jsonl "$OUT/vtest.jsonl" "$@"
echo "open file://$OUT/vtest.mp4 in a browser to watch the tracks"
