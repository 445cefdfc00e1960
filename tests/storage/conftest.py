"""Every storage test runs on SQLite and on a real PostgreSQL server started for the session."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage import EventStore, migrate, open_database
from tests.servers.trackcast_server import free_port
from tests.waiting import scaled

PG_INSTALL = Path("/usr/lib/postgresql")
COMMAND_TIMEOUT_S = 90


class PostgresServer:
    """A throwaway cluster in a temp dir, listening on 127.0.0.1 only (its unix socket is in the
    temp dir too). As root it runs as ``postgres``: PostgreSQL refuses to run as root."""

    def __init__(self) -> None:
        found = sorted(PG_INSTALL.glob("*/bin/pg_ctl"), key=_version)
        if not found:
            pytest.fail(
                f"PostgreSQL is missing (no {PG_INSTALL}/*/bin/pg_ctl): install Debian's "
                "postgresql package, e.g. with scripts/setup.sh"
            )
        self.bin = found[-1].parent
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.fail("running as root needs runuser to start PostgreSQL as postgres")
            self._as_user = [runuser, "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="trackcast-pg-"))
        if self._as_user:
            shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._admin: sa.Engine | None = None

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "trackcast", "--auth=trust",
                  "--no-sync", "--encoding=UTF8")  # fmt: skip
        self.resume()
        self._admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")

    def resume(self) -> None:
        """Start the server process (again, after :meth:`halt`), on the same port."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log),
                  "-w", "-t", "60", "start")  # fmt: skip

    def halt(self) -> None:
        """Stop the server process, keeping its data: a database that goes down."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def stop(self) -> None:
        try:
            if self._admin is not None:
                self._admin.dispose()
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://trackcast@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"test_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _sql(self, statement: str) -> None:
        assert self._admin is not None, "the server is not started"
        with self._admin.connect() as connection:
            connection.execute(sa.text(statement))

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self._as_user, str(self.bin / program), *arguments]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True,
                           timeout=scaled(COMMAND_TIMEOUT_S), cwd="/")  # fmt: skip
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            output = "".join(_text(stream) for stream in (error.stdout, error.stderr)).strip()
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            pytest.fail(f"PostgreSQL {program} failed ({error}):\n{output}\n{log}")


def _text(output: str | bytes | None) -> str:
    """What a command printed (TimeoutExpired keeps bytes even with ``text=True``)."""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def _version(pg_ctl: Path) -> tuple[int, ...]:
    """(15,) for /usr/lib/postgresql/15/bin/pg_ctl."""
    return tuple(int(part) for part in pg_ctl.parents[1].name.split(".") if part.isdigit())


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a fresh database on the session's
    PostgreSQL server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trackcast.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = open_database(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: sa.Engine) -> EventStore:
    return EventStore(engine)
