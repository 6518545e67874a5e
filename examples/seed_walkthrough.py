"""The seed guide's walkthrough ("Scene 3 - Confrontation"), run against a real database.

    python examples/seed_walkthrough.py postgresql+psycopg://user@host/db

Creates the characters, audio, scripts, the shot, its links and two takes with videos (take 2
selected), then runs every query of the guide and prints what they return. The tables must
exist (`shotkit db upgrade --database-url ...`).
"""
from __future__ import annotations

import asyncio
import sys
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from shotkit import AssetService

WORKSPACE = "workspace-123"


async def walkthrough(db: AsyncSession) -> dict[str, UUID]:
    asset_service = AssetService(db)
    ids: dict[str, UUID] = {}
    ids["hero"] = await asset_service.create_character(WORKSPACE, "Hero", description="Leader of the resistance")
    ids["villain"] = await asset_service.create_character(WORKSPACE, "Villain")
    ids["hero_dialogue"] = await asset_service.create_audio(WORKSPACE, "Why did you betray us?", url="https://cdn.example.com/hero.wav", kind="dialogue")
    ids["villain_dialogue"] = await asset_service.create_audio(WORKSPACE, "You were too weak!", url="https://cdn.example.com/villain.wav", kind="dialogue")
    ids["music"] = await asset_service.create_audio(WORKSPACE, "Tension music", url="https://cdn.example.com/tension.wav", duration=8.0, kind="music")
    ids["rain"] = await asset_service.create_audio(WORKSPACE, "Ambient rain", url="https://cdn.example.com/rain.wav", kind="ambient")
    ids["dialogue_script"] = await asset_service.create_script(WORKSPACE, "Dialogue script", text="HERO: Why did you betray us?\nVILLAIN: You were too weak!")
    ids["blocking_script"] = await asset_service.create_script(WORKSPACE, "Blocking notes", text="HERO steps out of the shadows.")

    # 1. Create shot (zero shot - text description only)
    shot_id = ids["shot"] = await asset_service.create_shot(
        workspace_id=WORKSPACE,
        name="Scene 3 - Confrontation",
        description="Hero confronts villain in the alley",
        shot_number="03A",
        camera_angle="medium two-shot",
        duration_target=8.0,
        prompt="Cinematic medium shot, hero and villain facing each other in dark alley",
    )
    # 2.-4. Link characters, audio tracks (in the guide's order) and scripts
    await asset_service.link_shot_assets(shot_id=shot_id, characters=[ids["hero"], ids["villain"]])
    await asset_service.link_shot_assets(shot_id=shot_id, audios=[ids["hero_dialogue"], ids["villain_dialogue"], ids["music"], ids["rain"]])
    await asset_service.link_shot_assets(shot_id=shot_id, scripts=[ids["dialogue_script"], ids["blocking_script"]])
    # 5.-6. First take and its video
    ids["take1"] = await asset_service.create_shot_take(
        shot_id=shot_id, attempt_number=1, selected=False,
        generation_params={"provider": "minimax", "model": "video-01"}, generation_cost=0.50,
    )
    ids["video1"] = await asset_service.link_take_video(
        take_id=ids["take1"], video_url="https://cdn.example.com/take1.mp4", duration=8.2,
        video_metadata={"width": 1920, "height": 1080, "fps": 24},
    )
    # 7. Director reviews - not happy, try again
    ids["take2"] = await asset_service.create_shot_take(
        shot_id=shot_id, attempt_number=2, selected=True,
        generation_params={"provider": "minimax", "model": "video-01", "seed": 54321},
        quality_score=9.5, director_notes="Perfect! Lighting and timing are excellent", generation_cost=0.50,
    )
    ids["video2"] = await asset_service.link_take_video(
        take_id=ids["take2"], video_url="https://cdn.example.com/take2.mp4", duration=8.1,
        video_metadata={"width": 1920, "height": 1080, "fps": 24},
    )
    return ids


async def queries(db: AsyncSession, shot_id: UUID) -> list[str]:
    """The guide's "Querying Shot Assets" section; returns the lines it prints."""
    asset_service = AssetService(db)
    out = []
    for char in await asset_service.get_child_assets(parent_asset_id=shot_id, relationship_type="uses_character", asset_type="character_ref"):
        out.append(f"Character: {char['name']}")
    for audio in await asset_service.get_child_assets(parent_asset_id=shot_id, relationship_type="uses_audio", asset_type="audio"):
        out.append(f"Audio #{audio['sequence']}: {audio['name']}")
    for script in await asset_service.get_child_assets(parent_asset_id=shot_id, relationship_type="uses_script", asset_type="script"):
        out.append(f"Script: {script['name']}")
    for take in await asset_service.get_shot_takes(shot_id):
        metadata = take["asset_metadata"]
        selected = metadata.get("selected", False)
        out.append(f"Take {metadata.get('attempt_number')}: {'SELECTED' if selected else 'alternate'} (score: {metadata.get('quality_score')})")
    selected_take = await asset_service.get_selected_take(shot_id)
    if selected_take:
        videos = await asset_service.get_child_assets(parent_asset_id=UUID(selected_take["id"]), relationship_type="generated_video", asset_type="video")
        if videos:
            out.append(f"Selected video: {videos[0]['url']}")
    return out


async def main(url: str) -> None:
    engine = create_async_engine(url)
    async with async_sessionmaker(engine)() as session:
        ids = await walkthrough(session)
        for line in await queries(session, ids["shot"]):
            print(line)
    await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python examples/seed_walkthrough.py DATABASE_URL (postgresql+psycopg://... or sqlite+aiosqlite:///...)")
    asyncio.run(main(sys.argv[1]))
