"""WHERE clauses shared by the event and count queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

Condition = sa.ColumnElement[bool]


def matching(
    members: Iterable[tuple[sa.ColumnElement[Any], tuple[str, ...]]],
    time: sa.ColumnElement[Any],
    since: float | None,
    until: float | None,
) -> list[Condition]:
    """``column IN values`` for each non-empty tuple, and ``since <= time < until``."""
    conditions: list[Condition] = [column.in_(values) for column, values in members if values]
    if since is not None:
        conditions.append(time >= since)
    if until is not None:
        conditions.append(time < until)
    return conditions
