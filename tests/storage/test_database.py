"""Opening and migrating databases; errors that never show a password."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage import StorageError, default_url, migrate, open_database


def test_migrating_twice_is_a_no_op(engine: sa.Engine) -> None:
    migrate(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"events", "dead_letters", "alembic_version"} <= tables
    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert len(version) == 1


def test_sqlite_runs_in_wal_mode_in_the_data_dir(tmp_path: Path) -> None:
    url = default_url(tmp_path / "nested" / "data")
    engine = open_database(url)
    try:
        with engine.connect() as connection:
            mode = connection.execute(sa.text("PRAGMA journal_mode")).scalar_one()
        assert mode == "wal"
        assert (tmp_path / "nested" / "data" / "trackcast.db").is_file()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://user:s3cret-pw@127.0.0.1:1/db",  # nothing listens on port 1
        "nosuchdb://user:s3cret-pw@host/db",
        "sqlite:////proc/no/such/dir/trackcast.db",
    ],
)
def test_unusable_databases_fail_fast_without_the_password(url: str) -> None:
    started = time.monotonic()
    with pytest.raises(StorageError) as raised:
        open_database(url)
    assert time.monotonic() - started < 10
    message = str(raised.value)
    assert "s3cret-pw" not in message
    if "user:" in url:
        assert "user:***@" in message
