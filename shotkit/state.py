"""The database's side: a workspace's rows, read in two set-based queries, and their fingerprint."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from .tables import asset_relationships as rels
from .tables import assets

ASSET_FIELDS = ("workspace_id", "type", "name", "url", "duration", "asset_metadata")
BOOKKEEPING_FIELDS = ("manifest_key", "owner", "source")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class State:
    workspace: str
    assets: dict[str, dict] = field(default_factory=dict)  # id (str) -> row
    links: dict[tuple[str, str, str], dict] = field(default_factory=dict)  # (parent, child, type) -> row

    @property
    def fingerprint(self) -> str:
        """A digest of every row of the workspace, so a saved plan can tell it went stale."""
        digest = hashlib.sha256()
        for asset_id in sorted(self.assets):
            row = self.assets[asset_id]
            digest.update(canonical_json([asset_id] + [row[f] for f in ASSET_FIELDS + BOOKKEEPING_FIELDS]).encode())
        for ident in sorted(self.links):
            row = self.links[ident]
            digest.update(canonical_json([row["id"], *ident, row["sequence"], row["relationship_metadata"], row["owner"]]).encode())
        return "sha256:" + digest.hexdigest()


def _asset_row(row: Any) -> dict:
    return {
        "id": str(row.id),
        "workspace_id": row.workspace_id,
        "type": row.type,
        "name": row.name,
        "url": row.url,
        "duration": row.duration,
        "asset_metadata": dict(row.asset_metadata or {}),
        "manifest_key": row.manifest_key,
        "owner": row.owner,
        "source": row.source,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


def _link_row(row: Any) -> dict:
    return {
        "id": str(row.id),
        "workspace_id": row.workspace_id,
        "parent_asset_id": str(row.parent_asset_id),
        "child_asset_id": str(row.child_asset_id),
        "relationship_type": row.relationship_type,
        "sequence": row.sequence,
        "relationship_metadata": dict(row.relationship_metadata or {}),
        "owner": row.owner,
    }


def read(connection: sa.Connection, workspace: str) -> State:
    state = State(workspace)
    for row in connection.execute(sa.select(assets).where(assets.c.workspace_id == workspace)):
        state.assets[str(row.id)] = _asset_row(row)
    for row in connection.execute(sa.select(rels).where(rels.c.workspace_id == workspace)):
        link = _link_row(row)
        state.links[(link["parent_asset_id"], link["child_asset_id"], link["relationship_type"])] = link
    return state


def workspaces(connection: sa.Connection) -> list[str]:
    return list(connection.execute(sa.select(assets.c.workspace_id).distinct().order_by(assets.c.workspace_id)).scalars())
