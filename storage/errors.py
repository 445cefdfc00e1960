"""Storage failures, with database URLs always redacted."""


class StorageError(Exception):
    """The database cannot be opened, migrated or written."""
