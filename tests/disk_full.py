"""A SQLite database whose disk fills up on demand: SQLite's own "database or disk is full"."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

NO_LIMIT = 1_073_741_823  # SQLite's default max_page_count


class DiskLimit:
    """Caps a SQLite database at its current size, as a full disk would, until :meth:`free`.

    ``PRAGMA max_page_count`` holds per connection, so it is set on every connection the pool
    hands out: any write that needs a new page then fails with a real OperationalError
    ("database or disk is full"), while reads go on.
    """

    def __init__(self, engine: sa.Engine) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("DiskLimit needs a SQLite database")
        self._engine = engine
        self._pages = NO_LIMIT
        event.listen(engine, "checkout", self._apply)

    def fill(self) -> None:
        """From now on the database cannot grow."""
        with self._engine.connect() as connection:
            self._pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())

    def free(self) -> None:
        """Room again: writes work from the next connection checkout on."""
        self._pages = NO_LIMIT

    def _apply(
        self, dbapi_connection: object, _: ConnectionPoolEntry, __: PoolProxiedConnection
    ) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute(f"PRAGMA max_page_count = {int(self._pages)}")
        cursor.close()
