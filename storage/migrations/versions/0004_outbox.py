"""The delivery outbox (events still to deliver, per subscription) and the subscription a dead
letter came from, so that it can be retried."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("subscription", sa.String(600), nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float(precision=53), nullable=False),
        sa.Column("payload", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("subscription", "event_seq"),
    )
    with op.batch_alter_table("dead_letters") as batch:
        batch.add_column(sa.Column("subscription", sa.String(600), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("subscription")
    op.drop_table("outbox")
