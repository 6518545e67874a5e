"""Move the old `shot_characters (shot_id, character_id)` table into `uses_character` links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from .tables import asset_relationships as rels
from .tables import assets

LEGACY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shotkit.dev/legacy/shot_characters")


@dataclass(frozen=True)
class LegacyResult:
    found: bool
    moved: int = 0
    already: int = 0
    orphaned: int = 0


def migrate_shot_characters(connection: sa.Connection) -> LegacyResult:
    """Idempotent: pairs already linked are counted, not copied again. The old table is kept."""
    if not sa.inspect(connection).has_table("shot_characters"):
        return LegacyResult(found=False)
    legacy = sa.table("shot_characters", sa.column("shot_id", sa.Uuid), sa.column("character_id", sa.Uuid))
    pairs = connection.execute(sa.select(legacy.c.shot_id, legacy.c.character_id).distinct()).all()
    shots = sa.alias(assets, "s")
    characters = sa.alias(assets, "c")
    valid = {
        (row.shot_id, row.character_id): row.workspace_id
        for row in connection.execute(
            sa.select(legacy.c.shot_id, legacy.c.character_id, shots.c.workspace_id)
            .join(shots, sa.and_(shots.c.id == legacy.c.shot_id, shots.c.type == "shot"))
            .join(
                characters,
                sa.and_(characters.c.id == legacy.c.character_id, characters.c.type == "character_ref"),
            )
        )
    }
    existing = set(
        connection.execute(
            sa.select(rels.c.parent_asset_id, rels.c.child_asset_id).where(
                rels.c.relationship_type == "uses_character"
            )
        ).tuples()
    )
    new = [
        {
            "id": uuid.uuid5(LEGACY_NAMESPACE, f"{shot}/{character}"),
            "workspace_id": workspace,
            "parent_asset_id": shot,
            "child_asset_id": character,
            "relationship_type": "uses_character",
            "sequence": None,
            "relationship_metadata": {},
        }
        for (shot, character), workspace in sorted(
            valid.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
        )
        if (shot, character) not in existing
    ]
    if new:
        connection.execute(sa.insert(rels), new)
    return LegacyResult(True, moved=len(new), already=len(valid) - len(new), orphaned=len(pairs) - len(valid))
