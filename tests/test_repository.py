"""The repository checks itself: its own .pre-commit-config.yaml runs, offline, and passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import ROOT

CONFIG = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))


def working_tree_copy(target: Path) -> Path:
    """The files git would commit from the working tree (tracked or new, not ignored), as they
    are now, in a repository of their own: pre-commit runs there without touching this one."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    return target


def test_every_hook_is_local_and_needs_no_network() -> None:
    assert [repo["repo"] for repo in CONFIG["repos"]] == ["local"]
    hooks = CONFIG["repos"][0]["hooks"]
    assert {hook["language"] for hook in hooks} == {"system"}
    ids = [hook["id"] for hook in hooks]
    assert ids == ["ruff-check", "ruff-format", "mypy", "shotkit-validate", "shotkit-fmt"]


def test_pre_commit_passes_on_the_repository(tmp_path: Path) -> None:
    repo = working_tree_copy(tmp_path / "repo")
    env = {
        **os.environ,
        # the venv's ruff, mypy and shotkit, as with the venv active
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "MYPY_CACHE_DIR": str(tmp_path / "mypy-cache"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for hook in CONFIG["repos"][0]["hooks"]:
        ran = [line for line in lines if line.startswith(hook["name"] + ".")]
        assert len(ran) == 1 and ran[0].endswith("Passed"), result.stdout  # run, not skipped
