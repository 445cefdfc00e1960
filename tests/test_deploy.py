"""docker-compose.yml and deploy/kuberay.yaml, checked without Docker or Kubernetes: every
command parses with the real CLI parser, the config they serve loads with the environment they
give it, and images, volumes, ports, probes and addresses agree with each other and with the
Dockerfile.

The RayCluster was validated once against KubeRay's CRD (ray-operator/config/crd/bases/
ray.io_rayclusters.yaml, v1, at ray-project/kuberay feeaf72); the fields trackcast relies on are
checked here by hand, as that schema is not vendored.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from api.health import router as health_router
from cli.cluster import HEAD_HEALTH_CHECKS
from cli.main import build_parser
from cluster import CAMERA_RESOURCE
from config import load_config
from tests.conftest import ROOT
from tests.test_docker import copied_to, exec_form, stages

COMPOSE = ROOT / "docker-compose.yml"
KUBERAY = ROOT / "deploy" / "kuberay.yaml"
COMPOSE_ENV = {"POSTGRES_PASSWORD": "compose-test-password", "TRACKCAST_ADMIN_TOKEN": "t" * 32}
"""What the user exports before ``docker compose up``."""
RAY_PORT = 6379


# -- compose's own interpolation and the shell's, as far as these files use them ------------------

COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::([?-])([^}]*))?\}")


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}`` and ``$$``."""

    def value(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name, kind, word = match[1], match[2], match[3]
        if env.get(name):
            return env[name]
        assert kind == "-", f"compose would stop: {word or name}"
        return word

    return COMPOSE_VARIABLE.sub(value, text)


def interpolated(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolated(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolated(item, env) for key, item in node.items()}
    return node


def shell_commands(script: str, env: Mapping[str, str]) -> list[list[str]]:
    """The commands of a ``a && exec b`` script, ``$NAME`` expanded from ``env``."""
    expanded = re.sub(r"\$\{?(\w+)\}?", lambda m: env[m[1]], script)
    commands = [shlex.split(part) for part in expanded.split("&&")]
    return [words[1:] if words[0] == "exec" else words for words in commands]


def trackcast_args(command: list[str]) -> Any:
    assert command[0] == "trackcast", command
    return build_parser().parse_args(command[1:])


# -- docker-compose.yml ---------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())  # merge keys (<<) resolved
    assert isinstance(loaded, dict)
    return dict(interpolated(loaded, COMPOSE_ENV))


def trackcast_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if name != "postgres"}


def service_commands(service: Mapping[str, Any]) -> list[list[str]]:
    """The trackcast commands a service runs: the image's entrypoint and its command, or the
    commands of its shell script."""
    if "entrypoint" in service:
        assert service["entrypoint"] == ["/bin/sh", "-c"]
        return shell_commands(service["command"][0], service["environment"])
    entrypoint = exec_form(stages()[-1].last("ENTRYPOINT"))
    return [[*entrypoint, *service["command"]]]


def test_compose_runs_postgres_a_head_two_workers_and_the_api_from_one_image() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "ray-head", "ray-worker", "api"}
    assert services["ray-worker"]["deploy"]["replicas"] == 2
    volume = exec_form(stages()[-1].last("VOLUME"))[0]
    for name, service in trackcast_services().items():
        assert service["image"] == "trackcast:latest" and service["build"] == ".", name
        assert f"trackcast-data:{volume}" in service["volumes"], name  # the shared data volume
        assert service["shm_size"], name  # Ray's object store
    assert set(compose()["volumes"]) == {"trackcast-data", "postgres-data"}


def test_compose_nodes_start_with_the_cli_and_find_the_head() -> None:
    services = trackcast_services()
    head = trackcast_args(service_commands(services["ray-head"])[0])
    assert (head.command, head.node, head.port) == ("cluster", "head", RAY_PORT)
    worker = trackcast_args(service_commands(services["ray-worker"])[0])
    assert (worker.command, worker.node) == ("cluster", "worker")
    assert worker.address == f"ray-head:{RAY_PORT}" == services["api"]["environment"]["RAY_ADDRESS"]
    assert worker.cameras is None  # measured, with the config's detector
    assert posixpath.join("/app", worker.config.as_posix()) == "/app/deploy/cluster.yaml"
    # Each node's health check (the image's HEALTHCHECK script) knocks on its own Ray port.
    health = {name: s["environment"]["TRACKCAST_HEALTH_URL"] for name, s in services.items()}
    assert health["ray-head"] == f"tcp://127.0.0.1:{RAY_PORT}"
    assert f"--node-manager-port={health['ray-worker'].rsplit(':', 1)[1]}" in worker.ray_options
    for name, service in services.items():
        assert service["healthcheck"]["test"] == ["CMD", "python", "/opt/trackcast/healthcheck.py"]
        assert copied_to(stages()[-1], "/opt/trackcast/healthcheck.py").is_file(), name


def test_compose_api_joins_then_serves_the_cluster_on_its_published_port() -> None:
    api = trackcast_services()["api"]
    join, serve = (trackcast_args(c) for c in service_commands(api))
    assert (join.command, join.node, join.address) == ("cluster", "join", f"ray-head:{RAY_PORT}")
    assert serve.command == "serve" and serve.cluster == f"ray-head:{RAY_PORT}"
    assert serve.host == "0.0.0.0" and api["ports"] == [f"127.0.0.1:{serve.port}:{serve.port}"]
    assert api["environment"]["TRACKCAST_HEALTH_URL"] == f"http://127.0.0.1:{serve.port}/readyz"


def test_compose_api_command_is_a_join_then_a_serve() -> None:
    """What parses on any branch: the script's two commands and the serve options it keeps."""
    api = trackcast_services()["api"]
    join, serve = service_commands(api)
    assert trackcast_args(join).node == "join"
    assert serve[:2] == ["trackcast", "serve"]
    assert serve[serve.index("--cluster") + 1] == api["environment"]["RAY_ADDRESS"]
    assert "--open" not in serve and api["environment"]["TRACKCAST_ADMIN_TOKEN"]


def test_compose_services_share_postgres_and_load_the_cluster_config() -> None:
    services = compose()["services"]
    postgres = services["postgres"]["environment"]
    config_file = copied_to(stages()[-1], "/app/deploy/cluster.yaml")
    for name, service in trackcast_services().items():
        config = load_config(config_file, env=service["environment"])
        assert config.storage.url == (
            f"postgresql+psycopg://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{postgres['POSTGRES_DB']}"
        ), name
        assert Path(config.data_dir).is_relative_to("/app/trackcast-data"), name  # the volume
        waits_for = {"postgres"} if name == "ray-head" else {"postgres", "ray-head"}
        assert service["depends_on"] == {w: {"condition": "service_healthy"} for w in waits_for}


# -- deploy/kuberay.yaml --------------------------------------------------------------------------


def kuberay() -> dict[str, dict[str, Any]]:
    documents = list(yaml.safe_load_all(KUBERAY.read_text()))
    kinds = {d["kind"]: d for d in documents}
    assert len(kinds) == len(documents)
    return kinds


def _container(pod_template: Mapping[str, Any]) -> dict[str, Any]:
    containers = pod_template["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def _resources(ray_start_params: Mapping[str, str]) -> dict[str, Any]:
    """KubeRay's ``resources`` format: a JSON string holding the JSON object, as a string."""
    if "resources" not in ray_start_params:
        return {}
    inner = json.loads(ray_start_params["resources"])
    assert isinstance(inner, str)
    return dict(json.loads(inner))


def test_the_manifest_has_a_raycluster_the_api_and_the_shared_volume() -> None:
    assert set(kuberay()) == {"PersistentVolumeClaim", "RayCluster", "Deployment", "Service"}
    volume = kuberay()["PersistentVolumeClaim"]
    assert volume["spec"]["accessModes"] == ["ReadWriteMany"]  # every node writes
    cluster = kuberay()["RayCluster"]
    assert cluster["apiVersion"] == "ray.io/v1"
    locked = re.search(r"^ray==(\S+)$", (ROOT / "constraints" / "cpu.txt").read_text(), re.M)
    assert locked and cluster["spec"]["rayVersion"] == locked[1]


def test_the_head_has_no_camera_slots_and_notices_lost_nodes_fast() -> None:
    head = kuberay()["RayCluster"]["spec"]["headGroupSpec"]
    assert all(isinstance(v, str) for v in head["rayStartParams"].values())  # CRD: strings
    assert CAMERA_RESOURCE not in _resources(head["rayStartParams"])
    container = _container(head["template"])
    assert "command" not in container  # KubeRay writes the `ray start` command
    assert {e["name"]: e["value"] for e in container["env"]} == HEAD_HEALTH_CHECKS
    assert container["readinessProbe"]["tcpSocket"]["port"] == RAY_PORT


def test_the_worker_group_declares_camera_slots() -> None:
    [group] = kuberay()["RayCluster"]["spec"]["workerGroupSpecs"]
    assert {"groupName", "minReplicas", "maxReplicas", "template"} <= set(group)  # CRD v1
    assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]
    params = group["rayStartParams"]
    assert all(isinstance(v, str) for v in params.values())
    slots = _resources(params)[CAMERA_RESOURCE]
    assert isinstance(slots, int) and slots > 0
    container = _container(group["template"])
    assert "command" not in container
    for probe in ("readinessProbe", "livenessProbe"):
        assert str(container[probe]["tcpSocket"]["port"]) == params["node-manager-port"]


def test_every_pod_mounts_the_shared_volume_where_the_image_keeps_its_data() -> None:
    claim = kuberay()["PersistentVolumeClaim"]["metadata"]["name"]
    spec = kuberay()["RayCluster"]["spec"]
    templates = [
        spec["headGroupSpec"]["template"],
        *(g["template"] for g in spec["workerGroupSpecs"]),
        kuberay()["Deployment"]["spec"]["template"],
    ]
    volume = exec_form(stages()[-1].last("VOLUME"))[0]
    for template in templates:
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in template["spec"]["volumes"]
            if "persistentVolumeClaim" in v
        }
        mounts = {m["mountPath"]: m["name"] for m in _container(template)["volumeMounts"]}
        assert claims[mounts[volume]] == claim
        assert _container(template)["image"] == "trackcast:latest"


def _api() -> tuple[dict[str, Any], dict[str, str]]:
    container = _container(kuberay()["Deployment"]["spec"]["template"])
    env = {e["name"]: e.get("value", "from a secret") for e in container["env"]}
    return container, env


def test_the_api_deployment_joins_then_serves_the_head_service() -> None:
    container, env = _api()
    assert container["command"] == ["/bin/sh", "-c"]
    join, serve = (trackcast_args(c) for c in shell_commands(container["args"][0], env))
    head_service = f"{kuberay()['RayCluster']['metadata']['name']}-head-svc:{RAY_PORT}"
    assert join.address == serve.cluster == head_service  # KubeRay's name for the head Service
    assert serve.port == container["ports"][0]["containerPort"]


def test_the_api_deployment_is_probed_and_exposed() -> None:
    container, env = _api()
    join, serve = shell_commands(container["args"][0], env)
    assert trackcast_args(join).address == env["RAY_ADDRESS"] == "trackcast-head-svc:6379"
    assert serve[:2] == ["trackcast", "serve"] and "--open" not in serve
    assert {"TRACKCAST_ADMIN_TOKEN", "TRACKCAST_STORAGE_URL"} <= set(env)
    routes = {getattr(route, "path", "") for route in health_router.routes}
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz" in routes
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz" in routes
    service = kuberay()["Service"]
    deployment = kuberay()["Deployment"]["spec"]
    assert service["spec"]["selector"] == deployment["template"]["metadata"]["labels"]
    assert deployment["selector"]["matchLabels"] == service["spec"]["selector"]
    port_names = {p["name"] for p in container["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    # The secret the header tells the user to create holds what the pods read.
    keys = {e["valueFrom"]["secretKeyRef"]["key"] for e in container["env"] if "valueFrom" in e}
    header = KUBERAY.read_text().split("apiVersion", 1)[0]
    assert all(f"--from-literal={key}=" in header for key in keys)
