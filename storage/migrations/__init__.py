"""Alembic migrations, run in code by :func:`storage.migrate`."""
