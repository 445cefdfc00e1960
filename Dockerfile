# syntax=docker/dockerfile:1
# trackcast images: CPU (default) or CUDA, from pyproject.toml at the exact versions of
# constraints/<TORCH>.txt, without the dev tools, run as the unprivileged user `trackcast`.
#   docker build -t trackcast .                                      # CPU (PyTorch's CPU build)
#   docker build --build-arg TORCH=cuda -t trackcast:cuda .           # CUDA (PyPI's torch)
#   TOKEN=$(openssl rand -hex 16)
#   docker run --rm -p 127.0.0.1:8080:8080 -e TRACKCAST_ADMIN_TOKEN=$TOKEN trackcast
#       # the demo: open http://localhost:8080/viewer/?token=$TOKEN
#   docker run --rm --network host -v trackcast-data:/app/trackcast-data \
#       -v "$PWD/cameras.yaml:/app/cameras.yaml:ro" -e TRACKCAST_ADMIN_TOKEN=$TOKEN \
#       -e TRACKCAST_WEBRTC_HOSTS=192.0.2.10 trackcast serve --config cameras.yaml --host 0.0.0.0
#   docker run --gpus all ... trackcast:cuda                         # NVIDIA container toolkit
# Cluster mode (README, "Deployment on a cluster"; docker-compose.yml, deploy/kuberay.yaml):
#   docker run ... trackcast cluster head                            # Ray's head, no cameras
#   docker run ... trackcast cluster worker --address ray-head:6379 --config deploy/cluster.yaml
#   docker run ... /bin/sh -c 'trackcast cluster join --address ray-head:6379 \
#       && exec trackcast serve --cluster ray-head:6379 --config deploy/cluster.yaml --host 0.0.0.0'
# The image is never open by default: without TRACKCAST_ADMIN_TOKEN (or auth.tokens) every /api
# request is refused. Open mode (--open, auth.open) answers only requests for localhost, 127.0.0.1
# and [::1] (and auth.hosts), so it is for a machine's own browser only.
# WebRTC (README, "Watching live in a browser"): aiortc offers host candidates on ephemeral UDP
# ports of the container's own addresses, so a browser on another machine reaches them only with
# --network host (TRACKCAST_WEBRTC_HOSTS picks the addresses to offer); with a published port the
# viewer falls back to MJPEG over the HTTP port.
# Checked without a Docker engine by tests/test_docker.py (hadolint, and its commands run against
# the real CLI and a real server).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- dependencies: pyproject.toml's requirements at the constraints' versions, before the source
FROM ${PYTHON_IMAGE} AS deps
# cpu or cuda: which constraints/*.txt, so which torch build
ARG TORCH=cpu
# Where the +cpu torch wheels are (PyPI has only the CUDA build); not used for TORCH=cuda. pip
# takes torchvision's +cpu build from there too (a later local version of the pinned release).
ARG TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
# pyproject.toml extras installed too, space-separated (postgres: storage.url postgresql+psycopg;
# cluster: Ray, for cluster mode); an extra's references to trackcast's own extras are skipped.
ARG EXTRAS="postgres cluster"
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN python -m venv /opt/trackcast/venv
WORKDIR /src
COPY pyproject.toml ./
COPY constraints/ constraints/
RUN test -f "constraints/${TORCH}.txt" \
    && python -c 'import os, tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + [r for e in os.environ["EXTRAS"].split() for r in p["optional-dependencies"][e] if not r.startswith("trackcast[")]))' > requirements.txt \
    && index=() && if [ "${TORCH}" = cpu ]; then index=(--extra-index-url "${TORCH_CPU_INDEX}"); fi \
    && /opt/trackcast/venv/bin/pip install "${index[@]}" -c "constraints/${TORCH}.txt" -r requirements.txt

# --- build: trackcast itself, the offline models' weights, the demo footage and its INT8 model
FROM deps AS build
# Debian's opencv-doc ships the demo footage (data/vtest.avi); only that file is kept.
WORKDIR /tmp/opencv-doc
RUN apt-get update \
    && apt-get download opencv-doc \
    && dpkg-deb -x opencv-doc_*.deb root \
    && mkdir -p /app/data \
    && cp root/usr/share/doc/opencv-doc/examples/data/vtest.avi /app/data/ \
    && rm -rf /tmp/opencv-doc /var/lib/apt/lists/*
WORKDIR /src
COPY README.md LICENSE ./
COPY stream/ stream/
COPY detectors/ detectors/
COPY tracking/ tracking/
COPY analytics/ analytics/
COPY events/ events/
COPY runtime/ runtime/
COPY outputs/ outputs/
COPY storage/ storage/
COPY delivery/ delivery/
COPY restream/ restream/
COPY service/ service/
COPY evaluation/ evaluation/
COPY config/ config/
COPY api/ api/
COPY cli/ cli/
COPY annotation/ annotation/
COPY cluster/ cluster/
ENV TRACKCAST_MODELS=/opt/trackcast/models \
    TRACKCAST_CACHE_DIR=/opt/trackcast/cache \
    YOLO_CONFIG_DIR=/tmp/ultralytics
# Non-editable, no dependencies (all installed above, pinned); then the weights, hash-checked,
# and the demo's model exported and calibrated now rather than at the first start.
RUN /opt/trackcast/venv/bin/pip install --no-deps . \
    && /opt/trackcast/venv/bin/python -m detectors.fetch \
    && /opt/trackcast/venv/bin/trackcast export --model person-yolov8s --imgsz 640 \
        --calibrate /app/data/vtest.avi

# --- the image: Python, OpenCV's runtime libraries, the venv, the models; no compilers, no pip cache
FROM ${PYTHON_IMAGE} AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 trackcast \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin trackcast
COPY --from=build /opt/trackcast/venv /opt/trackcast/venv
COPY --from=build /opt/trackcast/models /opt/trackcast/models
# The export cache is written again for other sizes or models: owned by the service's user.
COPY --from=build --chown=trackcast:trackcast /opt/trackcast/cache /opt/trackcast/cache
COPY --from=build /app/data/vtest.avi /app/data/vtest.avi
COPY scripts/demo.yaml /app/scripts/demo.yaml
COPY deploy/cluster.yaml /app/deploy/cluster.yaml
COPY docker/healthcheck.py /opt/trackcast/healthcheck.py
WORKDIR /app
# data_dir of the demo (trackcast-data/demo) and of configs that keep it under trackcast-data/.
RUN mkdir -p /app/trackcast-data && chown trackcast:trackcast /app/trackcast-data
VOLUME ["/app/trackcast-data"]
ENV PATH="/opt/trackcast/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    TRACKCAST_MODELS=/opt/trackcast/models \
    TRACKCAST_CACHE_DIR=/opt/trackcast/cache \
    YOLO_CONFIG_DIR=/tmp/ultralytics \
    TRACKCAST_HEALTH_URL=http://127.0.0.1:8080/readyz
USER 10001:10001
EXPOSE 8080
# /readyz: 200 once every service thread is alive and storage writes (TRACKCAST_HEALTH_URL moves it;
# Ray nodes set tcp://127.0.0.1:PORT).
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["python", "/opt/trackcast/healthcheck.py"]
ENTRYPOINT ["trackcast"]
# The demo, reachable from outside the container, with tokens only (TRACKCAST_ADMIN_TOKEN).
CMD ["serve", "--config", "scripts/demo.yaml", "--host", "0.0.0.0", "--port", "8080"]
