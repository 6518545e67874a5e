"""The database's side: a workspace's rows, read in two set-based queries, and their fingerprint."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from .tables import asset_relationships as rels
from .tables import assets

ASSET_FIELDS = ("workspace_id", "type", "name", "url", "duration", "asset_metadata")
BOOKKEEPING_FIELDS = ("manifest_key", "owner", "source")


def same(a: Any, b: Any) -> bool:
    """JSON equality that tells 1 from 1.0 and true from 1 (Python's == does not),
    and ignores key order (jsonb keeps none)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(value, b[key]) for key, value in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


@dataclass
class State:
    workspace: str
    assets: dict[str, dict] = field(default_factory=dict)  # id (str) -> row
    links: dict[tuple[str, str, str], dict] = field(default_factory=dict)  # (parent, child, type) -> row
    fingerprint: str = ""  # a digest of every row, so a saved plan can tell it went stale


def _columns(table: sa.Table, dialect: str) -> list:
    """The table's columns, uuids as text on PostgreSQL (no UUID object per value), and a
    link's metadata NULL when empty (most links: the driver is spared decoding `{}`)."""
    out: list = []
    for column in table.c:
        if dialect == "postgresql" and isinstance(column.type, sa.Uuid):
            out.append(sa.cast(column, sa.Text).label(column.name))
        elif column.name == "relationship_metadata":
            out.append(sa.func.nullif(column, sa.literal_column("'{}'"), type_=column.type).label(column.name))
        else:
            out.append(column)
    return out


def read(connection: sa.Connection, workspace: str) -> State:
    """Two queries for the whole workspace. The fingerprint hashes the rows as the driver
    returns them, ordered by id, JSON keys in the database's own order: the same rows give
    the same digest, and any write to them (`updated_at` included) changes it."""
    dialect = connection.dialect.name
    query = sa.select(*_columns(assets, dialect)).where(assets.c.workspace_id == workspace).order_by(assets.c.id)
    asset_rows = [tuple(row) for row in connection.execute(query).all()]
    query = sa.select(*_columns(rels, dialect)).where(rels.c.workspace_id == workspace).order_by(rels.c.id)
    link_rows = [tuple(row) for row in connection.execute(query).all()]
    digest = hashlib.sha256(repr((asset_rows, link_rows)).encode()).hexdigest()
    state = State(workspace, fingerprint="sha256:" + digest)
    asset_names = [c.name for c in assets.c]
    for values in asset_rows:
        row = dict(zip(asset_names, values))
        row["id"] = str(row["id"])
        row["asset_metadata"] = row["asset_metadata"] or {}
        row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
        del row["updated_at"]
        state.assets[row["id"]] = row
    link_names = [c.name for c in rels.c]
    for values in link_rows:
        row = dict(zip(link_names, values))
        for name in ("id", "parent_asset_id", "child_asset_id"):
            row[name] = str(row[name])
        row["relationship_metadata"] = row["relationship_metadata"] or {}
        del row["created_at"]
        state.links[(row["parent_asset_id"], row["child_asset_id"], row["relationship_type"])] = row
    return state


def workspaces(connection: sa.Connection) -> list[str]:
    return list(connection.execute(sa.select(assets.c.workspace_id).distinct().order_by(assets.c.workspace_id)).scalars())
