"""Open a database by SQLAlchemy URL: SQLite (default, WAL mode) or PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.errors import StorageError
from storage.private import private_sqlite
from stream.redact import redact_url

DB_FILE = "trackcast.db"
CONNECT_TIMEOUT_S = 5


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / DB_FILE}"


def redacted(url: str) -> str:
    """``url`` fit for logs and errors: password and secret query values (``?password=``)
    replaced by ``***``."""
    try:
        return redact_url(make_url(url).render_as_string(hide_password=True))
    except (ArgumentError, ValueError):
        return "<unparseable database URL>"  # where a password would be is anyone's guess


def _scrub(message: str, url: sa.URL) -> str:
    """``message`` (a driver's error) with the URL's password, if it shows, replaced by ``***``."""
    query_password = url.query.get("password", ())
    secrets = [
        url.password,
        *([query_password] if isinstance(query_password, str) else query_password),
    ]
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message


def open_database(url: str) -> sa.Engine:
    """An engine that has connected once; StorageError (URL redacted) if that fails."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StorageError(
            "not a database URL: expected dialect+driver://user:password@host:port/database "
            "or sqlite:///path/to/file.db"
        ) from None
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            directory = Path(parsed.database).parent
            try:
                directory.mkdir(parents=True, exist_ok=True)
                private_sqlite(Path(parsed.database))  # it holds camera passwords
            except OSError as error:
                raise StorageError(
                    f"cannot create {directory} for {redacted(url)}: {error}"
                ) from None
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    elif parsed.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        options["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(parsed, json_serializer=_json_dumps, **options)
    except (ArgumentError, ImportError, SQLAlchemyError) as error:
        reason = _scrub(str(error), parsed)
        if isinstance(error, ImportError) and parsed.get_backend_name() == "postgresql":
            reason += "; PostgreSQL needs the postgres extra: pip install 'trackcast[postgres]'"
        raise StorageError(f"cannot use database {redacted(url)}: {reason}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as error:
        engine.dispose()
        reason = _scrub(str(getattr(error, "orig", None) or error).splitlines()[0], parsed)
        raise StorageError(f"cannot open database {redacted(url)}: {reason}") from None
    return engine


_write_locks: weakref.WeakKeyDictionary[sa.Engine, threading.Lock] = weakref.WeakKeyDictionary()
_write_locks_guard = threading.Lock()


def write_lock(engine: sa.Engine) -> AbstractContextManager[object]:
    """Hold around every write transaction. SQLite allows one writer, and a deferred transaction
    that has to wait for the write lock can fail at once ("database is locked") instead of
    waiting out busy_timeout; all writers are in this process, so they queue here instead.
    Other databases handle concurrent writers themselves."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _write_locks_guard:
        lock = _write_locks.get(engine)
        if lock is None:
            lock = _write_locks[engine] = threading.Lock()
    return lock


def _json_dumps(value: object) -> str:
    """JSON for the ``data`` columns; numpy numbers and arrays (common in analysis results)
    become plain numbers and lists."""
    return json.dumps(value, default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _sqlite_pragmas(connection: sqlite3.Connection, _: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
