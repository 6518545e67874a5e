"""The seed's asset-centric tables, as SQLAlchemy Core (the Alembic migrations match these)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

Json = JSON().with_variant(JSONB(), "postgresql")

assets = Table(
    "assets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("url", Text, nullable=True),
    Column("duration", Float(precision=53), nullable=True),
    Column("asset_metadata", Json, nullable=False, server_default=text("'{}'")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # shotkit's bookkeeping: unmanaged rows (made by the AssetService, say) leave these NULL.
    Column("manifest_key", Text, nullable=True),
    Column("owner", Text, nullable=True),
    Column("source", Json, nullable=True),
    UniqueConstraint("workspace_id", "type", "manifest_key", name="uq_assets_manifest_key"),
    Index("ix_assets_workspace_type", "workspace_id", "type"),
)

asset_relationships = Table(
    "asset_relationships",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Text, nullable=False),
    Column(
        "parent_asset_id",
        Uuid,
        ForeignKey("assets.id", ondelete="CASCADE", name="fk_rel_parent"),
        nullable=False,
    ),
    Column(
        "child_asset_id",
        Uuid,
        ForeignKey("assets.id", ondelete="CASCADE", name="fk_rel_child"),
        nullable=False,
    ),
    Column("relationship_type", Text, nullable=False),
    Column("sequence", Integer, nullable=True),
    Column("relationship_metadata", Json, nullable=False, server_default=text("'{}'")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("owner", Text, nullable=True),
    UniqueConstraint("parent_asset_id", "child_asset_id", "relationship_type", name="uq_relationship"),
    Index("ix_rel_parent_type_seq", "parent_asset_id", "relationship_type", "sequence"),
    Index("ix_rel_child", "child_asset_id"),
    Index("ix_rel_workspace", "workspace_id"),
)

# One row per workspace per `shotkit sync`, written in the sync's transaction (shotkit.history).
sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ran_at", DateTime(timezone=True), nullable=False),
    Column("workspace_id", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("actor", Text, nullable=True),
    Column("commit_sha", Text, nullable=True),
    Column("run_url", Text, nullable=True),
    Column("applied", Boolean, nullable=False),
    Column("plan_fingerprint", Text, nullable=False),
    Column("state_fingerprint", Text, nullable=False),
    Column("summary", Json, nullable=False),
    Column("plan", Json, nullable=False),
    Index("ix_sync_runs_workspace", "workspace_id", "id"),
)
