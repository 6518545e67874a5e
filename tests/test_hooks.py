"""The pre-commit hooks, run by pre-commit itself on a real temporary git repository.

The hooks are taken from this repository's `.pre-commit-hooks.yaml` into a `repo: local`
configuration with `language: system`, so pre-commit runs the shotkit under test without
building an environment from the network (CI may be offline)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import ROOT, shotkit

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "manifests", repo / "manifests")
    shutil.move(str(repo / "manifests" / "shotkit.yaml"), str(repo / "shotkit.yaml"))
    (repo / "logo.svg").write_text("<svg/>\n")
    hooks = [{**hook, "language": "system", "args": ["manifests"]} for hook in HOOKS]
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]})
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def pre_commit(repo: Path, tmp_path: Path, *files: str) -> subprocess.CompletedProcess:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_COLOR": "never",
    }
    selection = ["--files", *files] if files else ["--all-files"]
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", *selection],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_hooks_declare_whole_project_runs() -> None:
    by_id = {hook["id"]: hook for hook in HOOKS}
    assert set(by_id) == {"shotkit-validate", "shotkit-fmt"}
    assert all(
        hook["pass_filenames"] is False and hook["files"] and hook["language"] == "python" for hook in HOOKS
    )


def test_valid_project_passes(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    result = pre_commit(repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shotkit validate" in result.stdout and "Passed" in result.stdout


def test_invalid_manifest_fails_with_a_located_error(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    manifest = repo / "manifests" / "scene-03.yaml"
    manifest.write_text(
        manifest.read_text().replace("characters: [hero, villain]", "characters: [hero, villian]")
    )
    result = pre_commit(repo, tmp_path)
    assert result.returncode == 1
    assert "manifests/scene-03.yaml:" in result.stdout and "villian" in result.stdout


def test_fmt_rewrites_then_passes(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    manifest = repo / "manifests" / "scene-03.yaml"
    manifest.write_text(manifest.read_text().replace("    name: Villain\n", "    name: 'Villain'\n"))
    first = pre_commit(repo, tmp_path)
    assert first.returncode == 1 and "files were modified by this hook" in first.stdout
    assert "    name: Villain\n" in manifest.read_text()
    second = pre_commit(repo, tmp_path)
    assert second.returncode == 0, second.stdout


def test_a_change_outside_the_manifests_skips_them(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    manifest = repo / "manifests" / "scene-03.yaml"
    manifest.write_text(
        manifest.read_text().replace("[hero, villain]", "[hero, villian]")
    )  # broken, but not in this commit
    result = pre_commit(repo, tmp_path, "logo.svg")
    assert result.returncode == 0
    assert result.stdout.count("(no files to check)Skipped") == 2
    assert pre_commit(repo, tmp_path, "manifests/scene-03.yaml").returncode == 1


def test_the_config_init_writes_runs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    result = shotkit("init", str(repo))
    assert result.returncode == 0, result.stderr
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert pre_commit(repo, tmp_path).returncode == 0
    manifest = repo / "manifests" / "shots.yaml"
    manifest.write_text(manifest.read_text().replace("characters: [hero]", "characters: [nobody]"))
    result = pre_commit(repo, tmp_path)
    assert result.returncode == 1 and "manifests/shots.yaml:" in result.stdout and "nobody" in result.stdout
