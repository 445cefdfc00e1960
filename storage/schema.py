"""The tables (SQLAlchemy Core). Changes go through a new migration in ``migrations/versions``."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.Float(precision=53)
SUBSCRIPTION_LENGTH = 600
CLIP_REASON_LENGTH = 500

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", Seq, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("camera_id", sa.String(64), nullable=False),
    sa.Column("time", Time, nullable=False),
    sa.Column("track_id", sa.Integer, nullable=True),
    sa.Column("class_name", sa.String(64), nullable=True),
    sa.Column("region", sa.String(64), nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("thumbnail", sa.String(255), nullable=True),
    sa.Column("clip_state", sa.String(16), nullable=True),  # NULL: its camera keeps no clips
    sa.Column("clip_reason", sa.String(CLIP_REASON_LENGTH), nullable=True),
    sa.Column("clip_path", sa.String(255), nullable=True),
    sa.Column("clip_bytes", sa.BigInteger, nullable=True),
    sa.Index("ix_events_camera_time", "camera_id", "time"),
    sa.Index("ix_events_clip_state_camera_time", "clip_state", "camera_id", "time"),
    sa.Index("ix_events_type_time", "type", "time"),
    sa.Index("ix_events_time", "time"),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", Seq, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("event_seq", sa.BigInteger, nullable=False),
    sa.Column("target", sa.String(2048), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
    sa.Column("failed_at", Time, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("subscription", sa.String(SUBSCRIPTION_LENGTH), nullable=True),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("subscription", sa.String(SUBSCRIPTION_LENGTH), nullable=False),
    sa.Column("event_seq", sa.BigInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Time, nullable=False),
    sa.Column("payload", sa.JSON, nullable=True),  # NULL: the events row has it
    sa.PrimaryKeyConstraint("subscription", "event_seq"),
)

counts = sa.Table(
    "counts",
    metadata,
    sa.Column("camera_id", sa.String(64), nullable=False),
    sa.Column("region", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("direction", sa.String(64), nullable=False),
    sa.Column("class_name", sa.String(64), nullable=False),
    sa.Column("bucket_start", sa.BigInteger, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint(
        "camera_id", "region", "kind", "direction", "class_name", "bucket_start"
    ),
    sa.Index("ix_counts_bucket", "bucket_start"),
)

cameras = sa.Table(
    "cameras",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("config", sa.JSON, nullable=True),  # NULL: deleted through the API
    sa.Column("updated_at", Time, nullable=False),
)
