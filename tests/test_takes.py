"""One definition of takes and videos (issue 8), and misspelled per-link keys (issue 11)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from shotkit import documents, model
from shotkit.project import load_project
from shotkit.tables import asset_relationships

from .conftest import async_url, upgraded
from .conftest import cli as run

LINKS = """\
shotkit: 1
workspace: w
characters:
  x: {name: X}
audio:
  m: {name: M}
shots:
  s:
    name: S
    characters: [{ref: x, volme: 0.3}]
    audio:
      - {ref: m, volumn: 0.5, role: lead, volume_db: -3, Volume: 1}
    takes: [{attempt: 1, selected: true}]
"""


def test_a_misspelled_link_key_is_a_located_warning_with_the_close_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.yaml").write_text(LINKS)
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 0, out
    lines = [line.removeprefix(f"{tmp_path}/") for line in out.splitlines()]
    assert lines == [
        "a.yaml:10:27: warning: shots.s.characters[0].volme: 'volme' is not a link field shotkit reads; kept as link metadata (did you mean 'volume'?)",
        "a.yaml:12:18: warning: shots.s.audio[0].volumn: 'volumn' is not a link field shotkit reads; kept as link metadata (did you mean 'volume'?)",
        "a.yaml:12:58: warning: shots.s.audio[0].Volume: 'Volume' is not a link field shotkit reads; kept as link metadata (did you mean 'volume'?)",
        "1 file(s) checked: 0 error(s), 3 warning(s)",
    ]
    code, out, _ = run(capsys, "validate", "--format", "github", str(tmp_path))
    assert code == 0
    assert out.splitlines()[0].startswith("::warning file=")
    assert out.splitlines()[0].endswith(
        ",line=10,col=27::shots.s.characters[0].volme: 'volme' is not a link field shotkit reads; kept as link metadata (did you mean 'volume'?)"
    )


def test_misspelled_keys_of_custom_links_are_warned_about_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "shotkit.yaml").write_text(
        "workspace: w\nasset_types: {prop: {}}\nrelationship_types: {uses_prop: {parent: shot, child: prop}}\n"
    )
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\nassets:\n  prop: {p: {name: P}}\nshots:\n  s:\n    name: S\n"
        "    links: {uses_prop: [{ref: p, ofset: 2}]}\n"
    )
    code, out, _ = run(capsys, "validate", "--format", "json", str(tmp_path))
    assert code == 0
    assert json.loads(out)["problems"] == [
        {
            "file": f"{tmp_path}/a.yaml".removeprefix(f"{Path.cwd()}/"),
            "line": 7,
            "column": 34,
            "severity": "warning",
            "message": "shots.s.links.uses_prop[0].ofset: 'ofset' is not a link field shotkit reads; kept as link metadata (did you mean 'offset'?)",
        }
    ]


def test_every_per_link_key_is_kept_as_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sqlite_url: str
) -> None:
    """A warning, not an error: per-link metadata is free-form (docs/manifest.md), so the
    misspelled key is stored as written, next to the user's own keys."""
    (tmp_path / "a.yaml").write_text(LINKS)
    database = upgraded(sqlite_url, tmp_path)
    try:
        assert run(capsys, "sync", str(tmp_path), "--database-url", sqlite_url)[0] == 0
        with database.engine.connect() as connection:
            stored = connection.execute(
                sa.select(asset_relationships.c.relationship_metadata).where(
                    asset_relationships.c.relationship_type == "uses_audio"
                )
            ).scalars()
            assert list(stored) == [{"volumn": 0.5, "role": "lead", "volume_db": -3, "Volume": 1}]
    finally:
        database.engine.dispose()


def test_a_take_made_by_the_asset_service_comes_back_with_every_field(
    capsys: pytest.CaptureFixture[str], any_url: str, tmp_path: Path
) -> None:
    """The AssetService, export, canonical form and the model read one definition of a take:
    every field the service stores comes back under its manifest name, default names are
    left out, and the next plan is empty."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from shotkit import AssetService

    async def make() -> None:
        engine = create_async_engine(async_url(any_url))
        try:
            async with async_sessionmaker(engine)() as session:
                service = AssetService(session)
                shot = await service.create_shot("w", "Opening", shot_number="01")
                take = await service.create_shot_take(
                    shot,
                    attempt_number=2,
                    selected=True,
                    generation_params={"seed": 7, "model": "video-01"},
                    generation_cost=0.5,
                    quality_score=9.5,
                    director_notes="keep",
                )
                await service.create_shot_take(shot, attempt_number=1)
                await service.link_take_video(
                    take, "https://cdn.example.com/t2.mp4", 8.0, {"width": 1920, "height": 1080, "fps": 24}
                )
        finally:
            await engine.dispose()

    upgraded(any_url, tmp_path).engine.dispose()
    asyncio.run(make())
    project = tmp_path / "production"
    assert run(capsys, "init", str(project), "--from-database", any_url, "--workspace", "w")[0] == 0
    manifests = [p for p in (project / "manifests").glob("*.yaml") if p.name != "shotkit.yaml"]
    shots = [s for p in manifests for s in (yaml.safe_load(p.read_text()).get("shots") or {}).values()]
    assert [[without_ids(t) for t in s["takes"]] for s in shots] == [
        [
            {"attempt": 1},
            {
                "attempt": 2,
                "selected": True,
                "quality_score": 9.5,
                "director_notes": "keep",
                "generation": {"model": "video-01", "seed": 7},
                "cost": 0.5,
                "video": {
                    "url": "https://cdn.example.com/t2.mp4",
                    "duration": 8.0,
                    "width": 1920,
                    "height": 1080,
                    "fps": 24,
                },
            },
        ]
    ]
    code, out, _ = run(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0 and "No changes" in out, out


def without_ids(value: object) -> object:
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k != "id"}
    return value


def test_the_model_stage_reads_no_file(tmp_path: Path) -> None:
    """Script bodies are read with the documents (documents.read_script_files); the model is
    built from what was read, even once the file is gone."""
    (tmp_path / "body.txt").write_text("HERO: hi\n")
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\nworkspace: w\nscripts:\n  d: {name: D, file: body.txt}\n  e: {name: E, file: nope.txt}\n"
    )
    project = load_project([tmp_path])
    docs, problems = documents.load_all([tmp_path])
    assert problems == []
    scripts = documents.read_script_files(docs, project.root)
    (tmp_path / "body.txt").unlink()
    production, found = model.build(docs, project, scripts)
    script = production.workspaces["w"].assets["script", "d"]
    assert (script.body_file, script.metadata) == ("body.txt", {"text": "HERO: hi\n"})
    assert [(p.line, p.column, p.message) for p in found] == [
        (5, 22, "script file 'nope.txt': cannot read: No such file or directory")
    ]
