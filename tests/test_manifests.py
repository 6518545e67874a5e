"""Folder-driven: every case under tests/manifests/ is validated and its problems compared,
line for line, with the case's expected.txt (file:line:column: message)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotkit import pipeline

from .conftest import ROOT

HERE = Path(__file__).parent / "manifests"
VALID = sorted(p.name for p in (HERE / "valid").iterdir())
INVALID = sorted(p.name for p in (HERE / "invalid").iterdir())


def problems_of(case: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(case)
    return [str(p) for p in pipeline.load([Path(".")]).problems]


def expected(case: Path) -> list[str]:
    path = case / "expected.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest.mark.parametrize("name", VALID)
def test_valid_case(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = HERE / "valid" / name
    found = problems_of(case, monkeypatch)
    assert found == expected(case)
    assert all(": warning: " in line for line in found)


@pytest.mark.parametrize("name", INVALID)
def test_invalid_case(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = HERE / "invalid" / name
    want = expected(case)
    assert want, f"{name} has no expected.txt"
    assert problems_of(case, monkeypatch) == want


def test_demo_production_is_valid() -> None:
    loaded = pipeline.load([ROOT / "manifests"])
    assert loaded.problems == []
    workspace = loaded.production.workspaces["workspace-123"]
    assert len([a for a in workspace.assets.values() if a.type == "shot_take"]) == 2


def test_yaml11_values_stay_the_text_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE / "valid" / "yaml11-text")
    loaded = pipeline.load([Path(".")])
    hero = loaded.production.workspaces["w"].assets[("character_ref", "norway")]
    assert hero.name == "NO"
    assert hero.metadata["description"] == "on"
    assert hero.metadata["timecode"] == "1:20"
    assert hero.metadata["shot_on"] == "2024-01-01"
    assert hero.metadata["answer"] == "yes"
    assert hero.metadata["mode"] == 15  # written explicitly as 0o17: YAML 1.2 octal


def test_custom_types_become_rows_and_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE / "valid" / "custom-types")
    loaded = pipeline.load([Path(".")])
    workspace = loaded.production.workspaces["lighthouse"]
    assert workspace.assets[("prop", "lamp")].metadata == {"era": "1920s"}
    links = {(link.type, link.parent[1], link.child_key): link for link in workspace.links}
    assert links[("uses_prop", "01", "lamp")].metadata == {"lit": True}
    assert ("continues_from", "02", "01") in links
    assert loaded.project.owner == "lighthouse-repo"
