"""Bring a database's schema up to date with the packaged alembic migrations."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import SQLAlchemyError

from storage.database import redacted, write_lock
from storage.errors import StorageError

MIGRATIONS = Path(__file__).with_name("migrations")


def migrate(engine: sa.Engine) -> None:
    """Upgrade to the newest revision (a no-op when already there)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with write_lock(engine), engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as error:
        url = redacted(engine.url.render_as_string(hide_password=False))
        raise StorageError(f"cannot migrate database {url}: {error}") from None
