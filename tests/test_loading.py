"""The model loading builds, pinned where the folder-driven cases (which compare problems
only) do not look: what a refused entry leaves in the model, and where takes and videos are
declared (their file, order and path, which export and the plan read)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shotkit import pipeline

from .conftest import ROOT

HERE = Path(__file__).parent / "manifests"


def test_an_id_adopted_twice_keeps_the_first_asset_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE / "invalid" / "adopt-twice")
    loaded = pipeline.load([Path(".")])
    assets = loaded.production.workspaces["w"].assets
    assert assets[("character_ref", "hero")].adopted_id == "5b0e6c57-51c8-4c53-9c43-1ff0c5d5a0b1"
    assert ("character_ref", "villain") not in assets
    assert ("w", "character_ref", "villain") in loaded.production.invalid


def test_an_asset_defined_twice_keeps_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\nworkspace: w\ncharacters:\n  hero: {name: First}\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        "shotkit: 1\nworkspace: w\ncharacters:\n  hero: {name: Second}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    loaded = pipeline.load([Path(".")])
    assert [str(p) for p in loaded.problems] == [
        "a.yaml:4:3: warning: character_ref 'hero' is not used by any shot or asset",
        "b.yaml:4:3: character_ref 'hero' is defined twice in workspace 'w' (first at a.yaml:4:3)",
    ]
    assert loaded.production.workspaces["w"].assets[("character_ref", "hero")].name == "First"


TAKES = """shotkit: 1
workspace: w
characters:
  hero: {name: Hero}
shots:
  s1:
    name: One
    characters: [hero]
    takes:
      - attempt: 2
        selected: true
        video: {url: "https://cdn.example.com/2.mp4", duration: 4}
      - {attempt: 5, name: Best, cost: 1.5}
"""


def test_takes_and_videos_are_declared_where_their_shot_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shots.yaml").write_text(TAKES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded = pipeline.load([Path(".")])
    assert loaded.problems == []
    workspace = loaded.production.workspaces["w"]
    shot = workspace.assets[("shot", "s1")]
    take, other = workspace.assets[("shot_take", "s1#2")], workspace.assets[("shot_take", "s1#5")]
    video = workspace.assets[("video", "s1#2")]
    assert (shot.order, shot.file) == (2, "shots.yaml")
    for nested in (take, other, video):
        assert (nested.order, nested.file, nested.document) == (2, "shots.yaml", shot.document)
    assert take.path == ("shots", "s1", "takes", 0)
    assert other.path == ("shots", "s1", "takes", 1)
    assert video.path == ("shots", "s1", "takes", 0, "video")
    assert (take.name, other.name, video.name) == ("Take 2", "Best", "Take 2 video")
    assert take.metadata == {"attempt_number": 2, "selected": True}
    assert other.metadata == {"attempt_number": 5, "selected": False, "generation_cost": 1.5}
    assert (video.url, video.duration, video.metadata) == ("https://cdn.example.com/2.mp4", 4.0, {})
    assert type(video.duration) is float
    nested_links = [
        (link.type, link.parent, link.child_key, link.sequence, link.path) for link in workspace.links
    ]
    assert nested_links == [
        ("uses_character", ("shot", "s1"), "hero", 1, ("shots", "s1", "characters", 0)),
        ("generation_attempt", ("shot", "s1"), "s1#2", 2, ("shots", "s1", "takes", 0)),
        ("generated_video", ("shot_take", "s1#2"), "s1#2", None, ("shots", "s1", "takes", 0, "video")),
        ("generation_attempt", ("shot", "s1"), "s1#5", 5, ("shots", "s1", "takes", 1)),
    ]


def test_references_resolve_in_their_own_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a workspace's links point at is looked up in that workspace only: a key declared
    in another workspace neither resolves the link nor counts as used."""
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\nworkspace: a\nshots:\n  s1: {name: One, characters: [hero]}\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        "shotkit: 1\nworkspace: b\ncharacters:\n  hero: {name: Hero}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in pipeline.load([Path(".")]).problems] == [
        "a.yaml:4:32: unknown character_ref 'hero' in workspace 'a'",
        "b.yaml:4:3: warning: character_ref 'hero' is not used by any shot or asset",
    ]


def test_valid_manifests_are_read_without_executing_pyyaml() -> None:
    """PyYAML (positions, hazards) is the slow path's: a valid project never executes it, and
    a file that needs it still gets it (its problem located by PyYAML's events)."""
    script = (
        "import sys\nfrom shotkit.cli import main\n"
        f"code = main(['--quiet', 'validate', {str(ROOT / 'manifests')!r}])\n"
        "print(code, 'yaml.reader' in sys.modules)\n"
        f"code = main(['--quiet', 'validate', {str(HERE.parent / 'hostile' / 'bool-key.yaml')!r}])\n"
        "print(code, 'yaml.reader' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True)
    printed = [line for line in result.stdout.splitlines() if line.endswith((" True", " False"))]
    assert printed == ["0 False", "1 True"], result.stderr
