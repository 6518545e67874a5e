"""Commands through the CLI: every problem reported in every output format (discovery and the
project file return problems, never raise), the lazy import boundary, and history's answer
for a workspace with no recorded syncs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, upgraded
from .conftest import cli as run

REFERENCES = ROOT / "tests" / "manifests" / "invalid" / "references"
LISTED_TWICE = "shots.s1.audio: 'rain' is listed twice (first as item 1)"


def reported(fmt: str, out: str) -> set[tuple[str, int, int, str]]:
    """(file, line, column, message) of every error, read back from the output format."""
    if fmt == "json":
        document = json.loads(out)
        assert document["format_version"] == 1 and document["valid"] is False
        return {
            (p["file"], p["line"], p["column"], p["message"])
            for p in document["problems"]
            if p["severity"] == "error"
        }
    found = set()
    lines = out.splitlines()
    if fmt == "text":
        assert re.fullmatch(r"\d+ file\(s\) checked: [1-9]\d* error\(s\), \d+ warning\(s\)", lines.pop())
    for line in lines:
        if fmt == "github":
            if line.startswith("::warning "):
                continue
            assert line.startswith("::error file="), line
            where, message = line.removeprefix("::error ").split("::", 1)
            fields = dict(part.split("=", 1) for part in where.split(","))
            found.add((fields["file"], int(fields["line"]), int(fields["col"]), message))
        else:
            file, line_no, column, message = line.split(":", 3)
            if not message.startswith(" warning: "):
                found.add((file, int(line_no), int(column), message.strip()))
    return found


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_missing_path_is_reported_with_every_other_problem(
    fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REFERENCES)
    code, out, _ = run(capsys, "validate", "--format", fmt, "nope.yaml", ".")
    assert code == 1
    problems = reported(fmt, out)
    assert ("nope.yaml", 1, 1, "no such file or directory") in problems
    assert ("a.yaml", 11, 19, LISTED_TWICE) in problems  # the rest is still checked


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_broken_project_file_is_reported_in_every_format(
    fmt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "manifests" / "scene-03.yaml", tmp_path)
    (tmp_path / "shotkit.yaml").write_text("workspace: w\nowner: [1\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate", "--format", fmt)
    assert code == 1
    assert reported(fmt, out) == {("shotkit.yaml", 2, 8, "YAML syntax error: unclosed bracket '['")}


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_link_leading_outside_is_reported_in_every_format(
    fmt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "manifests", project)
    (project / "elsewhere.yaml").symlink_to(REFERENCES / "a.yaml")
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, "validate", "--format", fmt)
    assert code == 1
    [(file, line, column, message)] = reported(fmt, out)
    assert (file, line, column) == ("elsewhere.yaml", 1, 1)
    assert message.startswith("symbolic link leads outside ")


def test_a_mistyped_first_path_does_not_lose_the_project(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project file is looked up from the first path that exists: else the demo's manifests
    would each add a "no workspace" error to the one mistake."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate", "--format", "json", "nope.yaml", str(ROOT / "manifests"))
    assert code == 1
    assert reported("json", out) == {("nope.yaml", 1, 1, "no such file or directory")}
    assert json.loads(out)["files_checked"] == 1


def test_commands_that_need_valid_manifests_still_stop_with_located_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["plan"], ["sync"], ["stats"], ["fmt", "--check"]):
        code, out, err = run(capsys, *command, "nope.yaml", str(ROOT / "manifests"))
        assert (code, out, err.splitlines()) == (1, "", ["nope.yaml:1:1: no such file or directory"])


def test_validate_loads_no_database_or_rendering_library() -> None:
    """cli.py imports a command's module only when it runs: validate stays small. networkx
    too: the demo registry's relationship types cannot form a cycle, so the graph checks
    never need it (and pipeline.py names its graph type for mypy only)."""
    heavy = ["sqlalchemy", "psycopg", "alembic", "jinja2", "opentimelineio", "networkx"]
    script = (
        "import sys\nfrom shotkit.cli import main\n"
        f"code = main(['--quiet', 'validate', {str(ROOT / 'manifests')!r}])\n"
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[-2] == "0 []"


@pytest.fixture
def history_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    upgraded(url, tmp_path)
    return url


def test_history_of_a_workspace_with_no_syncs_names_those_that_have_some(
    capsys: pytest.CaptureFixture[str], history_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, "history", "--database-url", history_db, "--workspace", "workspace-123")
    assert (code, out.strip()) == (0, "No syncs recorded yet.")
    assert err.strip() == (
        "warning: workspace 'workspace-123' has no recorded syncs; no workspace has a recorded sync yet"
    )
    monkeypatch.setenv("SHOTKIT_ACTOR", "alice")
    assert run(capsys, "sync", str(ROOT / "manifests"), "--database-url", history_db)[0] == 0
    for fmt in ("text", "json"):
        code, out, err = run(
            capsys, "history", "--database-url", history_db, "--workspace", "workspace-12", "--format", fmt
        )
        assert code == 0
        assert err.strip() == (
            "warning: workspace 'workspace-12' has no recorded syncs (did you mean 'workspace-123'?); "
            "workspaces with recorded syncs: workspace-123"
        )
        assert out.strip() == "No syncs recorded yet." if fmt == "text" else json.loads(out)["runs"] == []
    code, out, err = run(capsys, "history", "--database-url", history_db, "--workspace", "workspace-123")
    assert code == 0 and err == "" and "by alice" in out


def test_history_escapes_workspace_names_from_the_database(
    capsys: pytest.CaptureFixture[str], history_db: str
) -> None:
    code, _, err = run(capsys, "history", "--database-url", history_db, "--workspace", "x\x1b[31m")
    assert code == 0 and "\x1b" not in err and "workspace 'x\\x1b[31m' has no recorded syncs" in err


def test_no_module_named_after_a_command_is_left_behind() -> None:
    """One module per command under shotkit/commands/ (pre-commit's layout)."""
    package = ROOT / "shotkit" / "commands"
    modules = {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
    assert {"validate", "plan", "sync", "export", "history", "review", "cut", "db", "init"} <= modules
    assert not (ROOT / "shotkit" / "commands.py").exists() and not os.path.exists(
        ROOT / "shotkit" / "commands_review.py"
    )


def test_history_outside_a_project_creates_no_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`history` only reads: with no URL and no embedded database yet there is nothing to show,
    and it must not leave a `.shotkit/shotkit.db` behind."""
    monkeypatch.delenv("SHOTKIT_DATABASE_URL", raising=False)
    for fmt in ("text", "json"):
        code, out, err = run(capsys, "history", "--project", str(tmp_path), "--format", fmt)
        assert code == 0, err
        assert out.strip() == "No syncs recorded yet." if fmt == "text" else json.loads(out)["runs"] == []
    assert list(tmp_path.iterdir()) == []
