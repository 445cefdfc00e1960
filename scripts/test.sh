#!/usr/bin/env bash
# Set up, then run the checks CI runs: pip check, ruff, mypy --strict and the test suite, tier by
# tier.
# Arguments go to one pytest run instead (bash scripts/test.sh -m unit, or a test file).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" --test
cd "$ROOT"
.venv/bin/python -m pip check  # every installed package's requirements met (no --no-deps leftovers)
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
if [ "$#" -gt 0 ]; then
    .venv/bin/python -m pytest "$@"  # the caller's selection, e.g. a file or -m unit
    exit
fi
# Every tier, fastest first (tests/tiers.py): a unit failure shows within a minute or two, and
# the run stops at the first tier that fails.
for tier in unit integration cluster "browser or model"; do
    echo "== pytest -m \"$tier\"" >&2
    .venv/bin/python -m pytest -m "$tier"
done
