#!/usr/bin/env bash
# The main job: set up, then run the trackcast service on the bundled footage (data/vtest.avi,
# standing in for a live camera) with the offline person model, a counting line and a zone.
# Open http://127.0.0.1:8080/ to watch the live view; Ctrl-C stops it (events are kept in
# trackcast-data/demo). TRACKCAST_PORT changes the port; extra arguments go to `trackcast serve`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${TRACKCAST_PORT:-8080}"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
# Export the person model to OpenVINO and calibrate its INT8 version on the footage now (about a
# minute the first time, cached in ~/.cache/trackcast afterwards), so the first view has boxes.
"$ROOT/.venv/bin/trackcast" export --model person-yolov8s --imgsz 640 --calibrate data/vtest.avi
echo "open http://127.0.0.1:$PORT/ in a browser (API docs: http://127.0.0.1:$PORT/docs)"
# --open: no token needed, for this machine only (requests for other host names, and pages of other
# origins, are refused).
exec "$ROOT/.venv/bin/trackcast" serve --config "$ROOT/scripts/demo.yaml" --open \
    --host 127.0.0.1 --port "$PORT" "$@"
