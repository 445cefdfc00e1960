"""Each event's clip state (pending, ready, failed, expired), the reason, its file and size;
the index serves clip retention (ready clips of a camera, oldest first)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("clip_state", sa.String(16), nullable=True))
        batch.add_column(sa.Column("clip_reason", sa.String(500), nullable=True))
        batch.add_column(sa.Column("clip_path", sa.String(255), nullable=True))
        batch.add_column(sa.Column("clip_bytes", sa.BigInteger, nullable=True))
    op.create_index(
        "ix_events_clip_state_camera_time", "events", ["clip_state", "camera_id", "time"]
    )


def downgrade() -> None:
    op.drop_index("ix_events_clip_state_camera_time", table_name="events")
    with op.batch_alter_table("events") as batch:
        for column in ("clip_bytes", "clip_path", "clip_reason", "clip_state"):
            batch.drop_column(column)
