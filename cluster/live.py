"""What a node agent tells API processes about its cameras' live frames and analysis.

:class:`LiveMethods` is mixed into the node agent actor (``cluster.agent.NodeAgent``): its
methods run on the node that runs the camera and answer API processes on any node.
"""

from __future__ import annotations

from runtime.cameras import CameraRuntime


class LiveMethods:
    """Live data of the cameras running in ``self.runtime`` (set by the agent)."""

    runtime: CameraRuntime
