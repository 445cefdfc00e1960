#!/usr/bin/env bash
# The main job: set up, then track people in data/vtest.avi with the offline person model.
# Writes out/vtest.mp4 (open it in a browser), out/vtest.mot.txt and out/vtest.jsonl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
.venv/bin/trackcast track data/vtest.avi --model person-yolov8s \
    --video out/vtest.mp4 --mot out/vtest.mot.txt --jsonl out/vtest.jsonl "$@"
echo "open file://$ROOT/out/vtest.mp4 in a browser to watch the tracks"
