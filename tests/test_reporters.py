"""One reporter registry per kind of output: each command's `--format` choices are exactly its
registry's names, and each registered reporter prints what the command prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest

from shotkit import db, drawing, pipeline, plan, render, report, state, stats
from shotkit.cli import cli, main

from .conftest import ROOT, upgraded

MANIFESTS = ROOT / "manifests"
REGISTRIES: dict[str, dict[str, Any]] = {
    "validate": report.REPORTERS,
    "plan": render.REPORTERS,
    "stats": stats.REPORTERS,
    "graph": drawing.REPORTERS,
}


def shotkit(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("command", sorted(REGISTRIES))
def test_the_format_choices_are_the_registry(command: str) -> None:
    [option] = [p for p in cli.commands[command].params if p.name == "fmt"]
    assert isinstance(option.type, click.Choice)
    assert sorted(option.type.choices) == sorted(REGISTRIES[command])


def test_problem_reporters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("shotkit: 1\nworkspace: w\ncharacters:\n  hero: {nam: Hero}\n")
    loaded = pipeline.load([broken])
    checked = report.Checked(loaded.problems, loaded.files)
    assert loaded.problems
    for fmt in ("json", "github"):
        main(["validate", str(broken), "--format", fmt])
        assert capsys.readouterr().out == report.REPORTERS[fmt](checked) + "\n"
    main(["validate", str(broken)])
    out, err = capsys.readouterr()
    assert out + err == report.REPORTERS["text"](checked) + "\n"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_stats_reporters(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    result = stats.compute(pipeline.load_valid([MANIFESTS]).production)
    assert shotkit(capsys, "stats", str(MANIFESTS), "--format", fmt) == stats.REPORTERS[fmt](result) + "\n"


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_reporters(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    graph = pipeline.load_valid([MANIFESTS]).graph
    assert shotkit(capsys, "graph", str(MANIFESTS), "--format", fmt) == drawing.REPORTERS[fmt](graph) + "\n"


def test_plan_reporters(capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path) -> None:
    database = upgraded(sqlite_url, tmp_path)
    loaded = pipeline.load_valid([MANIFESTS])
    with db.snapshot(database) as connection:
        states = {name: state.read(connection, name) for name in plan.scope(loaded.production)}
    output = render.PlanOutput(plan.compute(loaded.production, states, False), loaded.production, [], 20_000)
    for fmt in ("text", "json", "markdown"):
        printed = shotkit(
            capsys,
            "plan",
            str(MANIFESTS),
            "--database-url",
            sqlite_url,
            "--format",
            fmt,
            "--max-chars",
            "20000",
        )
        assert printed == render.REPORTERS[fmt](output) + "\n", fmt
