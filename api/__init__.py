"""The HTTP service (FastAPI): cameras, live tracks and events over REST, WebSocket and SSE.

Not built yet; the service arrives with the multi-camera runtime. Today trackcast runs as the
``trackcast track`` batch command (see ``cli``).
"""
