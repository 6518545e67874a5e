"""The per-call AssetService path, for comparison: the same shots made one call at a time."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy.ext.asyncio import create_async_engine

from shotkit.service import AssetService

from . import shape

WORKSPACE = "bench-service"


async def _shot(service: AssetService, n: int, cast: list[uuid.UUID], pool: list[uuid.UUID]) -> None:
    """One shot of the production's shape: the shot, its 4 audio layers, its links, 3 takes with videos."""
    data = shape.shot(n)
    shot = await service.create_shot(WORKSPACE, data["name"], data["description"], prompt=data["prompt"])
    layers = [
        await service.create_audio(WORKSPACE, a["name"], a["url"], a["duration"], a["kind"])
        for a in shape.audio(n).values()
    ]
    characters = [cast[(n * 7 + k) % len(cast)] for k in range(3)]
    scripts = [pool[n % len(pool)], pool[(n * 3 + 1) % len(pool)]]
    await service.link_shot_assets(shot, characters, layers, scripts)
    for take in data["takes"]:
        made = await service.create_shot_take(
            shot, take["attempt"], take.get("selected", False), take["generation"], take["cost"]
        )
        video = take["video"]
        await service.link_take_video(made, video["url"], video["duration"])


async def _run(url: str, shots: int) -> float:
    engine = create_async_engine(url)
    try:
        from sqlalchemy.ext.asyncio import async_sessionmaker

        async with async_sessionmaker(engine)() as session:
            service = AssetService(session)
            cast = [await service.create_character(WORKSPACE, f"Character {i}") for i in range(20)]
            pool = [await service.create_script(WORKSPACE, f"Script {i}", "HERO: hi") for i in range(20)]
            start = time.perf_counter()
            for n in range(shots):
                await _shot(service, n, cast, pool)
            return (time.perf_counter() - start) / shots
    finally:
        await engine.dispose()


def per_shot(url: str, shots: int) -> float:
    """Seconds per shot through the AssetService (psycopg's async driver)."""
    return asyncio.run(_run(url, shots))
