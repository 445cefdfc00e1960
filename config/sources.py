"""What cameras and models may reach: the deployment's ``sources`` section.

Standalone on purpose: ``config.models`` embeds :class:`SourcesConfig` without an import cycle.
Anyone with an admin token can point a camera or a detector at something; these settings decide
what the server will then open. The defaults open nothing local: no files, no loopback or private
network addresses, no model files.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Folder = Annotated[str, Field(min_length=1)]


class SourcesConfig(BaseModel):
    """Where file cameras, network cameras and ``detector.model`` files may come from.

    Checked when a camera is created or changed through the API (a 400 that names the key to
    change) and again each time a camera opens its source (cameras from the config file too: one
    that is not allowed goes to ``failed`` with the reason). ``trackcast track`` and the CLI's
    ``--model`` are the user's own command line and are not restricted.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    media_roots: tuple[Folder, ...] = Field(
        (),
        description="Directories file cameras may read. A file camera is allowed only when its "
        "path, with symbolic links resolved, lies under one of these (relative paths count from "
        "the working directory). Empty: no file cameras.",
    )
    private_networks: bool = Field(
        False,
        description="Let network cameras reach loopback, private (RFC 1918, IPv6 ULA), "
        "link-local, CGNAT and other non-public addresses, host names that resolve to them "
        "included. Most IP cameras sit on a LAN and need this; it is off so that an API client "
        "cannot make the server probe services on its own network.",
    )
    model_roots: tuple[Folder, ...] = Field(
        (),
        description="Directories detector.model files may come from (model files are "
        "unpickled, which can run code). The offline aliases and ultralytics model names such "
        "as yolo11n.pt are always allowed.",
    )
