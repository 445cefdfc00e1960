"""/api/cameras: list, create, read, change, delete cameras while the service runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response, status
from pydantic import ValidationError

from api.auth import authorize
from api.responses import READ, errors
from api.schemas import CameraOut, CameraPatch
from api.validation_errors import public_errors
from config import CameraConfig
from config.invalid_camera import InvalidCamera
from detectors import ModelError
from runtime.camera_set import Camera, CameraExistsError
from service.ports import Cameras
from stream.errors import UnsupportedSourceError

router = APIRouter(
    prefix="/api/cameras", tags=["cameras"], dependencies=[Depends(authorize)], responses=READ
)

NEW_CAMERA_EXAMPLES = {
    "rtsp": {
        "summary": "An RTSP camera with a counting line",
        "value": {
            "id": "door",
            "url": "rtsp://admin:secret@192.0.2.10:554/stream1",
            "fps_cap": 5,
            "lines": [{"name": "entrance", "points": [[0.1, 0.6], [0.9, 0.6]]}],
        },
    },
    "file": {
        "summary": "A looping file with its own detector",
        "value": {
            "id": "demo",
            "url": "data/vtest.avi",
            "loop": True,
            "detector": {"model": "coco-yolov3-tiny", "classes": ["person"]},
        },
    },
}


def _cameras(request: Request) -> Cameras:
    cameras: Cameras = request.app.state.cameras
    return cameras


def _out(cameras: Cameras, camera: Camera) -> CameraOut:
    if isinstance(camera, InvalidCamera):
        return CameraOut.invalid(camera)
    return CameraOut.of(camera, cameras.status(camera.id))


def _not_found(camera_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no camera {camera_id!r}")


@router.get("", name="list", summary="List cameras")
def list_cameras(request: Request) -> list[CameraOut]:
    """Every camera with its settings (URLs redacted) and health, saved invalid ones included
    (``failed`` with the reason)."""
    cameras = _cameras(request)
    return [_out(cameras, camera) for camera in cameras.list_all()]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    name="create",
    summary="Add a camera",
    responses={
        201: {"description": "Created; ``Location`` names the new camera."},
        **errors(400, 403, 409, 413),
    },
)
def create_camera(
    camera: Annotated[CameraConfig, Body(openapi_examples=NEW_CAMERA_EXAMPLES)],
    request: Request,
    response: Response,
) -> CameraOut:
    """Add a camera with the settings of a ``cameras`` entry of the config file; an enabled one
    starts at once. It is saved and comes back after a restart."""
    cameras = _cameras(request)
    try:
        created = cameras.create(camera)
    except CameraExistsError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except (ModelError, UnsupportedSourceError) as error:  # incl. what config.sources refuses
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    response.headers["Location"] = f"/api/cameras/{created.id}"
    return _out(cameras, created)


@router.get("/{camera_id}", name="get", summary="Read a camera", responses=errors(404))
def get_camera(camera_id: str, request: Request) -> CameraOut:
    """The camera's settings (URL redacted) and health."""
    cameras = _cameras(request)
    try:
        return _out(cameras, cameras.find(camera_id))
    except KeyError:
        raise _not_found(camera_id) from None


@router.patch(
    "/{camera_id}",
    name="update",
    summary="Change a camera",
    responses=errors(400, 403, 404, 413),
)
def update_camera(camera_id: str, patch: CameraPatch, request: Request) -> CameraOut:
    """Change some of the camera's settings: detector, tracker, reconnect, motion, lines and zones
    included. Each field sent replaces that setting whole; the others stay. A running camera
    restarts its pipeline with the new settings (its open tracks end)."""
    cameras = _cameras(request)
    try:
        updated = cameras.update(camera_id, patch.changes())
    except KeyError:
        raise _not_found(camera_id) from None
    except ValidationError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            public_errors(error.errors(include_url=False), prefix=("body",)),
        ) from None
    except (ModelError, UnsupportedSourceError) as error:  # incl. what config.sources refuses
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    return _out(cameras, updated)


@router.delete(
    "/{camera_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="delete",
    summary="Remove a camera",
    responses=errors(403, 404),
)
def delete_camera(camera_id: str, request: Request) -> None:
    """Stop the camera and forget it (its stored events and counts stay)."""
    try:
        _cameras(request).delete(camera_id)
    except KeyError:
        raise _not_found(camera_id) from None
