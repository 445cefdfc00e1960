"""The cluster tests' PostgreSQL: the storage tests' session server, a fresh database each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.storage.conftest import PostgresServer
from tests.storage.conftest import postgres as postgres  # the session's server, shared


@pytest.fixture
def cluster_database(postgres: PostgresServer) -> Iterator[str]:
    """The URL of an empty database on the session's PostgreSQL server (dropped after)."""
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)
