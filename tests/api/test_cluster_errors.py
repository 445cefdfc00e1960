"""A request the cluster does not answer is a 503 with Retry-After, not a 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import cluster_errors
from cluster import ClusterError


def test_a_cluster_error_is_a_503_saying_why() -> None:
    app = FastAPI()
    cluster_errors.install(app)

    @app.get("/cameras")
    def cameras() -> None:
        raise ClusterError("the cluster did not answer: the controller is restarting")

    answer = TestClient(app).get("/cameras")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert answer.json() == {"detail": "the cluster did not answer: the controller is restarting"}
