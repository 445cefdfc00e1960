# trackcast image. It runs the same scripts/setup.sh as a developer machine and CI, so the three
# stay in step: apt packages, the virtual environment, the offline models and data/vtest.avi.
#   docker build -t trackcast .
#   docker run --rm -v "$PWD/out:/app/out" trackcast track data/vtest.avi --model person-yolov8s \
#       --video out/vtest.mp4
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHON=/usr/local/bin/python3.11

WORKDIR /app
# Dependencies first, so code changes do not reinstall torch.
COPY pyproject.toml README.md LICENSE ./
COPY scripts/ scripts/
COPY stream/ stream/
COPY detectors/ detectors/
COPY tracking/ tracking/
COPY runtime/ runtime/
COPY outputs/ outputs/
COPY api/ api/
COPY cli/ cli/
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*

ENV PATH="/app/.venv/bin:${PATH}"
ENTRYPOINT ["trackcast"]
CMD ["--help"]
