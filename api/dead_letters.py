"""/api/deadletters: events a webhook gave up on, to inspect and clear."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import authorize
from api.deps import MAX_ID, not_found, service_of

router = APIRouter(prefix="/api/deadletters", tags=["delivery"], dependencies=[Depends(authorize)])


class DeadLetterOut(BaseModel):
    id: int
    event_id: str
    event_seq: int
    target: str
    attempts: int
    last_error: str
    failed_at: float
    payload: dict[str, Any]


@router.get("")
async def list_dead_letters(
    request: Request,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Only ids above this.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeadLetterOut]:
    store = service_of(request).store
    letters = await run_in_threadpool(store.dead_letters, limit, after)
    return [DeadLetterOut.model_validate(letter, from_attributes=True) for letter in letters]


@router.delete("/{letter_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_dead_letter(
    letter_id: Annotated[int, Path(ge=0, le=MAX_ID)], request: Request
) -> None:
    store = service_of(request).store
    if not await run_in_threadpool(store.delete_dead_letter, letter_id):
        raise not_found(f"dead letter {letter_id}")
