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
        "schemas/manifest.schema.json",
    }
    assert files["manifests/shots.yaml"].startswith(
        b"# yaml-language-server: $schema=../schemas/manifest.schema.json\n"
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


def modeline_target(manifest: Path) -> str:
    first = manifest.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix), first
    return first[len(prefix) :]


def test_the_modeline_points_at_a_schema_file_init_wrote(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """Editors resolve a relative `$schema` from the manifest's folder: that file exists after
    init, is the schema `shotkit schema --published` prints, and accepts the first manifest."""
    import json

    import jsonschema
    import yaml

    assert run(capsys, "init", str(tmp_path / "p"))[0] == 0
    manifest = tmp_path / "p" / "manifests" / "shots.yaml"
    target = modeline_target(manifest)
    assert "://" not in target and not target.startswith("/")
    schema_file = (manifest.parent / target).resolve()
    assert schema_file.is_file() and schema_file.is_relative_to((tmp_path / "p").resolve())
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    code, printed, _ = run(capsys, "schema", "--published")
    assert code == 0 and schema == json.loads(printed)
    jsonschema.validate(yaml.safe_load(manifest.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"shotkit": 1, "shots": {"s": {"nme": "typo"}}}, schema)


def test_generated_files_install_only_what_exists(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """shotkit is not on PyPI: what init writes installs it from a git repository."""
    from .test_workflows import check, install_problems, invocations, pip_installs

    assert run(capsys, "init", str(tmp_path / "p"))[0] == 0
    texts = {path.name: path.read_text(encoding="utf-8") for path in (tmp_path / "p").rglob("*.y*ml")}
    assert [problem for text in texts.values() for problem in install_problems(text)] == []
    installs = list(pip_installs(texts["shotkit.yml"]))
    assert installs == ["shotkit @ git+$SHOTKIT_REPOSITORY@$SHOTKIT_REF"]
    workflow = yaml_load(texts["shotkit.yml"])
    repository, ref = workflow["env"]["SHOTKIT_REPOSITORY"], workflow["env"]["SHOTKIT_REF"]
    assert repository.startswith("https://") and ref
    commands = [t for step in workflow["jobs"]["shotkit"]["steps"] for t in invocations(step.get("run", ""))]
    assert commands and all(check(tokens) == [] for tokens in commands)


def yaml_load(text: str) -> dict:
    import yaml

    return yaml.safe_load(text)


def git(cwd: Path, *args: str) -> str:
    import subprocess

    environment = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    environment |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(cwd)}
    return subprocess.run(
        ["git", "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        timeout=30,
    ).stdout.strip()


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("git@github.com:studio/shotkit.git", "https://github.com/studio/shotkit"),
        (
            "https://ci:s3cret@gitlab.example.com/tools/shotkit.git",
            "https://gitlab.example.com/tools/shotkit",
        ),
        ("ssh://git@git.example.com/tools/shotkit", "https://git.example.com/tools/shotkit"),
        ("/srv/git/shotkit.git", None),
        ("https://example.com/a b", None),
    ],
)
def test_the_workflow_installs_from_the_checkout_shotkit_came_from(
    tmp_path: Path, remote: str, expected: str | None
) -> None:
    """A clone pip installed shotkit from: CI installs the same repository at its tag (or
    commit), never with the credentials a remote URL may hold, never from a local path."""
    from shotkit.scaffold import checkout_source

    git(tmp_path, "init", "-q")
    (tmp_path / "f").write_text("x")
    git(tmp_path, "add", "f")
    git(tmp_path, "commit", "-q", "-m", "one")
    git(tmp_path, "remote", "add", "origin", remote)
    commit = git(tmp_path, "rev-parse", "HEAD")
    found = checkout_source(tmp_path)
    assert found == (None if expected is None else (expected, commit))
    git(tmp_path, "tag", "v9.1")
    assert checkout_source(tmp_path) == (None if expected is None else (expected, "v9.1"))
    assert checkout_source(tmp_path / "nowhere") is None


def test_from_database_of_an_init_project_keeps_its_layout(
    capsys: pytest.CaptureFixture, any_url: str, tmp_path: Path
) -> None:
    """Sync records files relative to the project root (`manifests/shots.yaml` where
    `shotkit.yaml` sits above `manifests/`, the layout init writes); bringing that database
    under git again, or exporting into `manifests` after a file was lost, puts them back in
    `manifests/`, not in `manifests/manifests/`."""
    upgraded(any_url, tmp_path)
    first = tmp_path / "first"
    assert run(capsys, "init", str(first), "--workspace", "lighthouse")[0] == 0
    (first / "manifests" / "scripts").mkdir()
    (first / "manifests" / "scripts" / "opening.fountain").write_text("HERO walks in.\n")
    with (first / "manifests" / "shots.yaml").open("a") as manifest:
        manifest.write("scripts:\n  opening: {name: Opening, file: scripts/opening.fountain}\n")
    assert run(capsys, "validate", str(first / "manifests"))[0] == 0
    assert run(capsys, "sync", str(first / "manifests"), "--database-url", any_url)[0] == 0

    fresh = tmp_path / "fresh"
    code, out, err = run(capsys, "init", str(fresh), "--from-database", any_url, "--workspace", "lighthouse")
    assert code == 0, err
    manifests = {p for p in snapshot(fresh) if p.startswith("manifests/")}
    assert manifests == {"manifests/shots.yaml", "manifests/scripts/opening.fountain"}, manifests
    assert "file: scripts/opening.fountain" in (fresh / "manifests" / "shots.yaml").read_text()
    code, out, _ = run(
        capsys, "plan", str(fresh / "manifests"), "--database-url", any_url, "--detailed-exitcode"
    )
    assert code == 0, out

    (first / "manifests" / "shots.yaml").unlink()
    code, out, err = run(capsys, "export", "--out", str(first / "manifests"), "--database-url", any_url)
    assert code == 0, err
    assert (first / "manifests" / "shots.yaml").is_file() and not (first / "manifests" / "manifests").exists()


def test_a_folder_name_with_control_characters_is_escaped_in_the_output(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """A folder name is the user's text: a line break or an escape sequence in it is shown as
    `\\n` or `\\x1b`, never printed raw (one line per file written; no terminal control)."""
    project = tmp_path / "a\nb\x1b[31m"
    for _ in range(2):  # written, then "already a shotkit project"
        code, out, err = run(capsys, "init", str(project))
        assert code == 0, err
        assert "\x1b" not in out + err and "\\x1b" in out
        assert all(
            line.startswith(("wrote ", "Next:", "kept ")) or "exists:" in line for line in out.splitlines()
        )
    assert 'workspace: "a-b-31m"' in (project / "shotkit.yaml").read_text()
