"""The seed's assets and asset_relationships tables, with shotkit's bookkeeping columns.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("duration", sa.Float(precision=53), nullable=True),
        sa.Column("asset_metadata", Json, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("manifest_key", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("source", Json, nullable=True),
        sa.UniqueConstraint("workspace_id", "type", "manifest_key", name="uq_assets_manifest_key"),
    )
    op.create_index("ix_assets_workspace_type", "assets", ["workspace_id", "type"])
    op.create_table(
        "asset_relationships",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column(
            "parent_asset_id",
            sa.Uuid(),
            sa.ForeignKey("assets.id", ondelete="CASCADE", name="fk_rel_parent"),
            nullable=False,
        ),
        sa.Column(
            "child_asset_id",
            sa.Uuid(),
            sa.ForeignKey("assets.id", ondelete="CASCADE", name="fk_rel_child"),
            nullable=False,
        ),
        sa.Column("relationship_type", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("relationship_metadata", Json, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.UniqueConstraint("parent_asset_id", "child_asset_id", "relationship_type", name="uq_relationship"),
    )
    op.create_index(
        "ix_rel_parent_type_seq", "asset_relationships", ["parent_asset_id", "relationship_type", "sequence"]
    )
    op.create_index("ix_rel_child", "asset_relationships", ["child_asset_id"])
    op.create_index("ix_rel_workspace", "asset_relationships", ["workspace_id"])


def downgrade() -> None:
    op.drop_table("asset_relationships")
    op.drop_table("assets")
