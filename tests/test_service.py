"""The seed's AssetService walkthrough and its four SQL queries, on real databases."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from .conftest import ROOT, async_url, upgraded

spec = importlib.util.spec_from_file_location("seed_walkthrough", ROOT / "examples" / "seed_walkthrough.py")
walkthrough = importlib.util.module_from_spec(spec)
sys.modules["seed_walkthrough"] = walkthrough
spec.loader.exec_module(walkthrough)

EXPECTED_LINES = [
    "Character: Hero",
    "Character: Villain",
    "Audio #1: Why did you betray us?",
    "Audio #2: You were too weak!",
    "Audio #3: Tension music",
    "Audio #4: Ambient rain",
    "Script: Dialogue script",
    "Script: Blocking notes",
    "Take 1: alternate (score: None)",
    "Take 2: SELECTED (score: 9.5)",
    "Selected video: https://cdn.example.com/take2.mp4",
]


def run_walkthrough(url: str) -> tuple[dict, list[str]]:
    async def go():
        engine = create_async_engine(async_url(url))
        try:
            async with async_sessionmaker(engine)() as session:
                ids = await walkthrough.walkthrough(session)
                return ids, await walkthrough.queries(session, ids["shot"])
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_walkthrough_queries(any_url: str, tmp_path: Path) -> None:
    upgraded(any_url, tmp_path)
    _ids, lines = run_walkthrough(any_url)
    assert lines == EXPECTED_LINES


def test_rows_from_service_are_unmanaged(any_url: str, tmp_path: Path) -> None:
    database = upgraded(any_url, tmp_path)
    run_walkthrough(any_url)
    with database.engine.connect() as connection:
        owners = connection.execute(sa.text("SELECT DISTINCT owner FROM assets")).scalars().all()
        count = connection.execute(sa.text("SELECT count(*) FROM assets")).scalar()
    assert owners == [None]
    assert count == 8 + 1 + 2 + 2


SQL_STRUCTURE = """
SELECT
    s.id as shot_id,
    s.name as shot_name,
    a.id as asset_id,
    a.name as asset_name,
    a.type as asset_type,
    r.relationship_type,
    r.sequence
FROM assets s
JOIN asset_relationships r ON r.parent_asset_id = s.id
JOIN assets a ON a.id = r.child_asset_id
WHERE s.id = :shot_id
  AND s.type = 'shot'
ORDER BY r.relationship_type, r.sequence NULLS LAST;
"""

SQL_CHARACTERS = """
SELECT a.*
FROM assets a
JOIN asset_relationships r ON r.child_asset_id = a.id
WHERE r.parent_asset_id = :shot_id
  AND r.relationship_type = 'uses_character'
  AND a.type = 'character_ref'
ORDER BY a.name;
"""

SQL_AUDIO = """
SELECT a.*, r.sequence
FROM assets a
JOIN asset_relationships r ON r.child_asset_id = a.id
WHERE r.parent_asset_id = :shot_id
  AND r.relationship_type = 'uses_audio'
  AND a.type = 'audio'
ORDER BY r.sequence NULLS LAST;
"""

SQL_SELECTED = """
SELECT
    take.id as take_id,
    take.name as take_name,
    take.asset_metadata->>'attempt_number' as attempt,
    take.asset_metadata->>'quality_score' as score,
    video.url as video_url,
    video.duration
FROM assets shot
JOIN asset_relationships rt ON rt.parent_asset_id = shot.id AND rt.relationship_type = 'generation_attempt'
JOIN assets take ON take.id = rt.child_asset_id AND take.type = 'shot_take'
JOIN asset_relationships rv ON rv.parent_asset_id = take.id AND rv.relationship_type = 'generated_video'
JOIN assets video ON video.id = rv.child_asset_id AND video.type = 'video'
WHERE shot.id = :shot_id
  AND take.asset_metadata->>'selected' = 'true';
"""


def check_seed_queries(connection: sa.Connection, shot_id) -> None:
    """The guide's four queries, verbatim, return the guide's answer for Scene 3."""
    structure = connection.execute(sa.text(SQL_STRUCTURE), {"shot_id": shot_id}).all()
    assert [
        (r.relationship_type, r.sequence, r.asset_type)
        for r in structure
        if r.relationship_type == "uses_audio"
    ] == [
        ("uses_audio", 1, "audio"),
        ("uses_audio", 2, "audio"),
        ("uses_audio", 3, "audio"),
        ("uses_audio", 4, "audio"),
    ]
    assert sorted(r.relationship_type for r in structure) == sorted(
        ["generation_attempt"] * 2 + ["uses_audio"] * 4 + ["uses_character"] * 2 + ["uses_script"] * 2
    )
    assert {r.shot_name for r in structure} == {"Scene 3 - Confrontation"}

    characters = connection.execute(sa.text(SQL_CHARACTERS), {"shot_id": shot_id}).mappings().all()
    assert [c["name"] for c in characters] == ["Hero", "Villain"]
    assert characters[0]["asset_metadata"]["description"] == "Leader of the resistance"

    audio = connection.execute(sa.text(SQL_AUDIO), {"shot_id": shot_id}).mappings().all()
    assert [a["sequence"] for a in audio] == [1, 2, 3, 4]

    selected = connection.execute(sa.text(SQL_SELECTED), {"shot_id": shot_id}).mappings().all()
    assert len(selected) == 1
    assert selected[0]["attempt"] == "2"
    assert selected[0]["score"] == "9.5"
    assert selected[0]["video_url"] == "https://cdn.example.com/take2.mp4"
    assert selected[0]["duration"] == pytest.approx(8.1)


def test_seed_sql_queries_on_postgres(pg_url: str, tmp_path: Path) -> None:
    database = upgraded(pg_url, tmp_path)
    ids, _ = run_walkthrough(pg_url)
    with database.engine.connect() as connection:
        check_seed_queries(connection, ids["shot"])
        audio = connection.execute(sa.text(SQL_AUDIO), {"shot_id": ids["shot"]}).mappings().all()
        assert [a["name"] for a in audio] == [
            "Why did you betray us?",
            "You were too weak!",
            "Tension music",
            "Ambient rain",
        ]


def test_walkthrough_script_runs(pg_url: str, tmp_path: Path) -> None:
    import subprocess

    upgraded(pg_url, tmp_path)
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "seed_walkthrough.py"), async_url(pg_url)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == EXPECTED_LINES
