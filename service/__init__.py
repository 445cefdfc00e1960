"""The composition root: one process's cameras, event storage, live feed and deliveries."""

from service.service import Service, build_service

__all__ = ["Service", "build_service"]
