"""Progress on long work, through the CLI on a pseudo-terminal: sync and plan show what they
do (and a bar over the rows sync writes) on a terminal's stderr, and never when stderr is a
pipe, with --quiet, or in a machine-read format (--format json, markdown)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_console import in_terminal, piped

STATUS = ("loading manifests", "reading workspace", "planning", "inserting", "committing")
ERASE = "                    \r"  # the status line wiped with spaces when the work is done


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, str]:
    shutil.copytree(ROOT / "manifests", tmp_path / "demo")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert piped(["db", "upgrade", "--database-url", url], tmp_path / "demo").returncode == 0
    return tmp_path / "demo", url


def test_sync_shows_its_steps_and_a_bar_over_the_rows_on_a_terminal(project: tuple[Path, str]) -> None:
    folder, url = project
    out = in_terminal(["sync", ".", "--database-url", url], folder)
    assert "\rloading manifests" in out and "\rplanning" in out
    assert "\rworkspace-123: inserting 13 asset(s) [" in out and "] 0/25" in out
    assert "\rworkspace-123: inserting 12 link(s) [" in out and "] 13/25" in out
    assert "\rcommitting [########################] 25/25" in out
    # The status line is erased before the plan is printed: the output starts on a clean line.
    assert out.rindex(ERASE) < out.index("Applied in one transaction.")
    assert out.rindex(ERASE) < out.index("Plan:")
    assert "\x1b" not in in_terminal(["sync", ".", "--database-url", url], folder, NO_COLOR="1")


def test_plan_shows_its_steps_on_a_terminal(project: tuple[Path, str]) -> None:
    folder, url = project
    out = in_terminal(["plan", ".", "--database-url", url], folder)
    assert "\rloading manifests" in out and "\rplanning" in out
    assert "\rreading workspace workspace-123 [" in out and "] 0/1" in out
    assert out.rindex(ERASE) < out.index("Plan:")


@pytest.mark.parametrize(
    "args",
    [
        ["sync", ".", "--format", "json"],
        ["plan", ".", "--format", "json"],
        ["plan", ".", "--format", "markdown"],
        ["--quiet", "sync", "."],
        ["--quiet", "plan", "."],
    ],
    ids=lambda a: " ".join(a),
)
def test_no_progress_in_machine_formats_or_quiet_on_a_terminal(
    project: tuple[Path, str], args: list[str]
) -> None:
    folder, url = project
    out = in_terminal([*args, "--database-url", url], folder)
    assert not [s for s in STATUS if s in out] and "\r " not in out, out
    if "json" in args:
        document = json.loads(out.replace("\r\n", "\n"))
        assert document["format_version"] == 1


@pytest.mark.parametrize("command", ["sync", "plan"])
def test_no_progress_when_piped(project: tuple[Path, str], command: str) -> None:
    folder, url = project
    result = piped([command, ".", "--database-url", url], folder)
    assert result.returncode == 0 and "Plan:" in result.stdout
    text = result.stdout + result.stderr
    assert not [s for s in STATUS if s in text] and "\r" not in text and "\x1b" not in text
