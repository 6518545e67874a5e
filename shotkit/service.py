"""The seed's AssetService: async create, link and query over the same tables shotkit syncs.

Rows it creates are unmanaged (no owner label), so `shotkit sync --prune` never deletes them;
`shotkit export` brings them into the manifests. Each write method commits its own work.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from .registry import ATTEMPT, GENERATED, SELECTED_KEY, TAKE, TAKE_TYPE, VIDEO, take_name, video_name
from .tables import asset_relationships as rels
from .tables import assets


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class _Rows:
    """The statements every method builds on: insert an asset, find one, link children."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def _create(
        self,
        workspace_id: str,
        asset_type: str,
        name: str,
        *,
        url: str | None = None,
        duration: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        asset_id = uuid.uuid4()
        await self.db.execute(
            sa.insert(assets).values(
                id=asset_id,
                workspace_id=workspace_id,
                type=asset_type,
                name=name,
                url=url,
                duration=duration,
                asset_metadata=metadata or {},
            )
        )
        return asset_id

    async def _asset(self, asset_id: uuid.UUID, asset_type: str) -> sa.Row[Any]:
        row = (await self.db.execute(sa.select(assets).where(assets.c.id == asset_id))).first()
        if row is None or row.type != asset_type:
            raise ValueError(f"no {asset_type} asset with id {asset_id}")
        return row

    async def _link(
        self,
        parent: sa.Row[Any],
        children: list[uuid.UUID],
        relationship_type: str,
        sequences: list[int | None],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        existing = set(
            (
                await self.db.execute(
                    sa.select(rels.c.child_asset_id).where(
                        rels.c.parent_asset_id == parent.id, rels.c.relationship_type == relationship_type
                    )
                )
            ).scalars()
        )
        rows = [
            {
                "id": uuid.uuid4(),
                "workspace_id": parent.workspace_id,
                "parent_asset_id": parent.id,
                "child_asset_id": child,
                "relationship_type": relationship_type,
                "sequence": sequence,
                "relationship_metadata": metadata or {},
            }
            for child, sequence in zip(children, sequences)
            if child not in existing
        ]
        if rows:
            await self.db.execute(sa.insert(rels), rows)

    async def _next_sequence(self, parent_id: uuid.UUID, relationship_type: str) -> int:
        current = (
            await self.db.execute(
                sa.select(sa.func.max(rels.c.sequence)).where(
                    rels.c.parent_asset_id == parent_id, rels.c.relationship_type == relationship_type
                )
            )
        ).scalar()
        return (current or 0) + 1

    async def get_child_assets(
        self, parent_asset_id: uuid.UUID, relationship_type: str, asset_type: str
    ) -> list[dict[str, Any]]:
        query = (
            sa.select(assets, rels.c.sequence, rels.c.relationship_metadata)
            .join(rels, rels.c.child_asset_id == assets.c.id)
            .where(
                rels.c.parent_asset_id == parent_asset_id,
                rels.c.relationship_type == relationship_type,
                assets.c.type == asset_type,
            )
            .order_by(rels.c.sequence.asc().nulls_last(), assets.c.name, assets.c.id)
        )
        return [_as_dict(row) for row in (await self.db.execute(query)).mappings()]


class AssetService(_Rows):
    """The seed's service: each write method commits its own work."""

    async def create_shot(
        self,
        workspace_id: str,
        name: str,
        description: str | None = None,
        shot_number: str | None = None,
        camera_angle: str | None = None,
        duration_target: float | None = None,
        prompt: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        values = _present(
            shot_number=shot_number,
            description=description,
            camera_angle=camera_angle,
            duration_target=duration_target,
            prompt=prompt,
        )
        shot_id = await self._create(workspace_id, "shot", name, metadata={**(metadata or {}), **values})
        await self.db.commit()
        return shot_id

    async def create_character(
        self,
        workspace_id: str,
        name: str,
        description: str | None = None,
        url: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        asset_id = await self._create(
            workspace_id,
            "character_ref",
            name,
            url=url,
            metadata={**(metadata or {}), **_present(description=description)},
        )
        await self.db.commit()
        return asset_id

    async def create_audio(
        self,
        workspace_id: str,
        name: str,
        url: str | None = None,
        duration: float | None = None,
        kind: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        asset_id = await self._create(
            workspace_id,
            "audio",
            name,
            url=url,
            duration=duration,
            metadata={**(metadata or {}), **_present(kind=kind)},
        )
        await self.db.commit()
        return asset_id

    async def create_script(
        self, workspace_id: str, name: str, text: str | None = None, metadata: dict[str, Any] | None = None
    ) -> uuid.UUID:
        asset_id = await self._create(
            workspace_id, "script", name, metadata={**(metadata or {}), **_present(text=text)}
        )
        await self.db.commit()
        return asset_id

    async def link_shot_assets(
        self,
        shot_id: uuid.UUID,
        characters: list[uuid.UUID] | None = None,
        audios: list[uuid.UUID] | None = None,
        scripts: list[uuid.UUID] | None = None,
    ) -> None:
        """Link assets to a shot; list order is the `sequence` (audio: 1 = bottom layer)."""
        shot = await self._asset(shot_id, "shot")
        for relationship_type, children in (
            ("uses_character", characters),
            ("uses_audio", audios),
            ("uses_script", scripts),
        ):
            if children:
                start = await self._next_sequence(shot.id, relationship_type)
                await self._link(
                    shot, list(children), relationship_type, list(range(start, start + len(children)))
                )
        await self.db.commit()

    async def create_shot_take(
        self,
        shot_id: uuid.UUID,
        attempt_number: int,
        selected: bool = False,
        generation_params: dict[str, Any] | None = None,
        generation_cost: float | None = None,
        quality_score: float | None = None,
        director_notes: str | None = None,
    ) -> uuid.UUID:
        shot = await self._asset(shot_id, "shot")
        metadata = TAKE_TYPE.stored_by_key(
            attempt_number=attempt_number,
            selected=selected,
            generation_params=generation_params,
            generation_cost=generation_cost,
            quality_score=quality_score,
            director_notes=director_notes,
        )
        take_id = await self._create(shot.workspace_id, TAKE, take_name(attempt_number), metadata=metadata)
        await self._link(shot, [take_id], ATTEMPT, [attempt_number])
        await self.db.commit()
        return take_id

    async def link_take_video(
        self,
        take_id: uuid.UUID,
        video_url: str,
        duration: float | None = None,
        video_metadata: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        take = await self._asset(take_id, TAKE)
        video_id = await self._create(
            take.workspace_id,
            VIDEO,
            video_name(take.name),
            url=video_url,
            duration=duration,
            metadata=video_metadata or {},
        )
        await self._link(take, [video_id], GENERATED, [None])
        await self.db.commit()
        return video_id

    async def get_shot_takes(self, shot_id: uuid.UUID) -> list[dict[str, Any]]:
        return await self.get_child_assets(shot_id, ATTEMPT, TAKE)

    async def get_selected_take(self, shot_id: uuid.UUID) -> dict[str, Any] | None:
        for take in await self.get_shot_takes(shot_id):
            if take["asset_metadata"].get(SELECTED_KEY) is True:
                return take
        return None


def _as_dict(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "workspace_id": row["workspace_id"],
        "type": row["type"],
        "name": row["name"],
        "url": row["url"],
        "duration": row["duration"],
        "asset_metadata": dict(row["asset_metadata"] or {}),
        "sequence": row["sequence"],
        "relationship_metadata": dict(row["relationship_metadata"] or {}),
    }
