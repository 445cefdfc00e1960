"""/api/deadletters: events a webhook or MQTT gave up on, to inspect, retry and clear.

A retry puts the event back in the outbox of the destination it came from (due now, attempts
counted from 1 again, after the events queued before it: delivery is in seq order) and deletes
the dead letter; a letter whose destination is no longer configured stays (409)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.auth import authorize
from api.deps import MAX_ID, not_found, service_of
from api.responses import READ, ErrorOut, errors
from service.dead_letters import RetryOutcome

router = APIRouter(
    prefix="/api/deadletters", tags=["delivery"], dependencies=[Depends(authorize)], responses=READ
)


class DeadLetterOut(BaseModel):
    """An event a destination gave up on, with its last error."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "event_id": "018bd2a7c5e0f3a1b2c3d4e5f6a7b8c9",
                    "event_seq": 42,
                    "target": "https://hooks.example.com/trackcast",
                    "attempts": 5,
                    "last_error": "HTTP 503",
                    "failed_at": 1700000060.0,
                    "payload": {"type": "line.crossed", "camera_id": "door"},
                    "subscription": "webhook:0123456789abcdef",
                }
            ]
        }
    )

    id: int
    event_id: str
    event_seq: int
    target: str
    attempts: int
    last_error: str
    failed_at: float
    payload: dict[str, Any] = Field(description="The event as it was sent.")
    subscription: str | None = Field(
        description="The destination's outbox key (null for letters from before the outbox)."
    )


class RetriedOut(BaseModel):
    """A dead letter put back in the outbox."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "event_id": "018bd2a7c5e0f3a1b2c3d4e5f6a7b8c9",
                    "subscription": "webhook:0123456789abcdef",
                    "target": "https://hooks.example.com/trackcast",
                }
            ]
        }
    )

    id: int = Field(description="The dead letter's id (it is deleted).")
    event_id: str
    subscription: str = Field(description="The outbox key it was queued for.")
    target: str = Field(description="The destination, credentials redacted.")


class RetriedAllOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"queued": 4, "kept": 1}]})

    queued: int = Field(description="Dead letters put back in the outbox (and deleted).")
    kept: int = Field(description="Dead letters kept: their destination is not configured.")


@router.get("", name="dead_letters_list", summary="List dead letters")
async def list_dead_letters(
    request: Request,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Only ids above this.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most letters to return.")] = 100,
) -> list[DeadLetterOut]:
    """Events a webhook or MQTT gave up on, oldest first; page with ``after`` (the last id)."""
    store = service_of(request).store
    letters = await run_in_threadpool(store.dead_letters, limit, after)
    return [DeadLetterOut.model_validate(letter, from_attributes=True) for letter in letters]


@router.delete(
    "/{letter_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="dead_letter_delete",
    summary="Delete a dead letter",
    responses=errors(403, 404),
)
async def delete_dead_letter(
    letter_id: Annotated[int, Path(ge=0, le=MAX_ID)], request: Request
) -> None:
    """Forget a dead letter without sending it again."""
    store = service_of(request).store
    if not await run_in_threadpool(store.delete_dead_letter, letter_id):
        raise not_found(f"dead letter {letter_id}")


@router.post(
    "/retry",
    name="dead_letters_retry",
    summary="Retry every dead letter",
    responses={
        status.HTTP_200_OK: {"description": "How many were queued and kept."},
        **errors(403),
    },
)
async def retry_dead_letters(
    request: Request,
    target: Annotated[
        str | None,
        Query(max_length=2048, description="Only letters of this target (as listed)."),
    ] = None,
) -> RetriedAllOut:
    """Put every dead letter (of ``target``, if given) back in its destination's outbox, due
    now; letters whose destination is no longer configured are kept."""
    retry = service_of(request).dead_letters
    queued, kept = await run_in_threadpool(retry.retry_all, target)
    return RetriedAllOut(queued=queued, kept=kept)


@router.post(
    "/{letter_id}/retry",
    name="dead_letter_retry",
    summary="Retry one dead letter",
    responses={
        **errors(403, 404, 409),
        status.HTTP_409_CONFLICT: {
            "model": ErrorOut,
            "description": "Its destination is no longer configured.",
        },
    },
)
async def retry_dead_letter(
    letter_id: Annotated[int, Path(ge=0, le=MAX_ID)], request: Request
) -> RetriedOut:
    """Put the dead letter back in the outbox of the destination it came from, due now; 409 if
    that destination is no longer configured."""
    service = service_of(request)
    letter = await run_in_threadpool(service.store.get_dead_letter, letter_id)
    if letter is None:
        raise not_found(f"dead letter {letter_id}")
    result = await run_in_threadpool(service.dead_letters.retry, letter_id)
    if result.outcome is RetryOutcome.NOT_FOUND:
        raise not_found(f"dead letter {letter_id}")
    if result.outcome is RetryOutcome.NO_SUBSCRIPTION or result.subscription is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"dead letter {letter_id}: its destination {letter.target} is no longer configured",
        )
    subscription = result.subscription
    return RetriedOut(
        id=letter_id,
        event_id=letter.event_id,
        subscription=subscription.key,
        target=subscription.target,
    )
