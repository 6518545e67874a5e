"""`shotkit init`: a new project that validates, plans and syncs; an existing database brought
under git with an empty next plan; an existing project left untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, upgraded
from .conftest import cli as run
from .test_service import run_walkthrough


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_init_then_validate_plan_sync(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "Light House"
    code, out, _ = run(capsys, "init", str(project))
    assert code == 0, out
    files = snapshot(project)
    assert set(files) == {
        "shotkit.yaml",
        "manifests/shots.yaml",
        ".pre-commit-config.yaml",
        ".github/workflows/shotkit.yml",
        ".gitignore",
    }
    assert files["manifests/shots.yaml"].startswith(
        b"# yaml-language-server: $schema=https://shotkit.dev/schemas/manifest.schema.json\n"
    )
    assert b'workspace: "light-house"' in files["shotkit.yaml"]
    monkeypatch.chdir(project)
    assert run(capsys, "validate", "manifests")[0] == 0
    assert run(capsys, "fmt", "--check", "manifests")[0] == 0  # the modeline is kept by canonical form
    code, out, _ = run(capsys, "plan", "manifests", "--detailed-exitcode")
    assert code == 2 and "4 to create" in out
    assert run(capsys, "sync", "manifests")[0] == 0
    code, out, _ = run(capsys, "plan", "manifests", "--detailed-exitcode")
    assert code == 0, out
    assert b".shotkit/" in (project / ".gitignore").read_bytes()


def test_init_in_an_existing_project_changes_nothing(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "manifests", tmp_path / "demo")
    before = snapshot(tmp_path / "demo")
    code, out, _ = run(capsys, "init", str(tmp_path / "demo"))
    assert code == 0
    assert "already a shotkit project; nothing changed" in out
    assert snapshot(tmp_path / "demo") == before
    code, out, _ = run(
        capsys, "init", str(tmp_path / "demo"), "--from-database", "sqlite:///nowhere.db", "--workspace", "w"
    )
    assert code == 0 and "nothing changed" in out and snapshot(tmp_path / "demo") == before


def test_init_inside_an_existing_project_changes_nothing(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cd manifests && shotkit init` must not start a nested project: its shotkit.yaml would
    silently move the parent's manifests into another workspace."""
    assert run(capsys, "init", str(tmp_path / "p"))[0] == 0
    before = snapshot(tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p" / "manifests")
    code, out, _ = run(capsys, "init")
    assert code == 0 and "nothing changed" in out and "shotkit.yaml" in out
    code, out, _ = run(capsys, "init", "new-folder")
    assert (
        code == 0 and "nothing changed" in out and not (tmp_path / "p" / "manifests" / "new-folder").exists()
    )
    assert snapshot(tmp_path / "p") == before
    assert run(capsys, "validate", str(tmp_path / "p" / "manifests"))[0] == 0


def test_init_keeps_files_that_exist(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (tmp_path / ".gitignore").write_text("*.pyc")
    code, out, _ = run(capsys, "init", str(tmp_path))
    assert code == 0
    assert "kept .pre-commit-config.yaml" in out or f"kept {tmp_path}/.pre-commit-config.yaml" in out
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n.shotkit/\n"


def test_from_database_filled_by_the_asset_service(
    capsys: pytest.CaptureFixture, any_url: str, tmp_path: Path
) -> None:
    upgraded(any_url, tmp_path)
    run_walkthrough(any_url)
    project = tmp_path / "production"
    code, out, err = run(
        capsys, "init", str(project), "--from-database", any_url, "--workspace", "workspace-123"
    )
    assert code == 0, err
    assert "wrote" in out and (project / "manifests" / "workspace-123.new.yaml").is_file()
    assert (project / "shotkit.yaml").read_text().splitlines()[1:] == [
        'workspace: "workspace-123"  # default workspace of the manifests',
        'owner: "shotkit"  # label written on the rows this project manages',
    ]
    assert "entry: shotkit validate manifests" in (project / ".pre-commit-config.yaml").read_text()
    assert (
        run(capsys, "validate", str(project / "manifests"))[0] == 0
    )  # the path the hooks and the workflow name
    code, out, _ = run(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0, out
    assert "No changes" in out


def test_from_database_synced_by_another_project_takes_its_owner(
    capsys: pytest.CaptureFixture, any_url: str, tmp_path: Path
) -> None:
    upgraded(any_url, tmp_path)
    shutil.copytree(ROOT / "manifests", tmp_path / "demo")
    assert run(capsys, "sync", str(tmp_path / "demo"), "--database-url", any_url)[0] == 0
    project = tmp_path / "fresh"
    code, out, err = run(
        capsys, "init", str(project), "--from-database", any_url, "--workspace", "workspace-123"
    )
    assert code == 0, err
    assert 'owner: "demo-repo"' in (project / "shotkit.yaml").read_text()
    assert (project / "manifests" / "scene-03.yaml").is_file() and (
        project / "manifests" / "scripts" / "blocking.fountain"
    ).is_file()
    code, out, _ = run(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0, out


def test_from_database_needs_rows_and_a_workspace(
    capsys: pytest.CaptureFixture, sqlite_url: str, tmp_path: Path
) -> None:
    upgraded(sqlite_url, tmp_path)
    code, _, err = run(
        capsys, "init", str(tmp_path / "p"), "--from-database", sqlite_url, "--workspace", "nope"
    )
    assert code == 1 and "workspace 'nope' has no rows" in err
    assert not (tmp_path / "p" / "shotkit.yaml").exists()
    code, _, err = run(capsys, "init", str(tmp_path / "p"), "--from-database", sqlite_url)
    assert code == 1 and "--from-database needs --workspace" in err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--workspace", "Bad Name!"),
        ("--workspace", "-x"),
        ("--owner", ""),
        ("--owner", "a\nb"),
        ("--owner", "tab\there"),
    ],
)
def test_init_refuses_a_name_its_project_could_not_validate(
    capsys: pytest.CaptureFixture, tmp_path: Path, option: str, value: str
) -> None:
    code, _, err = run(capsys, "init", str(tmp_path / "p"), option, value)
    assert code == 1 and f"{option}" in err and "Traceback" not in err
    assert not (tmp_path / "p").exists()


def test_init_names_are_written_as_given(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert (
        run(capsys, "init", str(tmp_path / "p"), "--workspace", "ws.1_a-b", "--owner", 'team "A" \\ #1')[0]
        == 0
    )
    assert run(capsys, "validate", str(tmp_path / "p" / "manifests"))[0] == 0
    from shotkit.project import load_project

    project = load_project([tmp_path / "p" / "manifests"])
    assert (project.workspace, project.owner) == ("ws.1_a-b", 'team "A" \\ #1')


def test_from_database_shots_made_without_a_number_plan_empty(
    capsys: pytest.CaptureFixture, any_url: str, tmp_path: Path
) -> None:
    """`shot_number` is optional in AssetService.create_shot: a shot adopted by `id:` keeps
    exactly the number it has (none), so the plan after adoption is empty."""
    import asyncio

    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from shotkit import AssetService

    from .conftest import async_url

    async def make() -> None:
        engine = create_async_engine(async_url(any_url))
        try:
            async with async_sessionmaker(engine)() as session:
                service = AssetService(session)
                shot = await service.create_shot("w", "Opening")
                await service.create_shot("w", "Second", shot_number="07")
                await service.create_shot_take(shot, attempt_number=1, selected=True)
                await session.commit()
        finally:
            await engine.dispose()

    upgraded(any_url, tmp_path)
    asyncio.run(make())
    project = tmp_path / "production"
    assert run(capsys, "init", str(project), "--from-database", any_url, "--workspace", "w")[0] == 0
    code, out, _ = run(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0 and "No changes" in out, out
    assert run(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    assert (
        run(capsys, "export", "--database-url", any_url, "--out", str(project / "manifests"), "--check")[0]
        == 0
    )
