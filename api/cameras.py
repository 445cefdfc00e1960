"""/api/cameras: list, create, read, change, delete cameras while the service runs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import ValidationError

from api.auth import authorize
from api.schemas import CameraOut, CameraPatch
from api.validation_errors import public_errors
from config import CameraConfig
from config.invalid_camera import InvalidCamera
from detectors import ModelError
from runtime.camera_set import Camera, CameraExistsError, CameraSet
from stream.errors import UnsupportedSourceError

router = APIRouter(prefix="/api/cameras", tags=["cameras"], dependencies=[Depends(authorize)])


def _cameras(request: Request) -> CameraSet:
    cameras: CameraSet = request.app.state.cameras
    return cameras


def _out(cameras: CameraSet, camera: Camera) -> CameraOut:
    if isinstance(camera, InvalidCamera):
        return CameraOut.invalid(camera)
    return CameraOut.of(camera, cameras.status(camera.id))


def _not_found(camera_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no camera {camera_id!r}")


@router.get("")
def list_cameras(request: Request) -> list[CameraOut]:
    cameras = _cameras(request)
    return [_out(cameras, camera) for camera in cameras.list_all()]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_camera(camera: CameraConfig, request: Request, response: Response) -> CameraOut:
    cameras = _cameras(request)
    try:
        created = cameras.create(camera)
    except CameraExistsError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except (ModelError, UnsupportedSourceError) as error:  # incl. what config.sources refuses
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    response.headers["Location"] = f"/api/cameras/{created.id}"
    return _out(cameras, created)


@router.get("/{camera_id}")
def get_camera(camera_id: str, request: Request) -> CameraOut:
    cameras = _cameras(request)
    try:
        return _out(cameras, cameras.find(camera_id))
    except KeyError:
        raise _not_found(camera_id) from None


@router.patch("/{camera_id}")
def update_camera(camera_id: str, patch: CameraPatch, request: Request) -> CameraOut:
    cameras = _cameras(request)
    try:
        updated = cameras.update(camera_id, patch.model_dump(exclude_unset=True))
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


@router.delete("/{camera_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_camera(camera_id: str, request: Request) -> None:
    try:
        _cameras(request).delete(camera_id)
    except KeyError:
        raise _not_found(camera_id) from None
