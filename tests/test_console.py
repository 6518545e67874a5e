"""The friendly command line, through the CLI: examples in every --help, colour only on a
terminal and never with NO_COLOR, --quiet, and progress bars only on a terminal."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shotkit.cli import cli

from .conftest import ROOT, run_main
from .test_docs import walk
from .test_workflows import check, invocations

ESC = "\x1b["


def in_terminal(args: list[str], cwd: Path, **env: str) -> str:
    """Run shotkit with stdout and stderr on a pseudo-terminal; returns what it printed."""
    master, slave = pty.openpty()
    environment = (
        {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")} | {"TERM": "xterm"} | env
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "shotkit", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=environment,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    process.wait(timeout=60)
    return b"".join(chunks).decode(errors="replace")


def piped(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    return subprocess.run(
        [sys.executable, "-m", "shotkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "manifests", tmp_path / "demo")
    return tmp_path / "demo"


@pytest.mark.parametrize("name", [""] + [name for name, _ in walk(cli)])
def test_every_help_has_examples_that_run(name: str) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    examples = result.output.split("Examples:\n", 1)
    assert len(examples) == 2, f"`shotkit {name} --help` has no examples"
    lines = [line.strip() for line in examples[1].splitlines() if line.strip()]
    assert lines and all(line.startswith("shotkit ") for line in lines)
    for line in lines:
        for tokens in invocations(line):
            assert check(tokens) == [], line
        if name:
            assert any(" ".join(tokens[: len(name.split())]) == name for tokens in invocations(line)), (
                f"{line} is not an example of {name}"
            )


def test_colour_on_a_terminal_only(project: Path) -> None:
    out = in_terminal(["plan", "."], project)
    assert f"{ESC}32m  + create shot" in out
    assert ESC not in in_terminal(["plan", "."], project, NO_COLOR="1")
    result = piped(["plan", "."], project)
    assert (
        result.returncode == 0
        and "+ create shot" in result.stdout
        and ESC not in result.stdout + result.stderr
    )


def test_errors_are_red_on_a_terminal_only(tmp_path: Path) -> None:
    out = in_terminal(["plan", str(tmp_path / "missing")], tmp_path)
    assert ESC in out and "missing" in out
    result = piped(["sync", "--plan", str(tmp_path / "nope.json")], tmp_path)
    assert result.stderr.startswith("error: cannot read plan") and ESC not in result.stderr


def test_quiet(capsys: pytest.CaptureFixture, project: Path) -> None:
    assert run_main(["--quiet", "validate", str(project)]) == 0
    assert capsys.readouterr().out == ""
    assert run_main(["--quiet", "sync", str(project)]) == 0
    assert capsys.readouterr().out == ""
    assert run_main(["--quiet", "export", "--out", str(project)]) == 0
    out = capsys.readouterr().out
    assert "wrote" not in out and "exported" not in out
    assert run_main(["--quiet", "plan", str(project)]) == 0  # the output asked for is still printed
    assert "No changes" in capsys.readouterr().out
    (project / "bad.yaml").write_text("shotkit: 1\nshots: {s: {name: S, characters: [nobody]}}\n")
    assert run_main(["-q", "validate", str(project)]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml:2:" in out and "file(s) checked" not in out
    assert run_main(["validate", str(project)]) == 1
    assert "file(s) checked" in capsys.readouterr().out


def test_progress_bar_on_a_terminal_only(project: Path) -> None:
    other = project.parent / "other"
    other.mkdir()
    (other / "shotkit.yaml").write_text("owner: other\n")
    (other / "b.yaml").write_text("shotkit: 1\nworkspace: second\ncharacters: {x: {name: X}}\n")
    url = f"sqlite:///{project.parent / 'db.sqlite'}"
    assert piped(["db", "upgrade", "--database-url", url], project).returncode == 0
    assert piped(["sync", ".", "--database-url", url], project).returncode == 0
    assert piped(["sync", ".", "--database-url", url], other).returncode == 0
    out = in_terminal(["export", "--database-url", url, "--out", str(project.parent / "out")], project)
    assert "reading workspaces" in out and "2/2" in out
    assert "reading workspaces" not in in_terminal(
        ["--quiet", "export", "--database-url", url, "--out", str(project.parent / "out2")], project
    )
    result = piped(["export", "--database-url", url, "--out", str(project.parent / "out3")], project)
    assert result.returncode == 0 and "reading workspaces" not in result.stdout + result.stderr
