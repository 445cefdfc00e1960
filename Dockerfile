# trackcast image. It runs the same scripts/setup.sh as a developer machine and CI, so the three
# stay in step: apt packages, the virtual environment, the offline models and data/vtest.avi.
#   docker build -t trackcast .
#   TOKEN=$(openssl rand -hex 16)
#   docker run --rm -p 127.0.0.1:8080:8080 -e TRACKCAST_ADMIN_TOKEN=$TOKEN trackcast
#       # the demo: open http://localhost:8080/viewer/?token=$TOKEN
#   docker run --rm -p 8080:8080 -v "$PWD/cameras.yaml:/app/cameras.yaml" \
#       -e TRACKCAST_ADMIN_TOKEN=... trackcast serve --config cameras.yaml --host 0.0.0.0
# The image is never open by default: without TRACKCAST_ADMIN_TOKEN (or auth.tokens) every /api
# request is refused. Open mode (--open, auth.open) answers only requests for localhost, 127.0.0.1
# and [::1] (and auth.hosts), so it is for a machine's own browser only.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHON=/usr/local/bin/python3.11

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY scripts/ scripts/
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
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*

ENV PATH="/app/.venv/bin:${PATH}"
EXPOSE 8080
ENTRYPOINT ["trackcast"]
# The demo, reachable from outside the container, with tokens (TRACKCAST_ADMIN_TOKEN).
CMD ["serve", "--config", "scripts/demo.yaml", "--host", "0.0.0.0", "--port", "8080"]
