"""The HTTP service (FastAPI): cameras and their health today; tracks and events next."""
