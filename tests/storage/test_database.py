"""Opening and migrating databases; errors that never show a password."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from events import Event
from storage import EventStore, StorageError, default_url, migrate, open_database
from storage.schema import metadata
from tests.storage.conftest import PostgresServer


def test_the_migrations_build_exactly_the_schema(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    inspector = sa.inspect(engine)
    indexes = {index["name"]: index["column_names"] for index in inspector.get_indexes("events")}
    assert indexes["ix_events_camera_time"] == ["camera_id", "time"]
    assert indexes["ix_events_type_time"] == ["type", "time"]
    assert indexes["ix_events_time"] == ["time"]
    seq = next(c for c in inspector.get_columns("events") if c["name"] == "seq")
    expected = sa.Integer if engine.dialect.name == "sqlite" else sa.BigInteger
    assert type(seq["type"]) is expected or isinstance(seq["type"], expected)


def test_migrating_again_is_a_no_op(engine: sa.Engine) -> None:
    store = EventStore(engine)
    [kept] = store.insert([(Event(type="track.started", camera_id="a", time=1.0), None)])
    migrate(engine)
    migrate(engine)
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1
    assert store.get(kept.event.id) == kept


def test_default_url_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    assert default_url(tmp_path) == f"sqlite:///{tmp_path}/trackcast.db"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = open_database(default_url(tmp_path / "nested" / "data"))
    try:
        with engine.connect() as first, engine.connect() as second:  # every pooled connection
            for connection in (first, second):
                pragma = connection.exec_driver_sql
                assert pragma("PRAGMA journal_mode").scalar_one() == "wal"
                assert pragma("PRAGMA busy_timeout").scalar_one() >= 5000
                assert pragma("PRAGMA foreign_keys").scalar_one() == 1
        assert (tmp_path / "nested" / "data" / "trackcast.db").is_file()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # nothing listens on port 1
        ("postgresql+psycopg://user:s3cret-pw@127.0.0.1:1/db", "user:***@127.0.0.1:1/db"),
        ("postgresql+psycopg://user@127.0.0.1:1/db?password=s3cret-pw", "password=***"),
        ("nosuchdb://user:s3cret-pw@host/db", "nosuchdb://user:***@host/db"),
        ("not a url s3cret-pw", "not a database URL"),
        ("postgresql+psycopg://user:s3cret-pw@host:port/db", "not a database URL"),
        ("sqlite:////proc/no/such/dir/trackcast.db", "/proc/no/such/dir"),
    ],
)
def test_unusable_databases_fail_fast_without_the_password(url: str, shown: str) -> None:
    started = time.monotonic()
    with pytest.raises(StorageError) as raised:
        open_database(url)
    assert time.monotonic() - started < 10
    assert "s3cret-pw" not in str(raised.value)
    assert shown in str(raised.value)


def test_a_refused_login_does_not_show_the_password(postgres: PostgresServer) -> None:
    url = postgres.url().replace("trackcast@", "nobody:s3cret-pw@")  # no such role
    with pytest.raises(StorageError) as raised:
        open_database(url)
    assert "s3cret-pw" not in str(raised.value)
    assert "nobody:***@127.0.0.1" in str(raised.value)


def test_missing_postgresql_fails_the_run_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("tests.storage.conftest.PG_INSTALL", tmp_path / "no-postgresql")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is missing"):
        PostgresServer()


def test_postgresql_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg comes with the postgres extra: a plain install says how to add it."""
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    with pytest.raises(StorageError) as caught:
        open_database("postgresql+psycopg://user:s3cret-pw@127.0.0.1:1/db")
    message = str(caught.value)
    assert "pip install 'trackcast[postgres]'" in message and "s3cret-pw" not in message
